package openim

import (
	"strings"
	"testing"
)

// One input policy on every backend (this package's tests run on SQLite and
// PostgreSQL): NUL in any text, and IDs with white space at either end,
// white space alone, control or invisible characters, are refused with
// 1001 and change nothing. Messages quote only a short prefix.
func TestInputPolicy(t *testing.T) {
	const nul = "a\x00b"
	page := map[string]any{"pageNumber": 1, "showNumber": 10}
	user := func(id, nick string) map[string]any {
		return map[string]any{"users": []map[string]any{{"userID": id, "nickname": nick}}}
	}
	cases := []struct {
		name, who, path string
		body            map[string]any
	}{
		{"nickname with NUL", "appadmin", "/user/user_register", user("u1", nul)},
		{"ex with NUL", "appadmin", "/user/user_register", map[string]any{"users": []map[string]any{{"userID": "u1", "ex": nul}}}},
		{"userID with NUL", "appadmin", "/user/user_register", user(nul, "n")},
		{"userID with leading space", "appadmin", "/user/user_register", user(" u1", "n")},
		{"userID with trailing tab", "appadmin", "/user/user_register", user("u1\t", "n")},
		{"userID of spaces", "appadmin", "/user/user_register", user("   ", "n")},
		{"userID with zero-width space", "appadmin", "/user/user_register", user("u\u200b1", "n")},
		{"userID with byte order mark", "appadmin", "/user/user_register", user("\ufeffu1", "n")},
		{"userID with direction mark", "appadmin", "/user/user_register", user("u1\u200f", "n")},
		{"userID of an app admin", "appadmin", "/user/user_register", user("imAdmin", "n")},
		{"group name with NUL", "appadmin", "/group/create_group", map[string]any{"ownerUserID": "owner",
			"groupInfo": map[string]any{"groupID": "g2", "groupName": nul, "groupType": 2}}},
		{"groupID with zero-width joiner", "appadmin", "/group/create_group", map[string]any{"ownerUserID": "owner",
			"groupInfo": map[string]any{"groupID": "g\u200d2", "groupType": 2}}},
		{"notification with NUL", "owner", "/group/set_group_info_ex", map[string]any{"groupID": "g1", "notification": nul}},
		{"ex with NUL", "owner", "/group/set_group_info", map[string]any{"groupInfoForSet": map[string]any{"groupID": "g1", "ex": nul}}},
		{"reqMessage with NUL", "outsider", "/group/join_group", map[string]any{"groupID": "g1", "joinSource": 3, "reqMessage": nul}},
		{"member nickname with NUL", "owner", "/group/set_group_member_info", map[string]any{"members": []map[string]any{
			{"groupID": "g1", "userID": "member", "nickname": nul}}}},
		{"keyword with NUL", "member", "/group/get_group_member_list", map[string]any{"groupID": "g1", "pagination": page, "keyword": nul}},
		{"search name with NUL", "appadmin", "/group/get_groups", map[string]any{"pagination": page, "groupName": nul}},
		{"kick reason with NUL", "owner", "/group/kick_group", map[string]any{"groupID": "g1", "kickedUserIDs": []string{"member"}, "reason": nul}},
		{"handledMsg with NUL", "owner", "/group/group_application_response", map[string]any{"groupID": "g1", "fromUserID": "outsider",
			"handleResult": 1, "handledMsg": nul}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			before := w.memberIDs(t)
			r := w.fail(t, c.path, w.tok(c.who), c.body, codeArgs)
			if strings.Contains(r.ErrDlt, "\x00") {
				t.Fatalf("errDlt carries the NUL: %q", r.ErrDlt)
			}
			if after := w.memberIDs(t); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Fatalf("members changed: %v -> %v", before, after)
			}
			if u := w.data(t, "/user/get_users_info", w.env.admin, map[string]any{"userIDs": []string{"u1"}})["usersInfo"].([]any); len(u) != 0 {
				t.Fatalf("a refused registration stored a user: %v", u)
			}
		})
	}

	// Text that encoding/json would silently turn into U+FFFD (invalid
	// UTF-8, an unpaired surrogate escape) is refused, not stored changed.
	for _, c := range []struct{ name, body string }{
		{"nickname with invalid UTF-8", `{"users":[{"userID":"u1","nickname":"a` + "\xff" + `b"}]}`},
		{"userID with invalid UTF-8", `{"users":[{"userID":"u1` + "\xc3" + `","nickname":"n"}]}`},
		{"nickname with a lone surrogate escape", `{"users":[{"userID":"u1","nickname":"a\ud800b"}]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			w.fail(t, "/user/user_register", w.env.admin, []byte(c.body), codeArgs)
			if u := w.data(t, "/user/get_users_info", w.env.admin, map[string]any{"userIDs": []string{"u1"}})["usersInfo"].([]any); len(u) != 0 {
				t.Fatalf("a refused registration stored a user: %v", u)
			}
		})
	}

	// A long offending ID is quoted by a short prefix only.
	w := newWorld(t)
	long := strings.Repeat("x", 10_000)
	r := w.fail(t, "/group/get_groups_info", w.member, map[string]any{"groupIDs": []string{long}}, codeArgs)
	if len(r.ErrDlt) > 200 || !strings.Contains(r.ErrDlt, "xxxx") {
		t.Fatalf("errDlt of %d bytes: %.300s", len(r.ErrDlt), r.ErrDlt)
	}
}
