package zim_test

import (
	"net/url"
	"strings"
	"testing"
)

// Roles other than 1-3 are custom roles: the reference recommends numbers
// above 100 but any positive one is accepted, stored on both stores, read
// back, muted by role, and seen by OpenIM as an ordinary member.
func TestCustomRolesBelowHundred(t *testing.T) {
	d := newDialects(t)
	d.register("admin", "o", "a", "b", "c")
	d.group("g", "o", "a", "b", "c")
	role := func(to, r string) *result {
		return d.get("SetGroupMemberRole", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "ToUserId": {to}, "Role": {r}})
	}
	role("a", "50").ok()
	role("b", "4").ok()
	role("c", "150").ok()
	if r := d.members("g").roles(); r["a"] != 50 || r["b"] != 4 || r["c"] != 150 || r["o"] != 1 {
		t.Fatalf("roles %v", r)
	}
	for id, m := range d.openimMembers("g") {
		if id != "o" && m.RoleLevel != 20 {
			t.Fatalf("OpenIM roleLevel of %s = %d, want 20 (member)", id, m.RoleLevel)
		}
	}
	// Custom roles have member rights: a member of role 50 may not mute.
	d.get("MuteGroup", url.Values{"FromUserId": {"a"}, "GroupId": {"g"}, "IsAllMuted": {"true"}, "Duration": {"60"}}).wantCode(660600032)
	// A mute of role 50.
	d.get("MuteGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "MuteRoleList[]": {"50"}, "Duration": {"-1"}}).ok()
	if gi := d.info("g"); len(gi.ForbidList) != 1 || gi.ForbidList[0] != 50 || gi.ForbidExpireTime != -1 {
		t.Fatalf("info %+v", gi)
	}
	// Back to member and admin; a custom role is cleared.
	role("a", "3").ok()
	role("b", "2").ok()
	if r := d.members("g").roles(); r["a"] != 3 || r["b"] != 2 {
		t.Fatalf("roles %v", r)
	}
	for _, bad := range []string{"0", "-1", "-100", "2147483648", "50.5", "x", ""} {
		role("c", bad).wantCode(660000002)
	}
	role("c", "1").wantCode(660600029)
	if r := d.members("g").roles(); r["c"] != 150 {
		t.Fatalf("c's role changed to %d by a refused call", r["c"])
	}
	d.get("MuteGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "MuteRoleList[]": {"0"}, "Duration": {"60"}}).wantCode(660000002)
	d.get("MuteGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "MuteRoleList[]": {"2147483648"}, "Duration": {"60"}}).wantCode(660000002)
}

// Answers about a user name that user, in ZIM and in OpenIM (both dialects
// share the domain's text).
func TestMuteMessagesNameTheUser(t *testing.T) {
	d := newDialects(t)
	d.register("o", "a", "b", "x")
	d.group("g", "o", "a", "b")
	d.get("SetGroupMemberRole", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "ToUserId": {"a"}, "Role": {"2"}}).ok()
	r := d.get("MuteGroupMembers", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "UserIds[]": {"x"}, "Duration": {"60"}}).wantCode(660600033)
	if !strings.Contains(r.Message(), "user x is not a member of group g") {
		t.Fatalf("Message %q", r.Message())
	}
	r = d.get("MuteGroupMembers", url.Values{"FromUserId": {"a"}, "GroupId": {"g"}, "UserIds[]": {"o"}, "Duration": {"60"}}).wantCode(660600033)
	if !strings.Contains(r.Message(), "user o ") {
		t.Fatalf("Message %q", r.Message())
	}
	// OpenIM's mute_group_member (as the app admin) says the same.
	if msg := d.openimError("/group/mute_group_member", obj{"groupID": "g", "userID": "x", "mutedSeconds": 60}); !strings.Contains(msg, "user x is not a member of group g") {
		t.Fatalf("OpenIM mute of x: %q", msg)
	}
}
