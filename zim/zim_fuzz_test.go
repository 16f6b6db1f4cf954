package zim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/sqlite"
	"github.com/groupd/groupd/test/storecheck"
	"github.com/groupd/groupd/zim"
)

// fuzzActions are the Actions with their documented methods.
var fuzzActions = []struct{ name, method string }{
	{"UserRegister", "POST"}, {"CreateGroup", "POST"}, {"DismissGroup", "GET"}, {"InviteUsersIntoGroup", "POST"},
	{"KickoutGroupUser", "POST"}, {"TransferGroupOwner", "GET"}, {"UpdateGroupData", "POST"}, {"ModifyGroupAttribute", "POST"},
	{"QueryGroupInfo", "POST"}, {"QueryGroupMemberList", "POST"}, {"QueryAppGroupList", "GET"}, {"QueryGroupsInfoOfUser", "POST"},
	{"MuteGroup", "GET"}, {"MuteGroupMembers", "GET"}, {"FetchForbidGroupList", "POST"}, {"ModifyGroupLimit", "GET"},
	{"SetGroupMemberRole", "GET"}, {"SetGroupMembersNickname", "POST"}, {"ModifyUserInfo", "POST"}, {"QueryUserInfos", "POST"},
}

type zimFuzzWorld struct {
	h     http.Handler
	store *storecheck.Mutations
	clock *clock
	nonce atomic.Int64
}

func newZIMFuzzWorld(tb testing.TB) *zimFuzzWorld {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "groupd.db"), sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	w := &zimFuzzWorld{store: storecheck.NewMutations(db), clock: newClock()}
	svc := domain.NewService(w.store, domain.Options{Now: w.clock.Now})
	mux := http.NewServeMux()
	mux.Handle("/{$}", zim.NewHandler(svc, zim.Config{AppID: testAppID, ServerSecret: testSecret, Now: w.clock.Now}, slog.New(slog.DiscardHandler)))
	w.h = mux
	ctx := context.Background()
	admin := domain.Actor{UserID: "admin", Admin: true}
	if _, err := svc.RegisterUsers(ctx, admin, []domain.User{{UserID: "admin"}, {UserID: "alice"}, {UserID: "bob"}, {UserID: "carol"}}, false); err != nil {
		tb.Fatal(err)
	}
	for _, g := range []string{"g1", "g2"} {
		if _, _, err := svc.CreateGroup(ctx, admin, domain.CreateGroupInput{Group: domain.Group{GroupID: g, GroupType: domain.GroupTypeWorking},
			OwnerUserID: "alice", AdminUserIDs: []string{"bob"}, MemberUserIDs: []string{"carol"}}); err != nil {
			tb.Fatal(err)
		}
	}
	return w
}

// zimLeakMarkers betray internal detail when an answer holds them and the
// request did not.
var zimLeakMarkers = []string{"sqlite", "sql:", "SQL", "panic", "runtime error", "goroutine", ".go:", "nil pointer",
	"interface conversion", "database is", "constraint", "driver", "context canceled", "index out of range", "Go value", "Go struct", "openim.", "domain.", "zim.", "json: ", testSecret}

// serve sends one request and checks the answer: HTTP 200, a ZIM envelope,
// no server error, nothing internal, and nothing committed when refused.
func (w *zimFuzzWorld) serve(t *testing.T, method, rawQuery string, body []byte) (code int, raw []byte) {
	t.Helper()
	before := w.store.Count()
	req := httptest.NewRequest(method, "/", bytes.NewReader(body))
	req.URL.RawQuery = rawQuery
	rec := httptest.NewRecorder()
	start := time.Now()
	w.h.ServeHTTP(rec, req)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("one request took %v: %s %q %q", d, method, rawQuery, body)
	}
	raw = rec.Body.Bytes()
	if rec.Code != http.StatusOK {
		t.Fatalf("HTTP %d for %s ?%s: %s", rec.Code, method, rawQuery, raw)
	}
	var env struct {
		Code      *int   `json:"Code"`
		Message   string `json:"Message"`
		RequestID string `json:"RequestId"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.Code == nil || env.RequestID == "" {
		t.Fatalf("not a ZIM envelope (%v): %q", err, raw)
	}
	if *env.Code == zim.CodeServerError {
		t.Fatalf("server error for %s ?%s %q: %s", method, rawQuery, body, raw)
	}
	input := rawQuery + string(body)
	if u, err := url.QueryUnescape(rawQuery); err == nil {
		input += u
	}
	for _, m := range zimLeakMarkers {
		if strings.Contains(string(raw), m) && !strings.Contains(input, m) {
			t.Fatalf("answer leaks %q: %s", m, raw)
		}
	}
	if *env.Code != 0 && w.store.Count() != before {
		t.Fatalf("refused with %d (%s) but %d change(s) were committed: %s ?%s %q", *env.Code, env.Message, w.store.Count()-before, method, rawQuery, body)
	}
	return *env.Code, raw
}

// signedQuery puts a valid signature (a fresh nonce, the current time)
// before extra, so that extra's parameters are seen after the real ones.
func (w *zimFuzzWorld) signedQuery(action string, extra string) string {
	n := "fz" + strconv.FormatInt(w.nonce.Add(1), 36)
	ts := w.clock.Now().Unix()
	q := url.Values{"Action": {action}, "AppId": {strconv.Itoa(testAppID)}, "SignatureNonce": {n},
		"Timestamp": {strconv.FormatInt(ts, 10)}, "SignatureVersion": {"2.0"}, "Signature": {zim.Sign(testAppID, n, testSecret, ts)}}
	s := q.Encode()
	if extra != "" {
		s += "&" + extra
	}
	return s
}

// FuzzZIMHandler drives the whole ZIM stack: Action, method, query
// parameters, body and signature (valid or not).
func FuzzZIMHandler(f *testing.F) {
	w := newZIMFuzzWorld(f)
	idx := func(name string) uint8 {
		for i, a := range fuzzActions {
			if a.name == name {
				return uint8(i)
			}
		}
		f.Fatalf("no Action %s", name)
		return 0
	}
	seeds := []struct {
		action, query, body string
	}{
		{"UserRegister", "", `{"UserInfo":[{"UserId":"dave","UserName":"Dave"},{"UserId":"alice"}]}`},
		{"UserRegister", "", `{"UserInfo":[{"UserId":"` + strings.Repeat("x", 33) + `"}]}`},
		{"CreateGroup", "", `{"GroupId":"g9","GroupName":"G","GroupOwner":"alice","UserId":["bob","ghost"]}`},
		{"CreateGroup", "", `{"GroupId":"g1","GroupOwner":"alice"}`},
		{"CreateGroup", "", `{"GroupOwner":"alice","GroupAttributes":[{"Key":"k","Value":"v"},{"Key":"k"}]}`},
		{"DismissGroup", "FromUserId=alice&GroupId=g2", ``},
		{"InviteUsersIntoGroup", "", `{"FromUserId":"alice","GroupId":"g1","UserIds":["dave","ghost","bob"]}`},
		{"InviteUsersIntoGroup", "", `{"FromUserId":"alice","GroupId":"g1","GroupMemberInfos":[{"UserId":"dave","EnterGroupTime":-1,"IsInvite":2}]}`},
		{"KickoutGroupUser", "", `{"FromUserId":"alice","GroupId":"g1","UserId":["alice","bob","nobody"]}`},
		{"TransferGroupOwner", "FromUserId=alice&GroupId=g1&NewOwner=carol", ``},
		{"TransferGroupOwner", "FromUserId=alice&GroupId=g1&NewOwner=ghost", ``},
		{"UpdateGroupData", "", `{"FromUserId":"alice","GroupId":"g1","GroupName":"` + strings.Repeat("名", 51) + `"}`},
		{"UpdateGroupData", "", `{"FromUserId":"alice","GroupId":"g1","GroupNotice":null}`},
		{"ModifyGroupAttribute", "", `{"FromUserId":"alice","GroupId":"g1","Action":0,"Attributes":[{"Key":"a","Value":"1"}]}`},
		{"ModifyGroupAttribute", "", `{"FromUserId":"alice","GroupId":"g1","Action":1,"Attributes":[{"Key":"zz"}]}`},
		{"ModifyGroupAttribute", "", `{"FromUserId":"alice","GroupId":"g1","Action":7,"Attributes":[]}`},
		{"QueryGroupInfo", "", `{"FromUserId":"alice","GroupId":"g1"}`},
		{"QueryGroupMemberList", "", `{"GroupId":"g1","Limit":1,"Next":0}`},
		{"QueryGroupMemberList", "", `{"GroupId":"g1","Limit":-1,"Next":9223372036854775807}`},
		{"QueryGroupMemberList", "", `{"GroupId":"g1","Limit":1e400}`},
		{"QueryAppGroupList", "Limit=1&Next=0", ``},
		{"QueryAppGroupList", "Limit=99999999999999999999&Next=-1", ``},
		{"QueryGroupsInfoOfUser", "", `{"UserId":"alice","Limit":1,"Next":0,"NextRsp":"x"}`},
		{"MuteGroup", "FromUserId=alice&GroupId=g1&IsAllMuted=true&Duration=-1", ``},
		{"MuteGroup", "FromUserId=carol&GroupId=g1&MuteRoleList[]=3&MuteRoleList[]=x&Duration=60", ``},
		{"MuteGroupMembers", "FromUserId=bob&GroupId=g1&UserIds[]=carol&UserIds[]=alice&Duration=2592001", ``},
		{"FetchForbidGroupList", "", `{"StartFlag":-5,"Limit":0}`},
		{"ModifyGroupLimit", "FromUserId=alice&GroupId=g1&MemberCountLimit=1&JoinMode=2", ``},
		{"ModifyGroupLimit", "FromUserId=alice&GroupId=g1&MemberCountLimit=-9&InviteMode=", ``},
		{"SetGroupMemberRole", "FromUserId=alice&GroupId=g1&UserId=carol&Role=2", ``},
		{"SetGroupMemberRole", "FromUserId=alice&GroupId=g1&UserId=alice&Role=1", ``},
		{"SetGroupMembersNickname", "", `{"FromUserId":"alice","GroupId":"g1","UserInfo":[{"UserId":"carol","Nickname":"c"}]}`},
		{"ModifyUserInfo", "", `{"UserInfo":[{"UserId":"alice","UserName":"A","Extra":"x"},{"UserId":"ghost"},{"UserId":"bob","UserName":2.0}]}`},
		{"QueryUserInfos", "", `{"UserIds":["alice","ghost","alice",""]}`},
		{"QueryGroupMemberList", "", `{"GroupId":"g1","Limit":2.0,"Next":0.0e0}`},
		{"SetGroupMemberRole", "FromUserId=alice&GroupId=g1&ToUserId=carol&Role=50.0", ``},
	}
	for _, s := range seeds {
		f.Add(idx(s.action), uint8(0), uint8(1), s.query, []byte(s.body))
	}
	// The harness signs as a client does.
	req := httptest.NewRequest(http.MethodPost, "/?"+w.signedQuery("QueryGroupInfo", ""), strings.NewReader(`{"FromUserId":"alice","GroupId":"g1"}`))
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `"Code":0,`) {
		f.Fatalf("signed QueryGroupInfo: %s", rec.Body.String())
	}
	// Unsigned and badly signed requests.
	f.Add(uint8(0), uint8(0), uint8(0), "Action=QueryGroupInfo&AppId=12345&Timestamp=1&SignatureNonce=a&SignatureVersion=2.0&Signature=00", []byte(`{}`))
	f.Add(uint8(0), uint8(1), uint8(0), "%zz", []byte(``))
	f.Add(uint8(3), uint8(2), uint8(1), "Action=DropEverything", []byte(`{`))
	f.Fuzz(func(t *testing.T, action, method, sign uint8, query string, body []byte) {
		a := fuzzActions[int(action)%len(fuzzActions)]
		m := a.method
		switch method % 8 {
		case 6:
			m = http.MethodGet
		case 7:
			m = http.MethodPost
		}
		raw := query
		if sign%4 != 0 {
			raw = w.signedQuery(a.name, query)
		}
		w.serve(t, m, raw, body)
	})
}

// FuzzZIMPaging walks the keyset cursors from any position: a page never
// holds more than its limit, nor repeats a row, and its Next moves forward.
func FuzzZIMPaging(f *testing.F) {
	w := newZIMFuzzWorld(f)
	for _, s := range [][2]int64{{1, 0}, {2, 0}, {1000, 0}, {1, 1}, {0, 0}, {-1, 0}, {1, -1}, {1001, 0}, {1, 1 << 62}, {3, 9223372036854775807}} {
		f.Add(s[0], s[1], uint8(0))
		f.Add(s[0], s[1], uint8(1))
		f.Add(s[0], s[1], uint8(2))
	}
	f.Fuzz(func(t *testing.T, limit, next int64, which uint8) {
		for range 5 { // follow the cursor a few pages
			var code int
			var raw []byte
			var got []string
			var newNext int64
			switch which % 3 {
			case 0:
				code, raw = w.serve(t, http.MethodPost, w.signedQuery("QueryGroupMemberList", ""),
					[]byte(`{"GroupId":"g1","Limit":`+strconv.FormatInt(limit, 10)+`,"Next":`+strconv.FormatInt(next, 10)+`}`))
				var r struct {
					Next       int64 `json:"Next"`
					MemberList []struct {
						UserID string `json:"UserId"`
					} `json:"MemberList"`
				}
				json.Unmarshal(raw, &r)
				newNext = r.Next
				for _, m := range r.MemberList {
					got = append(got, m.UserID)
				}
			case 1:
				code, raw = w.serve(t, http.MethodGet, w.signedQuery("QueryAppGroupList",
					"Limit="+strconv.FormatInt(limit, 10)+"&Next="+strconv.FormatInt(next, 10)), nil)
				var r struct {
					Next        int64 `json:"Next"`
					GroupIDList []struct {
						GroupID string `json:"GroupId"`
					} `json:"GroupIdList"`
				}
				json.Unmarshal(raw, &r)
				newNext = r.Next
				for _, g := range r.GroupIDList {
					got = append(got, g.GroupID)
				}
			default:
				code, raw = w.serve(t, http.MethodPost, w.signedQuery("QueryGroupsInfoOfUser", ""),
					[]byte(`{"UserId":"carol","Limit":`+strconv.FormatInt(limit, 10)+`,"Next":`+strconv.FormatInt(next, 10)+`}`))
				var r struct {
					Next      int64 `json:"Next"`
					GroupList []struct {
						GroupID string `json:"GroupId"`
					} `json:"GroupList"`
				}
				json.Unmarshal(raw, &r)
				newNext = r.Next
				for _, g := range r.GroupList {
					got = append(got, g.GroupID)
				}
			}
			if code != 0 {
				return
			}
			seen := map[string]bool{}
			for _, id := range got {
				if seen[id] {
					t.Fatalf("page repeats %s: %s", id, raw)
				}
				seen[id] = true
			}
			if limit > 0 && int64(len(got)) > limit {
				t.Fatalf("Limit %d, %d rows: %s", limit, len(got), raw)
			}
			if newNext == 0 {
				return
			}
			if newNext < 0 || newNext <= next {
				t.Fatalf("Next went from %d to %d: %s", next, newNext, raw)
			}
			next = newNext
		}
	})
}
