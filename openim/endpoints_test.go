package openim

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
)

func TestAuthEndpoints(t *testing.T) {
	e := newEnv(t)
	e.register(t, "alice")
	now := e.clock.Now().Unix()

	d := e.data(t, "/auth/get_admin_token", "", map[string]any{"secret": testSecret, "userID": "opsAdmin"})
	if d["expireTimeSeconds"] != float64(90*24*3600) || d["token"] == "" || len(d) != 2 {
		t.Fatalf("get_admin_token: %v", d)
	}
	r := e.ok(t, "/auth/parse_token", e.admin, map[string]any{})
	jsonEqual(t, r.Data, fmt.Sprintf(`{"userID":"imAdmin","platformID":10,"expireTimeSeconds":%d}`, now+90*24*3600))

	d = e.data(t, "/auth/get_user_token", e.admin, map[string]any{"platformID": 2, "userID": "alice"})
	alice := d["token"].(string)
	if d["expireTimeSeconds"] != float64(90*24*3600) || len(d) != 2 {
		t.Fatalf("get_user_token: %v", d)
	}
	r = e.ok(t, "/auth/parse_token", alice, nil)
	jsonEqual(t, r.Data, fmt.Sprintf(`{"userID":"alice","platformID":2,"expireTimeSeconds":%d}`, now+90*24*3600))
	// parse_token also takes the token in the body.
	r = e.ok(t, "/auth/parse_token", "", map[string]any{"token": alice})
	jsonEqual(t, r.Data, fmt.Sprintf(`{"userID":"alice","platformID":2,"expireTimeSeconds":%d}`, now+90*24*3600))

	// force_logout kicks alice's platform-2 tokens only; a new token works.
	other := e.data(t, "/auth/get_user_token", e.admin, map[string]any{"platformID": 5, "userID": "alice"})["token"].(string)
	r = e.ok(t, "/auth/force_logout", e.admin, map[string]any{"platformID": 2, "userID": "alice"})
	jsonEqual(t, r.raw, `{"errCode":0,"errMsg":"","errDlt":""}`)
	e.fail(t, "/auth/parse_token", alice, nil, codeTokenKicked)
	e.fail(t, "/user/get_users_info", alice, map[string]any{"userIDs": []string{"alice"}}, codeTokenKicked)
	e.ok(t, "/auth/parse_token", other, nil)
	fresh2 := e.data(t, "/auth/get_user_token", e.admin, map[string]any{"platformID": 2, "userID": "alice"})["token"].(string)
	e.ok(t, "/auth/parse_token", fresh2, nil)
}

func TestAuthErrors(t *testing.T) {
	e := newEnv(t)
	e.register(t, "alice", "bob")
	alice := e.userToken(t, "alice")
	cases := []struct {
		name  string
		path  string
		token string
		body  map[string]any
		code  int
	}{
		{"wrong secret", "/auth/get_admin_token", "", map[string]any{"secret": "nope", "userID": "imAdmin"}, codeNoPermission},
		{"secret prefix", "/auth/get_admin_token", "", map[string]any{"secret": testSecret[:5], "userID": "imAdmin"}, codeNoPermission},
		{"not an admin ID", "/auth/get_admin_token", "", map[string]any{"secret": testSecret, "userID": "alice"}, codeArgs},
		{"user token by user", "/auth/get_user_token", alice, map[string]any{"platformID": 1, "userID": "bob"}, codeNoPermission},
		{"user token for admin", "/auth/get_user_token", e.admin, map[string]any{"platformID": 1, "userID": "opsAdmin"}, codeNoPermission},
		{"user token unregistered", "/auth/get_user_token", e.admin, map[string]any{"platformID": 1, "userID": "carol"}, codeUserIDNotFound},
		{"user token admin platform", "/auth/get_user_token", e.admin, map[string]any{"platformID": 10, "userID": "bob"}, codeArgs},
		{"user token bad platform", "/auth/get_user_token", e.admin, map[string]any{"platformID": 0, "userID": "bob"}, codeArgs},
		{"user token no user", "/auth/get_user_token", e.admin, map[string]any{"platformID": 1}, codeArgs},
		{"force_logout by user", "/auth/force_logout", alice, map[string]any{"platformID": 1, "userID": "bob"}, codeNoPermission},
		{"force_logout bad platform", "/auth/force_logout", e.admin, map[string]any{"platformID": 11, "userID": "bob"}, codeArgs},
		{"parse_token without token", "/auth/parse_token", "", map[string]any{}, codeArgs},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { e.fail(t, c.path, c.token, c.body, c.code) })
	}
}

func TestUserEndpoints(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(1687800000123)
	e.ok(t, "/user/user_register", e.admin, map[string]any{"users": []map[string]any{
		{"userID": "alice", "nickname": "Alice", "faceURL": "http://a", "ex": "x"},
		{"userID": "bob", "nickname": "Bob"},
	}})
	r := e.ok(t, "/user/get_users_info", e.admin, map[string]any{"userIDs": []string{"bob", "nobody", "alice"}})
	jsonEqual(t, r.Data, `{"usersInfo":[
  {"userID":"bob","nickname":"Bob","faceURL":"","ex":"","createTime":1687800000123,"appMangerLevel":0,"globalRecvMsgOpt":0},
  {"userID":"alice","nickname":"Alice","faceURL":"http://a","ex":"x","createTime":1687800000123,"appMangerLevel":0,"globalRecvMsgOpt":0}]}`)
	r = e.ok(t, "/user/get_users_info", e.admin, map[string]any{"userIDs": []string{"nobody"}})
	jsonEqual(t, r.Data, `{"usersInfo":[]}`)

	alice := e.userToken(t, "alice")
	// update_user_info: empty strings leave fields unchanged.
	e.ok(t, "/user/update_user_info", alice, map[string]any{"userInfo": map[string]any{"userID": "alice", "nickname": "Al", "faceURL": ""}})
	// update_user_info_ex: null = unchanged, "" = set, {"value": v} = set.
	r = e.ok(t, "/user/update_user_info_ex", alice, `{"userInfo":{"userID":"alice","nickname":null,"faceURL":"","ex":{"value":"y"}}}`)
	jsonEqual(t, r.raw, `{"errCode":0,"errMsg":"","errDlt":""}`)
	r = e.ok(t, "/user/get_users_info", alice, map[string]any{"userIDs": []string{"alice"}})
	jsonEqual(t, r.Data, `{"usersInfo":[{"userID":"alice","nickname":"Al","faceURL":"","ex":"y","createTime":1687800000123,"appMangerLevel":0,"globalRecvMsgOpt":0}]}`)

	// get_users pages all users by creation order: the app admins,
	// registered at start, then alice and bob.
	r = e.ok(t, "/user/get_users", e.admin, map[string]any{"pagination": map[string]any{"pageNumber": 4, "showNumber": 1}})
	var page struct {
		Total int64      `json:"total"`
		Users []userInfo `json:"users"`
	}
	json.Unmarshal(r.Data, &page)
	if page.Total != 4 || len(page.Users) != 1 || page.Users[0].UserID != "bob" {
		t.Fatalf("get_users: %s", r.Data)
	}
	r = e.ok(t, "/user/get_users", e.admin, map[string]any{"pagination": map[string]any{"pageNumber": 5, "showNumber": 1}})
	jsonEqual(t, r.Data, `{"total":4,"users":[]}`)
}

func TestUserPermissions(t *testing.T) {
	w := newWorld(t)
	cases := []struct {
		name string
		who  string
		path string
		body map[string]any
		code int
	}{
		{"register by user", "member", "/user/user_register", map[string]any{"users": []map[string]any{{"userID": "zed"}}}, codeNoPermission},
		{"register by app admin", "appadmin", "/user/user_register", map[string]any{"users": []map[string]any{{"userID": "zed"}}}, 0},
		{"get_users by user", "member", "/user/get_users", map[string]any{"pagination": map[string]any{"pageNumber": 1}}, codeNoPermission},
		{"get_users by app admin", "appadmin", "/user/get_users", map[string]any{"pagination": map[string]any{"pageNumber": 1}}, 0},
		{"update self", "member", "/user/update_user_info", map[string]any{"userInfo": map[string]any{"userID": "member", "nickname": "m"}}, 0},
		{"update other", "member", "/user/update_user_info", map[string]any{"userInfo": map[string]any{"userID": "owner", "nickname": "m"}}, codeNoPermission},
		{"update other by app admin", "appadmin", "/user/update_user_info", map[string]any{"userInfo": map[string]any{"userID": "owner", "nickname": "m"}}, 0},
		{"update_ex other", "member", "/user/update_user_info_ex", map[string]any{"userInfo": map[string]any{"userID": "owner", "nickname": "m"}}, codeNoPermission},
		{"update_ex unknown by app admin", "appadmin", "/user/update_user_info_ex", map[string]any{"userInfo": map[string]any{"userID": "ghost", "nickname": "m"}}, codeUserIDNotFound},
		{"get_users_info by user", "outsider", "/user/get_users_info", map[string]any{"userIDs": []string{"owner"}}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.code == 0 {
				w.ok(t, c.path, w.tok(c.who), c.body)
			} else {
				w.fail(t, c.path, w.tok(c.who), c.body, c.code)
			}
		})
	}
}

func TestCreateGroup(t *testing.T) {
	e := newEnv(t)
	e.register(t, "alice", "bob", "carol")
	alice := e.userToken(t, "alice")
	e.clock.Set(1690000000000)
	r := e.ok(t, "/group/create_group", alice, map[string]any{
		"memberUserIDs": []string{"carol"}, "adminUserIDs": []string{"bob"}, "ownerUserID": "alice",
		"groupInfo": map[string]any{"groupName": "G", "notification": "hello", "introduction": "intro",
			"faceURL": "f", "ex": "e", "groupType": 2, "needVerification": 1, "lookMemberInfo": 1, "applyMemberFriend": 1},
	})
	var d struct {
		GroupInfo groupInfo `json:"groupInfo"`
	}
	json.Unmarshal(r.Data, &d)
	id := d.GroupInfo.GroupID
	if !regexp.MustCompile(`^[1-9][0-9]{9}$`).MatchString(id) {
		t.Fatalf("server-chosen groupID %q is not a 10-digit number", id)
	}
	jsonEqual(t, r.Data, `{"groupInfo":{"groupID":"`+id+`","groupName":"G","notification":"hello","introduction":"intro",
  "faceURL":"f","ownerUserID":"alice","createTime":1690000000000,"memberCount":3,"ex":"e","status":0,
  "creatorUserID":"alice","groupType":2,"needVerification":1,"lookMemberInfo":1,"applyMemberFriend":1,
  "notificationUpdateTime":1690000000000,"notificationUserID":"alice"}}`)

	// Members joined by invitation (joinSource 2), invited by the owner.
	r = e.ok(t, "/group/get_group_member_list", alice, map[string]any{"groupID": id, "pagination": map[string]any{"pageNumber": 1, "showNumber": 10}})
	jsonEqual(t, r.Data, `{"total":3,"members":[
  {"groupID":"`+id+`","userID":"alice","roleLevel":100,"joinTime":1690000000000,"nickname":"nick-alice","faceURL":"","appMangerLevel":0,"joinSource":2,"operatorUserID":"alice","ex":"","muteEndTime":0,"inviterUserID":""},
  {"groupID":"`+id+`","userID":"bob","roleLevel":60,"joinTime":1690000000000,"nickname":"nick-bob","faceURL":"","appMangerLevel":0,"joinSource":2,"operatorUserID":"alice","ex":"","muteEndTime":0,"inviterUserID":"alice"},
  {"groupID":"`+id+`","userID":"carol","roleLevel":20,"joinTime":1690000000000,"nickname":"nick-carol","faceURL":"","appMangerLevel":0,"joinSource":2,"operatorUserID":"alice","ex":"","muteEndTime":0,"inviterUserID":"alice"}]}`)

	// An app admin who is not a member gets the true member count.
	g := e.createGroup(t, e.admin, "", "bob", nil, []string{"carol"})
	if g["memberCount"] != float64(2) || g["creatorUserID"] != "bob" {
		t.Fatalf("admin-created group: %v", g)
	}

	cases := []struct {
		name string
		body map[string]any
		code int
	}{
		{"another owner", map[string]any{"ownerUserID": "bob", "groupInfo": map[string]any{"groupType": 2}}, codeNoPermission},
		{"group type 0", map[string]any{"ownerUserID": "alice", "groupInfo": map[string]any{"groupType": 0}}, codeArgs},
		{"group type 1", map[string]any{"ownerUserID": "alice", "groupInfo": map[string]any{"groupType": 1}}, codeArgs},
		{"existing groupID", map[string]any{"ownerUserID": "alice", "groupInfo": map[string]any{"groupID": id, "groupType": 2}}, codeGroupIDExisted},
		{"unknown member", map[string]any{"ownerUserID": "alice", "memberUserIDs": []string{"ghost"}, "groupInfo": map[string]any{"groupType": 2}}, codeUserIDNotFound},
		{"unknown owner", map[string]any{"ownerUserID": "ghost", "groupInfo": map[string]any{"groupType": 2}}, codeNoPermission},
		{"duplicate member", map[string]any{"ownerUserID": "alice", "memberUserIDs": []string{"bob", "bob"}, "groupInfo": map[string]any{"groupType": 2}}, codeArgs},
		{"member also admin", map[string]any{"ownerUserID": "alice", "memberUserIDs": []string{"bob"}, "adminUserIDs": []string{"bob"}, "groupInfo": map[string]any{"groupType": 2}}, codeArgs},
		{"owner also member", map[string]any{"ownerUserID": "alice", "memberUserIDs": []string{"alice"}, "groupInfo": map[string]any{"groupType": 2}}, codeArgs},
		{"no owner", map[string]any{"groupInfo": map[string]any{"groupType": 2}}, codeArgs},
		{"needVerification 3", map[string]any{"ownerUserID": "alice", "groupInfo": map[string]any{"groupType": 2, "needVerification": 3}}, codeArgs},
		{"over 1000 members", map[string]any{"ownerUserID": "alice", "memberUserIDs": manyIDs(1001), "groupInfo": map[string]any{"groupType": 2}}, codeArgs},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { e.fail(t, "/group/create_group", alice, c.body, c.code) })
	}
	// Unknown owner, by an app admin.
	e.fail(t, "/group/create_group", e.admin, map[string]any{"ownerUserID": "ghost", "groupInfo": map[string]any{"groupType": 2}}, codeUserIDNotFound)
	// Nothing of the failed calls was kept.
	n, err := e.store.CountGroups(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("groups after failures: %d, %v", n, err)
	}
}

func manyIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("id%d", i)
	}
	return ids
}

func TestSetGroupInfo(t *testing.T) {
	w := newWorld(t)
	w.clock.Set(1691000000000)
	w.ok(t, "/group/set_group_info", w.admin, map[string]any{"groupInfoForSet": map[string]any{
		"groupID": "g1", "groupName": "New", "notification": "note", "introduction": "", "faceURL": "", "ex": "ex1",
		"needVerification": 2, "lookMemberInfo": nil}})
	g := w.data(t, "/group/get_groups_info", w.member, map[string]any{"groupIDs": []string{"g1"}})["groupInfos"].([]any)[0].(map[string]any)
	want := map[string]any{"groupName": "New", "notification": "note", "introduction": "", "ex": "ex1",
		"needVerification": float64(2), "lookMemberInfo": float64(0), "notificationUpdateTime": float64(1691000000000),
		"notificationUserID": "admin", "memberCount": float64(4)}
	for k, v := range want {
		if g[k] != v {
			t.Errorf("%s = %v, want %v", k, g[k], v)
		}
	}
	// Empty strings leave fields unchanged; absent numbers too.
	w.ok(t, "/group/set_group_info", w.owner, map[string]any{"groupInfoForSet": map[string]any{"groupID": "g1", "groupName": ""}})
	g = w.data(t, "/group/get_groups_info", w.member, map[string]any{"groupIDs": []string{"g1"}})["groupInfos"].([]any)[0].(map[string]any)
	if g["groupName"] != "New" || g["needVerification"] != float64(2) || g["ex"] != "ex1" {
		t.Fatalf("after no-op set: %v", g)
	}

	// set_group_info_ex: "" clears, null leaves, {"value": v} sets.
	w.ok(t, "/group/set_group_info_ex", w.owner, `{"groupID":"g1","groupName":null,"notification":"","ex":{"value":"ex2"},
		"introduction":"in","needVerification":{"value":0},"lookMemberInfo":1,"applyMemberFriend":null}`)
	r := w.ok(t, "/group/get_groups_info", w.member, map[string]any{"groupIDs": []string{"g1"}})
	var infos groupInfosResp
	json.Unmarshal(r.Data, &infos)
	got := infos.GroupInfos[0]
	if got.GroupName != "New" || got.Notification != "" || got.Ex != "ex2" || got.Introduction != "in" ||
		got.NeedVerification != 0 || got.LookMemberInfo != 1 || got.NotificationUserID != "owner" {
		t.Fatalf("after set_group_info_ex: %+v", got)
	}
	// Type errors and bad values.
	w.fail(t, "/group/set_group_info_ex", w.owner, `{"groupID":"g1","groupName":5}`, codeArgs)
	w.fail(t, "/group/set_group_info_ex", w.owner, `{"groupID":"g1","needVerification":"x"}`, codeArgs)
	w.fail(t, "/group/set_group_info_ex", w.owner, `{"groupID":"g1","needVerification":7}`, codeArgs)
	w.fail(t, "/group/set_group_info", w.owner, `{"groupInfoForSet":{"groupID":"g1","needVerification":-1}}`, codeArgs)
	w.fail(t, "/group/set_group_info", w.owner, `{"groupInfoForSet":{"groupID":"nope","groupName":"x"}}`, codeGroupIDNotFound)
	w.fail(t, "/group/set_group_info_ex", w.owner, `{"groupID":"nope","groupName":"x"}`, codeGroupIDNotFound)
}

func TestMembershipEndpoints(t *testing.T) {
	w := newWorld(t)
	w.register(t, "x1", "x2")
	w.clock.Advance(time.Minute)
	joinAt := w.clock.Now().UnixMilli()
	w.ok(t, "/group/invite_user_to_group", w.member, map[string]any{"groupID": "g1", "reason": "hi", "invitedUserIDs": []string{"x1", "x2"}})
	r := w.ok(t, "/group/get_group_members_info", w.member, map[string]any{"groupID": "g1", "userIDs": []string{"x2", "ghost", "x1"}})
	jsonEqual(t, r.Data, fmt.Sprintf(`{"members":[
  {"groupID":"g1","userID":"x2","roleLevel":20,"joinTime":%d,"nickname":"nick-x2","faceURL":"","appMangerLevel":0,"joinSource":2,"operatorUserID":"member","ex":"","muteEndTime":0,"inviterUserID":"member"},
  {"groupID":"g1","userID":"x1","roleLevel":20,"joinTime":%d,"nickname":"nick-x1","faceURL":"","appMangerLevel":0,"joinSource":2,"operatorUserID":"member","ex":"","muteEndTime":0,"inviterUserID":"member"}]}`, joinAt, joinAt))

	w.ok(t, "/group/kick_group", w.admin, map[string]any{"groupID": "g1", "kickedUserIDs": []string{"x1"}, "reason": "bye"})
	w.ok(t, "/group/quit_group", w.userToken(t, "x2"), map[string]any{"groupID": "g1"})
	r = w.ok(t, "/group/get_group_member_user_id", w.member, map[string]any{"groupID": "g1"})
	jsonEqual(t, r.Data, `{"userIDs":["owner","admin","member","member2"]}`)
	r = w.ok(t, "/group/get_groups_info", w.member, map[string]any{"groupIDs": []string{"g1"}})
	if !regexp.MustCompile(`"memberCount":4[,}]`).Match(r.Data) {
		t.Fatalf("memberCount after kick and quit: %s", r.Data)
	}

	r = w.ok(t, "/group/get_group_abstract_info", w.member, map[string]any{"groupIDs": []string{"g1"}})
	jsonEqual(t, r.Data, fmt.Sprintf(`{"groupAbstractInfos":[{"groupID":"g1","groupMemberNumber":4,"groupMemberListHash":%d}]}`,
		wantMemberListHash(t, w, "g1", "admin", "member", "member2", "owner")))

	// transfer: the new owner's role goes to the old owner.
	w.ok(t, "/group/transfer_group", w.owner, map[string]any{"groupID": "g1", "oldOwnerUserID": "owner", "newOwnerUserID": "admin"})
	roles := w.roles(t)
	if roles["admin"] != 100 || roles["owner"] != 60 {
		t.Fatalf("roles after transfer: %v", roles)
	}
	g := w.data(t, "/group/get_groups_info", w.member, map[string]any{"groupIDs": []string{"g1"}})["groupInfos"].([]any)[0].(map[string]any)
	if g["ownerUserID"] != "admin" {
		t.Fatalf("owner after transfer: %v", g["ownerUserID"])
	}

	// dismiss: status 2, members kept unless deleteMember.
	r = w.ok(t, "/group/dismiss_group", w.admin, map[string]any{"groupID": "g1"})
	jsonEqual(t, r.raw, `{"errCode":0,"errMsg":"","errDlt":""}`)
	g = w.data(t, "/group/get_groups_info", w.member, map[string]any{"groupIDs": []string{"g1"}})["groupInfos"].([]any)[0].(map[string]any)
	if g["status"] != float64(2) || g["memberCount"] != float64(4) {
		t.Fatalf("after dismiss: %v", g)
	}
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{"/group/set_group_info", map[string]any{"groupInfoForSet": map[string]any{"groupID": "g1", "groupName": "x"}}},
		{"/group/set_group_info_ex", map[string]any{"groupID": "g1", "groupName": "x"}},
		{"/group/invite_user_to_group", map[string]any{"groupID": "g1", "invitedUserIDs": []string{"fresh"}}},
		{"/group/kick_group", map[string]any{"groupID": "g1", "kickedUserIDs": []string{"member"}}},
		{"/group/transfer_group", map[string]any{"groupID": "g1", "newOwnerUserID": "member"}},
		{"/group/dismiss_group", map[string]any{"groupID": "g1"}},
	} {
		t.Run("dismissed "+c.path, func(t *testing.T) { w.fail(t, c.path, w.env.admin, c.body, codeDismissed) })
	}
}

// roles maps g1's members to role levels.
func (w *world) roles(t *testing.T) map[string]int {
	t.Helper()
	r := w.ok(t, "/group/get_group_member_list", w.env.admin, map[string]any{"groupID": "g1", "pagination": map[string]any{"pageNumber": 1, "showNumber": 100}})
	var d membersResp
	json.Unmarshal(r.Data, &d)
	out := map[string]int{}
	for _, m := range d.Members {
		out[m.UserID] = m.RoleLevel
	}
	return out
}

func TestDismissDeleteMembers(t *testing.T) {
	w := newWorld(t)
	w.ok(t, "/group/dismiss_group", w.owner, map[string]any{"groupID": "g1", "deleteMember": true})
	if ids := w.memberIDs(t); len(ids) != 0 {
		t.Fatalf("members after dismiss with deleteMember: %v", ids)
	}
	g := w.data(t, "/group/get_groups_info", w.outsider, map[string]any{"groupIDs": []string{"g1"}})["groupInfos"].([]any)[0].(map[string]any)
	if g["status"] != float64(2) || g["memberCount"] != float64(0) {
		t.Fatalf("after dismiss: %v", g)
	}
}

func TestMuteOnTheWire(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	owner := domain.Actor{UserID: "owner"}
	now := w.clock.Now()
	if err := w.svc.MuteGroup(ctx, owner, "g1", domain.MuteSpec{All: true, Until: now.Add(time.Hour).UnixMilli()}); err != nil {
		t.Fatal(err)
	}
	until := now.Add(10 * time.Minute).UnixMilli()
	if _, err := w.svc.MuteMembers(ctx, owner, "g1", []string{"member"}, until, false); err != nil {
		t.Fatal(err)
	}
	status := func() float64 {
		return w.data(t, "/group/get_groups_info", w.member, map[string]any{"groupIDs": []string{"g1"}})["groupInfos"].([]any)[0].(map[string]any)["status"].(float64)
	}
	muteEnd := func() float64 {
		m := w.data(t, "/group/get_group_members_info", w.member, map[string]any{"groupID": "g1", "userIDs": []string{"member"}})
		return m["members"].([]any)[0].(map[string]any)["muteEndTime"].(float64)
	}
	if status() != 3 || muteEnd() != float64(until) {
		t.Fatalf("while muted: status %v muteEndTime %v", status(), muteEnd())
	}
	w.clock.Advance(11 * time.Minute)
	if status() != 3 || muteEnd() != 0 {
		t.Fatalf("member mute expired: status %v muteEndTime %v", status(), muteEnd())
	}
	w.clock.Advance(time.Hour)
	if status() != 0 {
		t.Fatalf("group mute expired: status %v", status())
	}
}

func TestMemberListFilterKeywordAndOrder(t *testing.T) {
	w := newWorld(t)
	w.register(t, "admin2")
	w.clock.Advance(time.Second)
	w.ok(t, "/group/invite_user_to_group", w.owner, map[string]any{"groupID": "g1", "invitedUserIDs": []string{"admin2"}})
	if _, err := w.svc.SetMemberInfo(context.Background(), domain.Actor{UserID: "owner"}, []domain.MemberPatch{
		{GroupID: "g1", UserID: "admin2", RoleLevel: ptr(domain.RoleAdmin), Nickname: ptr("boss two")},
		{GroupID: "g1", UserID: "member", Nickname: ptr("the boss")}}, false); err != nil {
		t.Fatal(err)
	}
	list := func(filter int, keyword string) []string {
		r := w.ok(t, "/group/get_group_member_list", w.member, map[string]any{"groupID": "g1", "filter": filter, "keyword": keyword,
			"pagination": map[string]any{"pageNumber": 1, "showNumber": 0}})
		var d membersResp
		json.Unmarshal(r.Data, &d)
		ids := []string{}
		for _, m := range d.Members {
			ids = append(ids, m.UserID)
		}
		if int(d.Total) != len(ids) {
			t.Fatalf("filter %d: total %d for %d members", filter, d.Total, len(ids))
		}
		return ids
	}
	cases := []struct {
		filter  int
		keyword string
		want    []string
	}{
		{0, "", []string{"owner", "admin", "admin2", "member", "member2"}},
		{1, "", []string{"owner"}},
		{2, "", []string{"admin", "admin2"}},
		{3, "", []string{"member", "member2"}},
		{4, "", []string{"admin", "admin2", "member", "member2"}},
		{5, "", []string{"owner", "admin", "admin2"}},
		{0, "member2", []string{"member2"}},       // user ID
		{0, "boss", []string{"admin2", "member"}}, // group nickname substring
		{3, "boss", []string{"member"}},
		{1, "boss", []string{}},
	}
	for _, c := range cases {
		if got := list(c.filter, c.keyword); !slices.Equal(got, c.want) {
			t.Errorf("filter %d keyword %q: got %v, want %v", c.filter, c.keyword, got, c.want)
		}
	}
	w.fail(t, "/group/get_group_member_list", w.member, map[string]any{"groupID": "g1", "filter": 6, "pagination": map[string]any{"pageNumber": 1}}, codeArgs)
}

func ptr[T any](v T) *T { return &v }

func TestPagination(t *testing.T) {
	e := newEnv(t)
	e.register(t, "u", "v")
	var want []string
	for i := range 5 {
		e.clock.Advance(time.Second)
		id := fmt.Sprintf("g%d", i)
		e.createGroup(t, e.admin, id, "v", nil, []string{"u"})
		want = append(want, id)
	}
	u := e.userToken(t, "u")
	joined := func(page, show int) (int64, []string) {
		r := e.ok(t, "/group/get_joined_group_list", u, map[string]any{"fromUserID": "u", "pagination": map[string]any{"pageNumber": page, "showNumber": show}})
		var d joinedGroupListResp
		json.Unmarshal(r.Data, &d)
		ids := []string{}
		for _, g := range d.Groups {
			ids = append(ids, g.GroupID)
		}
		if d.Groups == nil || !regexp.MustCompile(`"groups":\[`).Match(r.Data) {
			t.Fatalf("groups is not a list: %s", r.Data)
		}
		return d.Total, ids
	}
	cases := []struct {
		name       string
		page, show int
		want       []string
	}{
		{"first", 1, 2, want[0:2]},
		{"middle", 2, 2, want[2:4]},
		{"last", 3, 2, want[4:5]},
		{"past the end", 4, 2, []string{}},
		{"far past the end", 2147483647, 1000, []string{}},
		{"default size", 1, 0, want},
		{"exact fit", 1, 5, want},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			total, ids := joined(c.page, c.show)
			if total != 5 || !slices.Equal(ids, c.want) {
				t.Fatalf("got total %d %v, want 5 %v", total, ids, c.want)
			}
		})
	}
	// member list pages the same way.
	e.register(t, "m1", "m2", "m3")
	e.ok(t, "/group/invite_user_to_group", e.admin, map[string]any{"groupID": "g0", "invitedUserIDs": []string{"m1", "m2", "m3"}})
	for _, c := range []struct {
		page int
		want []string
	}{{1, []string{"v", "u"}}, {2, []string{"m1", "m2"}}, {3, []string{"m3"}}, {4, []string{}}} {
		r := e.ok(t, "/group/get_group_member_list", u, map[string]any{"groupID": "g0", "pagination": map[string]any{"pageNumber": c.page, "showNumber": 2}})
		var d membersResp
		json.Unmarshal(r.Data, &d)
		ids := []string{}
		for _, m := range d.Members {
			ids = append(ids, m.UserID)
		}
		if d.Total != 5 || !slices.Equal(ids, c.want) || d.Members == nil {
			t.Fatalf("member page %d: total %d %v, want %v (%s)", c.page, d.Total, ids, c.want, r.Data)
		}
	}
	for _, p := range []map[string]any{
		{"pageNumber": 0, "showNumber": 10},
		{"pageNumber": -1, "showNumber": 10},
		{"pageNumber": 1, "showNumber": -1},
		{"pageNumber": 1, "showNumber": 10001},
		{"showNumber": 10},
		{"pageNumber": 3000000000, "showNumber": 1},
	} {
		r := e.fail(t, "/group/get_joined_group_list", u, map[string]any{"fromUserID": "u", "pagination": p}, codeArgs)
		if r.ErrDlt == "" {
			t.Fatalf("no detail for %v", p)
		}
		e.fail(t, "/group/get_group_member_list", u, map[string]any{"groupID": "g0", "pagination": p}, codeArgs)
	}
}

// Values the OpenIM wire has no room for: ZIM's invite-only join mode shows
// as needVerification 1; an app admin's account type is 2.
func TestWireMappings(t *testing.T) {
	w := newWorld(t)
	if err := w.svc.UpdateGroup(context.Background(), domain.Actor{UserID: "owner"}, "g1",
		domain.GroupPatch{NeedVerification: ptr(domain.VerifyInviteOnly)}); err != nil {
		t.Fatal(err)
	}
	g := w.data(t, "/group/get_groups_info", w.member, map[string]any{"groupIDs": []string{"g1"}})["groupInfos"].([]any)[0].(map[string]any)
	if g["needVerification"] != float64(1) {
		t.Fatalf("needVerification %v, want 1", g["needVerification"])
	}

	// App admins are registered users from the start (as in OpenIM); no
	// one can register their IDs.
	w.fail(t, "/user/user_register", w.env.admin, map[string]any{"users": []map[string]any{{"userID": "opsAdmin"}}}, codeArgs)
	w.ok(t, "/group/invite_user_to_group", w.env.admin, map[string]any{"groupID": "g1", "invitedUserIDs": []string{"opsAdmin"}})
	r := w.ok(t, "/user/get_users_info", w.member, map[string]any{"userIDs": []string{"opsAdmin"}})
	if !regexp.MustCompile(`"appMangerLevel":2[,}]`).Match(r.Data) {
		t.Fatalf("get_users_info: %s", r.Data)
	}
	r = w.ok(t, "/group/get_group_members_info", w.member, map[string]any{"groupID": "g1", "userIDs": []string{"opsAdmin", "member"}})
	if !regexp.MustCompile(`"userID":"opsAdmin".*"appMangerLevel":2.*"userID":"member".*"appMangerLevel":0`).Match(r.Data) {
		t.Fatalf("get_group_members_info: %s", r.Data)
	}
}

// wantMemberListHash computes OpenIM v3.8's groupMemberListHash the way its
// server does (pkg/notification/grouphash): the first 8 bytes, big-endian,
// of the MD5 of the JSON array of the members' GroupMemberFullInfo sorted by
// userID (sortedIDs), taken here from get_group_members_info's own bytes.
func wantMemberListHash(t *testing.T, w *world, groupID string, sortedIDs ...string) uint64 {
	t.Helper()
	r := w.ok(t, "/group/get_group_members_info", w.owner, map[string]any{"groupID": groupID, "userIDs": sortedIDs})
	var body struct {
		Members json.RawMessage `json:"members"`
	}
	if err := json.Unmarshal(r.Data, &body); err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, body.Members); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(compact.Bytes())
	return binary.BigEndian.Uint64(sum[:8])
}
