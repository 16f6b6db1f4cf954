package openim

import (
	"encoding/json"
	"testing"
	"time"
)

// memberOf reads one member of g1 as the app admin sees it.
func (w *world) memberOf(t *testing.T, userID string) memberInfo {
	t.Helper()
	r := w.ok(t, "/group/get_group_members_info", w.env.admin, map[string]any{"groupID": "g1", "userIDs": []string{userID}})
	var d membersInfoResp
	if err := json.Unmarshal(r.Data, &d); err != nil || len(d.Members) != 1 {
		t.Fatalf("member %s: %v %s", userID, err, r.raw)
	}
	return d.Members[0]
}

// OpenIM's SDK sends every field of set_group_member_info, null for the
// ones it leaves; a value (even "") is set. An empty nickname or faceURL
// reads as the user's profile.
func TestSetGroupMemberInfoFields(t *testing.T) {
	w := newWorld(t)
	w.ok(t, "/user/update_user_info", w.env.admin, map[string]any{"userInfo": map[string]any{"userID": "member", "faceURL": "http://profile"}})
	w.ok(t, "/group/set_group_member_info", w.member, `{"members":[{"groupID":"g1","userID":"member","nickname":"Mem","faceURL":"http://f","roleLevel":null,"ex":"e1"}]}`)
	m := w.memberOf(t, "member")
	if m.Nickname != "Mem" || m.FaceURL != "http://f" || m.Ex != "e1" || m.RoleLevel != 20 {
		t.Fatalf("after set: %+v", m)
	}
	w.ok(t, "/group/set_group_member_info", w.member, `{"members":[{"groupID":"g1","userID":"member","nickname":null,"faceURL":null,"roleLevel":null,"ex":{"value":"e2"}}]}`)
	if m := w.memberOf(t, "member"); m.Nickname != "Mem" || m.FaceURL != "http://f" || m.Ex != "e2" {
		t.Fatalf("nulls changed fields: %+v", m)
	}
	w.ok(t, "/group/set_group_member_info", w.member, `{"members":[{"groupID":"g1","userID":"member","nickname":"","faceURL":"","ex":""}]}`)
	if m := w.memberOf(t, "member"); m.Nickname != "nick-member" || m.FaceURL != "http://profile" || m.Ex != "" {
		t.Fatalf("cleared fields do not fall back to the profile: %+v", m)
	}
	// Several members of several groups in one call, all or nothing.
	w.createGroup(t, w.env.admin, "g2", "owner", nil, []string{"member"})
	w.ok(t, "/group/set_group_member_info", w.owner, map[string]any{"members": []map[string]any{
		{"groupID": "g1", "userID": "member2", "nickname": "two"},
		{"groupID": "g2", "userID": "member", "roleLevel": 60},
	}})
	if m := w.memberOf(t, "member2"); m.Nickname != "two" {
		t.Fatalf("member2: %+v", m)
	}
	g2 := w.data(t, "/group/get_group_members_info", w.owner, map[string]any{"groupID": "g2", "userIDs": []string{"member"}})
	if got := g2["members"].([]any)[0].(map[string]any)["roleLevel"]; got != float64(60) {
		t.Fatalf("g2 member roleLevel %v", got)
	}
	w.fail(t, "/group/set_group_member_info", w.owner, map[string]any{"members": []map[string]any{
		{"groupID": "g1", "userID": "member2", "nickname": "three"},
		{"groupID": "g1", "userID": "outsider", "nickname": "x"},
	}}, codeArgs)
	if m := w.memberOf(t, "member2"); m.Nickname != "two" {
		t.Fatalf("failed call applied a change: %+v", m)
	}
}

// The role rules: roleLevel 100 is refused (use transfer_group); admins
// cannot edit the owner or other admins; ordinary members edit only
// themselves; nobody raises their own role.
func TestSetGroupMemberInfoRules(t *testing.T) {
	set := func(user string, fields map[string]any) map[string]any {
		m := map[string]any{"groupID": "g1", "userID": user}
		for k, v := range fields {
			m[k] = v
		}
		return map[string]any{"members": []map[string]any{m}}
	}
	nick := map[string]any{"nickname": "n"}
	role := func(r int) map[string]any { return map[string]any{"roleLevel": r} }
	cases := []struct {
		name     string
		who      string
		body     map[string]any
		code     int
		wantRole map[string]int // roles after, when set
	}{
		{"owner renames member", "owner", set("member", nick), 0, nil},
		{"owner renames admin", "owner", set("admin", nick), 0, nil},
		{"owner renames self", "owner", set("owner", nick), 0, nil},
		{"owner promotes member", "owner", set("member", role(60)), 0, map[string]int{"member": 60}},
		{"owner demotes admin", "owner", set("admin", role(20)), 0, map[string]int{"admin": 20}},
		{"owner sets roleLevel 100", "owner", set("member", role(100)), codeNoPermission, nil},
		{"owner demotes self", "owner", set("owner", role(60)), codeArgs, nil},
		{"owner sets roleLevel 30", "owner", set("member", role(30)), codeArgs, nil},
		{"admin renames member", "admin", set("member", nick), 0, nil},
		{"admin renames self", "admin", set("admin", nick), 0, nil},
		{"admin renames owner", "admin", set("owner", nick), codeNoPermission, nil},
		{"admin renames admin2", "admin", set("admin2", nick), codeNoPermission, nil},
		{"admin promotes member", "admin", set("member", role(60)), 0, map[string]int{"member": 60}},
		{"admin demotes admin2", "admin", set("admin2", role(20)), codeNoPermission, nil},
		{"admin demotes self", "admin", set("admin", role(20)), 0, map[string]int{"admin": 20}},
		{"admin sets own roleLevel 100", "admin", set("admin", role(100)), codeNoPermission, nil},
		{"member renames self", "member", set("member", nick), 0, nil},
		{"member keeps own role", "member", set("member", map[string]any{"roleLevel": 20, "nickname": "n"}), 0, nil},
		{"member renames member2", "member", set("member2", nick), codeNoPermission, nil},
		{"member renames owner", "member", set("owner", nick), codeNoPermission, nil},
		{"member raises self", "member", set("member", role(60)), codeNoPermission, nil},
		{"outsider renames member", "outsider", set("member", nick), codeNoPermission, nil},
		{"app admin promotes member", "appadmin", set("member", role(60)), 0, map[string]int{"member": 60}},
		{"app admin renames owner", "appadmin", set("owner", nick), 0, nil},
		{"app admin demotes owner", "appadmin", set("owner", role(20)), codeNoPermission, nil},
		{"app admin sets roleLevel 100", "appadmin", set("member", role(100)), codeNoPermission, nil},
		{"target not a member", "owner", set("outsider", nick), codeArgs, nil},
		{"unknown group", "appadmin", map[string]any{"members": []map[string]any{{"groupID": "nope", "userID": "member", "nickname": "n"}}}, codeGroupIDNotFound, nil},
		{"no members", "owner", map[string]any{"members": []map[string]any{}}, codeArgs, nil},
		{"no userID", "owner", set("", nick), codeArgs, nil},
		{"over 1000", "owner", map[string]any{"members": func() []map[string]any {
			out := make([]map[string]any, 1001)
			for i := range out {
				out[i] = map[string]any{"groupID": "g1", "userID": "member"}
			}
			return out
		}()}, codeArgs, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			w.register(t, "admin2")
			w.ok(t, "/group/invite_user_to_group", w.owner, map[string]any{"groupID": "g1", "invitedUserIDs": []string{"admin2"}})
			w.ok(t, "/group/set_group_member_info", w.owner, set("admin2", role(60)))
			before := w.roles(t)
			if c.code != 0 {
				w.fail(t, "/group/set_group_member_info", w.tok(c.who), c.body, c.code)
				if after := w.roles(t); !mapsEqual(after, before) {
					t.Fatalf("roles changed by a refused call: %v → %v", before, after)
				}
				return
			}
			w.ok(t, "/group/set_group_member_info", w.tok(c.who), c.body)
			want := before
			for k, v := range c.wantRole {
				want[k] = v
			}
			if after := w.roles(t); !mapsEqual(after, want) {
				t.Fatalf("roles %v, want %v", after, want)
			}
		})
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// create_group's adminUserIDs make admins, who then act as admins.
func TestCreateGroupAdmins(t *testing.T) {
	e := newEnv(t)
	e.register(t, "o", "a1", "a2", "m")
	e.createGroup(t, e.admin, "g", "o", []string{"a1", "a2"}, []string{"m"})
	r := e.ok(t, "/group/get_group_member_list", e.admin, map[string]any{"groupID": "g", "filter": 2, "pagination": map[string]any{"pageNumber": 1}})
	var d membersResp
	json.Unmarshal(r.Data, &d)
	if d.Total != 2 || d.Members[0].UserID != "a1" || d.Members[1].UserID != "a2" || d.Members[0].RoleLevel != 60 {
		t.Fatalf("admins: %s", r.Data)
	}
	a1 := e.userToken(t, "a1")
	e.ok(t, "/group/mute_group_member", a1, map[string]any{"groupID": "g", "userID": "m", "mutedSeconds": 5})
	e.fail(t, "/group/mute_group_member", a1, map[string]any{"groupID": "g", "userID": "a2", "mutedSeconds": 5}, codeNoPermission)
	e.ok(t, "/group/set_group_info_ex", a1, map[string]any{"groupID": "g", "introduction": "by an admin"})
}

// transfer_group: the new owner's mute is cleared and the old owner takes
// the new owner's previous role.
func TestTransferRules(t *testing.T) {
	cases := []struct {
		name     string
		newOwner string
		oldRole  int
	}{
		{"to an admin", "admin", 60},
		{"to a member", "member", 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			w.ok(t, "/group/mute_group_member", w.owner, map[string]any{"groupID": "g1", "userID": c.newOwner, "mutedSeconds": 3600})
			w.ok(t, "/group/mute_group_member", w.env.admin, map[string]any{"groupID": "g1", "userID": "owner", "mutedSeconds": 3600})
			ownerMute := w.memberOf(t, "owner").MuteEndTime
			w.clock.Advance(time.Minute)
			w.ok(t, "/group/transfer_group", w.owner, map[string]any{"groupID": "g1", "oldOwnerUserID": "owner", "newOwnerUserID": c.newOwner})
			n, o := w.memberOf(t, c.newOwner), w.memberOf(t, "owner")
			if n.RoleLevel != 100 || n.MuteEndTime != 0 {
				t.Fatalf("new owner: %+v", n)
			}
			if o.RoleLevel != c.oldRole || o.MuteEndTime != ownerMute {
				t.Fatalf("old owner: %+v", o)
			}
			g := w.data(t, "/group/get_groups_info", w.member, map[string]any{"groupIDs": []string{"g1"}})["groupInfos"].([]any)[0].(map[string]any)
			if g["ownerUserID"] != c.newOwner {
				t.Fatalf("ownerUserID %v", g["ownerUserID"])
			}
			// The old owner now follows the rules of their new role.
			w.fail(t, "/group/dismiss_group", w.owner, map[string]any{"groupID": "g1"}, codeNoPermission)
			w.fail(t, "/group/transfer_group", w.owner, map[string]any{"groupID": "g1", "newOwnerUserID": "owner"}, codeNoPermission)
			w.fail(t, "/group/mute_group_member", w.owner, map[string]any{"groupID": "g1", "userID": c.newOwner, "mutedSeconds": 5}, codeNoPermission)
		})
	}
	w := newWorld(t)
	for _, c := range []struct {
		body map[string]any
		code int
	}{
		{map[string]any{"groupID": "g1", "oldOwnerUserID": "owner", "newOwnerUserID": "owner"}, codeArgs},
		{map[string]any{"groupID": "g1", "oldOwnerUserID": "owner"}, codeArgs},
		{map[string]any{"groupID": "g1", "oldOwnerUserID": "owner", "newOwnerUserID": "ghost"}, codeArgs},
		{map[string]any{"groupID": "nope", "oldOwnerUserID": "owner", "newOwnerUserID": "member"}, codeGroupIDNotFound},
	} {
		w.fail(t, "/group/transfer_group", w.owner, c.body, c.code)
	}
}
