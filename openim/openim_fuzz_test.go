package openim

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/sqlite"
	"github.com/groupd/groupd/test/storecheck"
)

// stickyRevoker never revokes, so that a fuzzed force_logout does not lock
// the fuzzer's own tokens out for the rest of the run.
type stickyRevoker struct{}

func (stickyRevoker) Generation(context.Context, string, int) (uint64, error) { return 0, nil }
func (stickyRevoker) Revoke(context.Context, string, int) error               { return nil }

// fuzzWorld is the handler stack on a real SQLite file with a few users and
// groups, and tokens of every kind.
type fuzzWorld struct {
	h      http.Handler
	store  *storecheck.Mutations
	tokens []string
	routes []string
}

const fuzzSecret = "fuzz-secret-0123456789"

func newFuzzWorld(tb testing.TB) *fuzzWorld {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "groupd.db"), sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	store := storecheck.NewMutations(db)
	now := func() time.Time { return time.UnixMilli(1750000000000) }
	svc := domain.NewService(store, domain.Options{Now: now})
	h := NewHandler(svc, Config{Secret: fuzzSecret, Now: now, Revoker: stickyRevoker{}}, slog.New(slog.DiscardHandler))
	w := &fuzzWorld{h: h, store: store}
	for _, r := range Routes() {
		w.routes = append(w.routes, r.Path)
	}
	tk := &tokens{key: signingKey(fuzzSecret), ttl: time.Hour, now: now, revoker: stickyRevoker{}}
	issue := func(user string, platform int) string {
		s, err := tk.issue(context.Background(), user, platform)
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}
	admin := issue("imAdmin", AdminPlatformID)
	ctx := context.Background()
	adminActor := domain.Actor{UserID: "imAdmin", Admin: true}
	if _, err := svc.RegisterUsers(ctx, adminActor, []domain.User{{UserID: "alice"}, {UserID: "bob"}, {UserID: "carol"}, {UserID: "dave"}}, false); err != nil {
		tb.Fatal(err)
	}
	for _, g := range []string{"g1", "g2", "g3"} {
		if _, _, err := svc.CreateGroup(ctx, adminActor, domain.CreateGroupInput{
			Group: domain.Group{GroupID: g, Name: g, GroupType: domain.GroupTypeWorking}, OwnerUserID: "alice",
			AdminUserIDs: []string{"bob"}, MemberUserIDs: []string{"carol"},
		}); err != nil {
			tb.Fatal(err)
		}
	}
	expired := func() string {
		c := Claims{UserID: "alice", PlatformID: 1, RegisteredClaims: jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(now().Add(-time.Hour))}}
		s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(signingKey(fuzzSecret))
		return s
	}()
	w.tokens = []string{admin, issue("alice", 1), issue("bob", 2), issue("carol", 1), issue("dave", 5), "", "garbage", expired,
		issue("ghost", 1)} // a validly signed token of an unregistered user
	return w
}

// Substrings that betray internal detail when an answer holds them and the
// request did not.
var leakMarkers = []string{"sqlite", "sql:", "SQL", "panic", "runtime error", "goroutine", ".go:", "nil pointer",
	"interface conversion", "database is", "pgx", "constraint", "driver", "context canceled", "deadline exceeded",
	"index out of range", "Go value", "Go struct", "openim.", "domain.", "zim.", "json: ", fuzzSecret}

// serveOnce sends one request through the handler and checks the answer:
// HTTP 200, an OpenIM envelope, no server error, nothing internal in it,
// and no change kept when the answer is an error.
func (w *fuzzWorld) serveOnce(t *testing.T, path string, headers map[string]string, body []byte) {
	t.Helper()
	before := w.store.Count()
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.URL.Path = path // any bytes a client may send, spaces included
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	start := time.Now()
	w.h.ServeHTTP(rec, req)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("%s: one request took %v; input %q", path, d, body)
	}
	if !strings.HasPrefix(path, "/auth/") && !strings.HasPrefix(path, "/user/") && !strings.HasPrefix(path, "/group/") {
		return // not an OpenIM route: the mux's own 404
	}
	res := rec.Result()
	raw := rec.Body.Bytes()
	if res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusMethodNotAllowed ||
		res.StatusCode == http.StatusTemporaryRedirect || res.StatusCode == http.StatusMovedPermanently { // the mux cleans paths
		if w.store.Count() != before {
			t.Fatalf("%s: unrouted request changed the store", path)
		}
		return
	}
	// Wrong admin secrets are throttled with HTTP 429 (and the envelope
	// checked below); every other answer is HTTP 200.
	throttled := res.StatusCode == http.StatusTooManyRequests && path == "/auth/get_admin_token"
	if res.StatusCode != http.StatusOK && !throttled {
		t.Fatalf("%s: HTTP %d: %s", path, res.StatusCode, raw)
	}
	var env struct {
		ErrCode *int            `json:"errCode"`
		ErrMsg  string          `json:"errMsg"`
		ErrDlt  string          `json:"errDlt"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.ErrCode == nil {
		t.Fatalf("%s: answer is not an envelope (%v): %q", path, err, raw)
	}
	if *env.ErrCode == codeInternal {
		t.Fatalf("%s: server error for input %q: %s", path, body, raw)
	}
	input := string(body) + path
	for _, v := range headers {
		input += v
	}
	for _, m := range leakMarkers {
		if strings.Contains(string(raw), m) && !strings.Contains(input, m) {
			t.Fatalf("%s: answer leaks %q: %s", path, m, raw)
		}
	}
	if *env.ErrCode != 0 {
		if env.Data != nil {
			t.Fatalf("%s: error answer carries data: %s", path, raw)
		}
		if n := w.store.Count(); n != before {
			t.Fatalf("%s: refused with %d but %d change(s) were committed; input %q", path, *env.ErrCode, n-before, body)
		}
	}
}

// FuzzOpenIMHandler drives the whole OpenIM stack: route, token, headers
// and body.
func FuzzOpenIMHandler(f *testing.F) {
	w := newFuzzWorld(f)
	idx := func(path string) uint8 {
		for i, r := range w.routes {
			if r == path {
				return uint8(i)
			}
		}
		f.Fatalf("no route %s", path)
		return 0
	}
	seeds := []struct {
		path  string
		token uint8
		body  string
	}{
		{"/auth/get_admin_token", 5, `{"secret":"fuzz-secret-0123456789","userID":"imAdmin"}`},
		{"/auth/get_admin_token", 5, `{"secret":"nope","userID":"imAdmin"}`},
		{"/auth/get_user_token", 0, `{"platformID":1,"userID":"alice"}`},
		{"/auth/get_user_token", 1, `{"platformID":1,"userID":"bob"}`},
		{"/auth/parse_token", 5, `{"token":"a.b.c"}`},
		{"/auth/force_logout", 0, `{"platformID":1,"userID":"alice"}`},
		{"/user/user_register", 0, `{"users":[{"userID":"eve","nickname":"Eve"}]}`},
		{"/user/user_register", 0, `{"users":[{"userID":""}]}`},
		{"/user/user_register", 1, `{"users":[{"userID":"mallory"}]}`},
		{"/user/get_users_info", 1, `{"userIDs":["alice","bob","nobody"]}`},
		{"/user/update_user_info", 2, `{"userInfo":{"userID":"alice","nickname":"pwned"}}`},
		{"/user/update_user_info_ex", 1, `{"userInfo":{"userID":"alice","nickname":{"value":"A"},"ex":null}}`},
		{"/user/get_users", 0, `{"pagination":{"pageNumber":2147483647,"showNumber":1000}}`},
		{"/group/create_group", 1, `{"ownerUserID":"alice","memberUserIDs":["bob","bob"],"groupInfo":{"groupID":"g9","groupType":2}}`},
		{"/group/create_group", 0, `{"ownerUserID":"alice","memberUserIDs":["ghost"],"groupInfo":{"groupType":2}}`},
		{"/group/create_group", 0, `{"ownerUserID":"alice","groupInfo":{"groupID":"g1","groupType":1}}`},
		{"/group/get_groups_info", 3, `{"groupIDs":["g1","g2","zz"]}`},
		{"/group/get_joined_group_list", 2, `{"fromUserID":"alice","pagination":{"pageNumber":1,"showNumber":10}}`},
		{"/group/get_joined_group_list", 1, `{"fromUserID":"alice","pagination":{"pageNumber":-1,"showNumber":-5}}`},
		{"/group/set_group_info", 3, `{"groupInfoForSet":{"groupID":"g1","groupName":"carol was here"}}`},
		{"/group/set_group_info", 2, `{"groupInfoForSet":{"groupID":"g1","needVerification":{"value":7}}}`},
		{"/group/set_group_info_ex", 1, `{"groupID":"g2","groupName":"","notification":null,"ex":{"value":"x"}}`},
		{"/group/invite_user_to_group", 3, `{"groupID":"g1","invitedUserIDs":["dave"]}`},
		{"/group/invite_user_to_group", 1, `{"groupID":"g1","invitedUserIDs":["dave","nobody"]}`},
		{"/group/kick_group", 2, `{"groupID":"g1","kickedUserIDs":["alice"]}`},
		{"/group/kick_group", 3, `{"groupID":"g1","kickedUserIDs":["bob"]}`},
		{"/group/quit_group", 3, `{"groupID":"g1","userID":"bob"}`},
		{"/group/quit_group", 1, `{"groupID":"g1"}`},
		{"/group/transfer_group", 2, `{"groupID":"g1","oldOwnerUserID":"alice","newOwnerUserID":"bob"}`},
		{"/group/transfer_group", 1, `{"groupID":"g3","oldOwnerUserID":"alice","newOwnerUserID":"nobody"}`},
		{"/group/dismiss_group", 2, `{"groupID":"g2","deleteMember":true}`},
		{"/group/get_group_member_list", 4, `{"groupID":"g1","pagination":{"pageNumber":1,"showNumber":0},"filter":9}`},
		{"/group/get_group_member_list", 1, `{"groupID":"g1","pagination":{"pageNumber":1,"showNumber":1001},"keyword":"%_"}`},
		{"/group/get_group_members_info", 1, `{"groupID":"g1","userIDs":["alice","bob"]}`},
		{"/group/get_group_member_user_id", 4, `{"groupID":"g1"}`},
		{"/group/get_group_abstract_info", 1, `{"groupIDs":["g1","g1"]}`},
		{"/group/join_group", 4, `{"groupID":"g1","reqMessage":"hi","joinSource":3}`},
		{"/group/join_group", 4, `{"groupID":"g1","userID":"alice"}`},
		{"/group/group_application_response", 2, `{"groupID":"g1","fromUserID":"dave","handleResult":1}`},
		{"/group/get_recv_group_applicationList", 1, `{"fromUserID":"alice","pagination":{"pageNumber":1,"showNumber":20},"handleResults":[0,1,-1,99]}`},
		{"/group/get_user_req_group_applicationList", 4, `{"userID":"dave","pagination":{"pageNumber":1,"showNumber":20}}`},
		{"/group/get_group_users_req_application_list", 1, `{"groupID":"g1","userIDs":[]}`},
		{"/group/get_specified_user_group_request_info", 1, `{"groupID":"g1","userID":"dave"}`},
		{"/group/get_group_application_unhandled_count", 1, `{"userID":"alice","time":-9223372036854775808}`},
		{"/group/mute_group", 2, `{"groupID":"g1"}`},
		{"/group/cancel_mute_group", 3, `{"groupID":"g1"}`},
		{"/group/mute_group_member", 2, `{"groupID":"g1","userID":"carol","mutedSeconds":4294967295}`},
		{"/group/mute_group_member", 2, `{"groupID":"g1","userID":"alice","mutedSeconds":-1}`},
		{"/group/cancel_mute_group_member", 1, `{"groupID":"g1","userID":"carol"}`},
		{"/group/set_group_member_info", 3, `{"members":[{"groupID":"g1","userID":"carol","roleLevel":{"value":100}}]}`},
		{"/group/get_groups", 0, `{"groupID":"","groupName":"g","pagination":{"pageNumber":1,"showNumber":5}}`},
		{"/group/get_incremental_join_groups", 1, `{"userID":"alice","versionID":"x","version":18446744073709551615}`},
		{"/group/get_incremental_group_members", 1, `{"groupID":"g1","versionID":"","version":0}`},
		{"/group/get_incremental_group_members_batch", 1, `{"userID":"alice","groups":[{"groupID":"g1","versionID":"","version":"1"}]}`},
		{"/group/get_full_join_group_ids", 1, `{"userID":"alice","idHash":"99999999999999999999"}`},
		{"/group/get_full_group_member_user_ids", 1, `{"groupID":"g1","idHash":-1}`},
	}
	for _, s := range seeds {
		f.Add(idx(s.path), s.token, "op-1", []byte(s.body))
	}
	for _, bad := range []string{``, `null`, `[]`, `"x"`, `{`, `{"groupID":1}`, `{}{}`, "\x00\xff", `{"groupIDs":[null]}`,
		`{"pagination":{"pageNumber":1e9}}`, `{"users":[` + strings.Repeat(`{"userID":"x"},`, 50) + `{}]}`} {
		f.Add(uint8(len(bad)), uint8(1), "op-2", []byte(bad))
	}
	f.Add(uint8(0), uint8(0), "", []byte(`{}`)) // no operationID
	f.Fuzz(func(t *testing.T, route, token uint8, opID string, body []byte) {
		path := w.routes[int(route)%len(w.routes)]
		h := map[string]string{"operationID": opID, "token": w.tokens[int(token)%len(w.tokens)], "Content-Type": "application/json"}
		if route >= 200 { // now and then a path that is not a route
			path = "/group/" + opID
		}
		if strings.ContainsAny(opID, "\r\n\x00") || !validHeaderValue(opID) {
			delete(h, "operationID")
		}
		w.serveOnce(t, path, h, body)
	})
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// FuzzOpenIMToken sends arbitrary token headers: only the tokens this
// server signed get in, and nothing crashes.
func FuzzOpenIMToken(f *testing.F) {
	w := newFuzzWorld(f)
	for _, tok := range w.tokens {
		f.Add(tok)
	}
	parts := strings.Split(w.tokens[1], ".")
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".")
	f.Add(parts[0] + ".." + parts[2])
	f.Add(strings.Repeat("a.", 100))
	f.Fuzz(func(t *testing.T, tok string) {
		if !validHeaderValue(tok) {
			return
		}
		req := httptest.NewRequest(http.MethodPost, "/auth/parse_token", strings.NewReader(`{}`))
		req.Header.Set("operationID", "tok")
		req.Header.Set("token", tok)
		rec := httptest.NewRecorder()
		w.h.ServeHTTP(rec, req)
		var env struct {
			ErrCode int `json:"errCode"`
			Data    struct {
				UserID string `json:"userID"`
			} `json:"data"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || rec.Code != 200 {
			t.Fatalf("HTTP %d: %s", rec.Code, rec.Body.Bytes())
		}
		if env.ErrCode == codeInternal {
			t.Fatalf("server error for token %q", tok)
		}
		if env.ErrCode == 0 {
			known := false
			for _, k := range w.tokens {
				known = known || (k != "" && k == tok)
			}
			// JWT's base64url allows a few encodings of the same bytes
			// only in the last character's unused bits; anything else
			// accepted is a forgery.
			if !known && !sameTokenModuloPadBits(tok, w.tokens) {
				t.Fatalf("unknown token accepted as %s: %q", env.Data.UserID, tok)
			}
		}
	})
}

// sameTokenModuloPadBits reports whether tok equals a known token except
// for the last character of a segment (whose low bits base64 ignores).
func sameTokenModuloPadBits(tok string, known []string) bool {
	for _, k := range known {
		if len(k) != len(tok) || k == "" {
			continue
		}
		kp, tp := strings.Split(k, "."), strings.Split(tok, ".")
		if len(kp) != 3 || len(tp) != 3 {
			continue
		}
		same := true
		for i := range kp {
			a, b := kp[i], tp[i]
			if len(a) != len(b) || len(a) == 0 || a[:len(a)-1] != b[:len(b)-1] {
				same = false
			}
		}
		if same {
			return true
		}
	}
	return false
}

// FuzzPagination checks OpenIM paging arithmetic for every pair of
// numbers: refused, or a positive limit of at most MaxShowNumber and an
// offset that neither overflows nor goes negative.
func FuzzPagination(f *testing.F) {
	for _, p := range [][2]int32{{1, 0}, {1, 1000}, {1, 1001}, {0, 10}, {-1, 10}, {2147483647, 1000}, {1, -1}, {-2147483648, -2147483648}} {
		f.Add(p[0], p[1], []byte(`{"pagination":{"pageNumber":1,"showNumber":10}}`))
	}
	f.Add(int32(1), int32(1), []byte(`{"pagination":{"pageNumber":"1"}}`))
	f.Add(int32(1), int32(1), []byte(`{"pagination":{"pageNumber":1.5,"showNumber":1e3}}`))
	f.Add(int32(1), int32(1), []byte(`{"pagination":{"pageNumber":99999999999}}`))
	f.Fuzz(func(t *testing.T, number, show int32, body []byte) {
		checkPage := func(p pagination) {
			page, err := p.page()
			if err != nil {
				if asAPIError(err).code != codeArgs {
					t.Fatalf("%+v: %v", p, err)
				}
				return
			}
			if page.Limit < 1 || page.Limit > MaxShowNumber || page.Offset < 0 || page.Offset%page.Limit != 0 ||
				int64(page.Offset) != int64(p.PageNumber-1)*int64(page.Limit) {
				t.Fatalf("%+v gives %+v", p, page)
			}
			if err := domain.CheckPage(page); err != nil {
				t.Fatalf("%+v gives %+v, which the domain refuses: %v", p, page, err)
			}
		}
		checkPage(pagination{PageNumber: number, ShowNumber: show})
		var req joinedGroupListReq
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		if err := decode(r, &req); err != nil {
			if asAPIError(err).code != codeArgs {
				t.Fatalf("decode %q: %v", body, err)
			}
			return
		}
		checkPage(req.Pagination)
	})
}
