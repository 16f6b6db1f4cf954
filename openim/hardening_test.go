package openim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Tokens of other algorithms, keys or claims never get in: RS/ES/PS
// (algorithm confusion), HS384/HS512, the raw secret as key, a payload
// edited under a valid signature, a header edited to another algorithm.
func TestTokenForgeries(t *testing.T) {
	e := newEnv(t)
	e.register(t, "alice", "bob")
	alice := e.userToken(t, "alice")
	now := e.clock.Now()
	claims := Claims{UserID: "imAdmin", PlatformID: AdminPlatformID, RegisteredClaims: jwt.RegisteredClaims{
		NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)), IssuedAt: jwt.NewNumericDate(now)}}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(m jwt.SigningMethod, key any) string {
		s, err := jwt.NewWithClaims(m, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	key := signingKey(testSecret)
	b64 := base64.RawURLEncoding
	parts := strings.Split(alice, ".")
	// alice's token with the payload rewritten to name imAdmin.
	var payload map[string]any
	raw, _ := b64.DecodeString(parts[1])
	json.Unmarshal(raw, &payload)
	payload["UserID"] = "imAdmin"
	payload["PlatformID"] = AdminPlatformID
	edited, _ := json.Marshal(payload)
	tamperedClaims := parts[0] + "." + b64.EncodeToString(edited) + "." + parts[2]
	// alice's token with its header claiming "none" and no signature.
	noneHeader := b64.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	// alice's token with its header claiming HS512, same signature.
	hs512Header := b64.EncodeToString([]byte(`{"alg":"HS512","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2]
	// An HS256 token keyed with the RSA public key's bytes (the classic
	// RS→HS confusion against servers that accept both).
	pub := rsaKey.PublicKey.N.Bytes()

	cases := []struct {
		name  string
		token string
		code  int
	}{
		{"RS256", sign(jwt.SigningMethodRS256, rsaKey), codeTokenInvalid},
		{"PS256", sign(jwt.SigningMethodPS256, rsaKey), codeTokenInvalid},
		{"ES256", sign(jwt.SigningMethodES256, ecKey), codeTokenInvalid},
		{"HS384 with the right key", sign(jwt.SigningMethodHS384, key), codeTokenInvalid},
		{"HS512 with the right key", sign(jwt.SigningMethodHS512, key), codeTokenInvalid},
		{"HS256 with the public key", sign(jwt.SigningMethodHS256, pub), codeTokenInvalid},
		{"HS256 with the secret itself", sign(jwt.SigningMethodHS256, []byte(testSecret)), codeTokenInvalid},
		{"HS256 with an empty key", func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte{})
			return s
		}(), codeTokenInvalid},
		{"claims edited", tamperedClaims, codeTokenInvalid},
		{"header says none", noneHeader, codeTokenInvalid},
		{"header says HS512", hs512Header, codeTokenInvalid},
		{"signature dropped", parts[0] + "." + parts[1] + ".", codeTokenInvalid},
		{"two tokens glued", alice + "." + alice, codeTokenMalformed},
		{"bearer prefix", "Bearer " + alice, codeTokenMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Where the forgery would matter most: an admin-only route that writes.
			r := e.post(t, "/user/user_register", c.token, map[string]any{"users": []map[string]any{{"userID": "forged"}}})
			if r.ErrCode == 0 {
				t.Fatalf("forged token accepted: %s", r.raw)
			}
			if r.ErrCode != c.code {
				t.Errorf("errCode %d, want %d: %s", r.ErrCode, c.code, r.raw)
			}
			e.fail(t, "/auth/parse_token", c.token, nil, c.code)
		})
	}
	if ok, _ := e.svc.UserExists(t.Context(), "forged"); ok {
		t.Fatal("a forged token registered a user")
	}
	// The genuine token still works.
	e.ok(t, "/auth/parse_token", alice, nil)
}

// A token is accepted only between nbf and exp, with the server's clock.
func TestTokenTimeWindow(t *testing.T) {
	e := newEnv(t)
	e.register(t, "alice")
	key := signingKey(testSecret)
	now := e.clock.Now()
	tok := func(nbf, exp time.Time) string {
		s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, Claims{UserID: "alice", PlatformID: 1, RegisteredClaims: jwt.RegisteredClaims{
			NotBefore: jwt.NewNumericDate(nbf), ExpiresAt: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(nbf)}}).SignedString(key)
		return s
	}
	future := tok(now.Add(time.Minute), now.Add(time.Hour))
	e.fail(t, "/auth/parse_token", future, nil, codeTokenNotValidYet)
	e.clock.Advance(time.Minute)
	e.ok(t, "/auth/parse_token", future, nil)
	short := tok(now, now.Add(2*time.Minute))
	e.ok(t, "/auth/parse_token", short, nil)
	e.clock.Advance(time.Minute + time.Second)
	e.fail(t, "/auth/parse_token", short, nil, codeTokenExpired)
	e.fail(t, "/group/get_groups_info", short, map[string]any{"groupIDs": []string{"g"}}, codeTokenExpired)
}

// After force_logout every route refuses the old token (1506), on every
// route, while tokens of other platforms and new tokens work.
func TestForcedLogoutEverywhere(t *testing.T) {
	w := newWorld(t)
	old := w.member
	other := w.data(t, "/auth/get_user_token", w.env.admin, map[string]any{"platformID": 2, "userID": "member"})["token"].(string)
	w.ok(t, "/auth/force_logout", w.env.admin, map[string]any{"platformID": 1, "userID": "member"})
	for _, r := range Routes() {
		if r.Public && r.Path != "/auth/parse_token" {
			continue
		}
		t.Run(r.Path, func(t *testing.T) {
			w.fail(t, r.Path, old, map[string]any{"groupID": "g1"}, codeTokenKicked)
		})
	}
	w.ok(t, "/auth/parse_token", other, nil)
	fresh := w.userToken(t, "member")
	w.ok(t, "/group/get_groups_info", fresh, map[string]any{"groupIDs": []string{"g1"}})
	// An admin token is forced out the same way.
	w.ok(t, "/auth/force_logout", w.env.admin, map[string]any{"platformID": AdminPlatformID, "userID": "imAdmin"})
	w.fail(t, "/user/get_users_info", w.env.admin, map[string]any{"userIDs": []string{"member"}}, codeTokenKicked)
}

// Admin-only routes refuse user tokens, even the group owner's, and the
// refused call changes nothing.
func TestUserTokensOnAdminRoutes(t *testing.T) {
	w := newWorld(t)
	page := map[string]any{"pageNumber": 1, "showNumber": 10}
	cases := []struct {
		path string
		body map[string]any
	}{
		{"/auth/get_user_token", map[string]any{"platformID": 1, "userID": "member"}},
		{"/auth/force_logout", map[string]any{"platformID": 1, "userID": "member"}},
		{"/user/user_register", map[string]any{"users": []map[string]any{{"userID": "sneaky"}}}},
		{"/user/get_users", map[string]any{"pagination": page}},
		{"/group/get_groups", map[string]any{"pagination": page}},
	}
	for _, c := range cases {
		for _, who := range []string{"owner", "member", "outsider"} {
			t.Run(c.path+"/"+who, func(t *testing.T) {
				w.fail(t, c.path, w.tok(who), c.body, codeNoPermission)
			})
		}
	}
	if ok, _ := w.svc.UserExists(t.Context(), "sneaky"); ok {
		t.Fatal("a user token registered a user")
	}
	// member's token still works: the refused force_logout did nothing.
	w.ok(t, "/auth/parse_token", w.member, nil)
}

// A user cannot act on another user's data by naming them in the body.
func TestUserCannotActForAnother(t *testing.T) {
	w := newWorld(t)
	page := map[string]any{"pageNumber": 1, "showNumber": 10}
	before := w.memberIDs(t)
	cases := []struct {
		name string
		path string
		body map[string]any
	}{
		{"update another's profile", "/user/update_user_info", map[string]any{"userInfo": map[string]any{"userID": "member2", "nickname": "pwned"}}},
		{"update another's profile ex", "/user/update_user_info_ex", map[string]any{"userInfo": map[string]any{"userID": "member2", "nickname": "pwned"}}},
		{"list another's groups", "/group/get_joined_group_list", map[string]any{"fromUserID": "member2", "pagination": page}},
		{"make another quit", "/group/quit_group", map[string]any{"groupID": "g1", "userID": "member2"}},
		{"create a group owned by another", "/group/create_group", map[string]any{"ownerUserID": "member2",
			"groupInfo": map[string]any{"groupID": "gx", "groupType": 2}}},
		{"apply on behalf of another", "/group/join_group", map[string]any{"groupID": "g1", "userID": "fresh"}},
		{"another's requests", "/group/get_user_req_group_applicationList", map[string]any{"userID": "member2", "pagination": page}},
		{"another's incremental groups", "/group/get_incremental_join_groups", map[string]any{"userID": "member2"}},
		{"another's group IDs", "/group/get_full_join_group_ids", map[string]any{"userID": "member2"}},
		{"another's received requests", "/group/get_recv_group_applicationList", map[string]any{"fromUserID": "owner", "pagination": page}},
		{"another's unhandled count", "/group/get_group_application_unhandled_count", map[string]any{"userID": "owner"}},
		{"another's member nickname", "/group/set_group_member_info", map[string]any{"members": []map[string]any{
			{"groupID": "g1", "userID": "member2", "nickname": "pwned"}}}},
		{"promote oneself", "/group/set_group_member_info", map[string]any{"members": []map[string]any{
			{"groupID": "g1", "userID": "member", "roleLevel": 60}}}},
		{"transfer another's group", "/group/transfer_group", map[string]any{"groupID": "g1", "oldOwnerUserID": "owner", "newOwnerUserID": "member"}},
		{"dismiss another's group", "/group/dismiss_group", map[string]any{"groupID": "g1"}},
		{"mute a member", "/group/mute_group_member", map[string]any{"groupID": "g1", "userID": "member2", "mutedSeconds": 60}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := w.post(t, c.path, w.member, c.body)
			if r.ErrCode == 0 {
				t.Fatalf("member could: %s", r.raw)
			}
			if r.ErrCode != codeNoPermission && r.ErrCode != codeArgs {
				t.Errorf("errCode %d (%s), want %d", r.ErrCode, r.ErrDlt, codeNoPermission)
			}
		})
	}
	if after := w.memberIDs(t); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("members changed: %v → %v", before, after)
	}
	d := w.data(t, "/user/get_users_info", w.env.admin, map[string]any{"userIDs": []string{"member2"}})
	if strings.Contains(string(toJSON(d)), "pwned") {
		t.Fatalf("another user's profile changed: %v", d)
	}
	var ms []map[string]any
	json.Unmarshal(toJSON(w.data(t, "/group/get_group_members_info", w.env.admin,
		map[string]any{"groupID": "g1", "userIDs": []string{"member", "member2"}})["members"]), &ms)
	for _, m := range ms {
		if m["nickname"] == "pwned" || m["userID"] == "member" && m["roleLevel"] != float64(20) || m["muteEndTime"] != float64(0) {
			t.Fatalf("member changed: %v", m)
		}
	}
}

func toJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// The admin secret is compared in full: a prefix, a longer string, other
// case, or an empty secret never give a token.
func TestAdminSecretComparedExactly(t *testing.T) {
	e := newEnv(t)
	for _, s := range []string{"", testSecret[:len(testSecret)-1], testSecret + "x", strings.ToUpper(testSecret), " " + testSecret, testSecret + "\n"} {
		e.fail(t, "/auth/get_admin_token", "", map[string]any{"secret": s, "userID": "imAdmin"}, codeNoPermission)
	}
	// The right secret with a user ID that is not an admin's.
	e.fail(t, "/auth/get_admin_token", "", map[string]any{"secret": testSecret, "userID": "alice"}, codeArgs)
	if strings.Contains(e.logs.String(), testSecret) {
		t.Fatal("the secret reached the log")
	}
}
