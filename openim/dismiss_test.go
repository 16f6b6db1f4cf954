package openim

import (
	"slices"
	"testing"
)

// changeCalls is every route that changes g1, with a body that would succeed
// on a live g1 for the app admin (outsider has a pending request).
var changeCalls = []struct {
	path string
	body map[string]any
}{
	{"/group/set_group_info", map[string]any{"groupInfoForSet": map[string]any{"groupID": "g1", "groupName": "x"}}},
	{"/group/set_group_info_ex", map[string]any{"groupID": "g1", "groupName": "x"}},
	{"/group/invite_user_to_group", map[string]any{"groupID": "g1", "invitedUserIDs": []string{"fresh"}}},
	{"/group/kick_group", map[string]any{"groupID": "g1", "kickedUserIDs": []string{"member"}}},
	{"/group/transfer_group", map[string]any{"groupID": "g1", "newOwnerUserID": "member"}},
	{"/group/dismiss_group", map[string]any{"groupID": "g1"}},
	{"/group/join_group", map[string]any{"groupID": "g1", "joinSource": 3, "userID": "fresh"}},
	{"/group/group_application_response", map[string]any{"groupID": "g1", "fromUserID": "outsider", "handleResult": 1}},
	{"/group/mute_group", map[string]any{"groupID": "g1"}},
	{"/group/cancel_mute_group", map[string]any{"groupID": "g1"}},
	{"/group/mute_group_member", map[string]any{"groupID": "g1", "userID": "member", "mutedSeconds": 60}},
	{"/group/cancel_mute_group_member", map[string]any{"groupID": "g1", "userID": "member"}},
	{"/group/set_group_member_info", map[string]any{"members": []map[string]any{{"groupID": "g1", "userID": "member", "nickname": "x"}}}},
}

// dismiss_group with deleteMember false: the members stay readable, the
// group reads status 2 and refuses every change with 1204.
func TestDismissKeepMembers(t *testing.T) {
	w := newWorld(t)
	w.ok(t, "/group/join_group", w.outsider, map[string]any{"groupID": "g1", "joinSource": 3})
	s, _ := w.memberSync(t, w.member, "g1", "", 0)
	j := w.joinSync(t, w.member, "member", "", 0)
	w.ok(t, "/group/dismiss_group", w.owner, map[string]any{"groupID": "g1", "deleteMember": false})

	if st := w.status(t); st != 2 {
		t.Fatalf("status %v", st)
	}
	want := []string{"owner", "admin", "member", "member2"}
	if ids := w.memberIDs(t); !slices.Equal(ids, want) {
		t.Fatalf("members %v", ids)
	}
	// Readable, by members, the old way and the incremental way.
	w.ok(t, "/group/get_group_member_list", w.member, map[string]any{"groupID": "g1", "pagination": map[string]any{"pageNumber": 1}})
	w.ok(t, "/group/get_group_members_info", w.member, map[string]any{"groupID": "g1", "userIDs": []string{"owner"}})
	ids := w.data(t, "/group/get_group_member_user_id", w.member, map[string]any{"groupID": "g1"})["userIDs"].([]any)
	if len(ids) != 4 {
		t.Fatalf("member IDs %v", ids)
	}
	d, _ := w.memberSync(t, w.member, "g1", s.VersionID, s.Version)
	if d.Full || d.Group == nil || d.Group.Status != 2 || len(d.Delete) != 0 {
		t.Fatalf("member sync: %s", mustJSON(d))
	}
	jd := w.joinSync(t, w.member, "member", j.VersionID, j.Version)
	if jd.Full || !slices.Equal(groupIDsOfInfos(jd.Update), []string{"g1"}) || jd.Update[0].Status != 2 || len(jd.Delete) != 0 {
		t.Fatalf("join sync: %s", mustJSON(jd))
	}
	joined := w.data(t, "/group/get_joined_group_list", w.member, map[string]any{"fromUserID": "member", "pagination": map[string]any{"pageNumber": 1}})
	if joined["total"] != float64(1) {
		t.Fatalf("joined list: %v", joined)
	}
	for _, c := range changeCalls {
		t.Run(c.path, func(t *testing.T) {
			w.fail(t, c.path, w.env.admin, c.body, codeDismissed)
		})
	}
	if ids := w.memberIDs(t); !slices.Equal(ids, want) {
		t.Fatalf("members after refused changes %v", ids)
	}
	if reqs := w.userRequests(t, "outsider"); len(reqs) != 1 || reqs[0].HandleResult != 0 {
		t.Fatalf("request after refused handling: %+v", reqs)
	}
	// As in OpenIM, a kept member may still leave (so a client can clear
	// the group away), and deleteMember on the dismissed group removes the
	// members it kept.
	w.ok(t, "/group/quit_group", w.member, map[string]any{"groupID": "g1"})
	if ids := w.memberIDs(t); !slices.Equal(ids, []string{"owner", "admin", "member2"}) {
		t.Fatalf("members after quitting the dismissed group %v", ids)
	}
	w.fail(t, "/group/quit_group", w.member, map[string]any{"groupID": "g1"}, codeRecordNotFound)
	w.ok(t, "/group/dismiss_group", w.env.admin, map[string]any{"groupID": "g1", "deleteMember": true})
	if ids := w.memberIDs(t); len(ids) != 0 {
		t.Fatalf("members after dismiss with deleteMember %v", ids)
	}
	g := w.data(t, "/group/get_groups_info", w.env.admin, map[string]any{"groupIDs": []string{"g1"}})["groupInfos"].([]any)[0].(map[string]any)
	if g["status"] != float64(2) || g["memberCount"] != float64(0) {
		t.Fatalf("group after dismiss with deleteMember %v", g)
	}
}

// dismiss_group with deleteMember true removes every member (the reference
// ignores the flag and leaves them behind).
func TestDismissDeleteMembersSync(t *testing.T) {
	w := newWorld(t)
	j := w.joinSync(t, w.member, "member", "", 0)
	w.ok(t, "/group/dismiss_group", w.env.admin, map[string]any{"groupID": "g1", "deleteMember": true})
	if ids := w.memberIDs(t); len(ids) != 0 {
		t.Fatalf("members %v", ids)
	}
	g := w.data(t, "/group/get_groups_info", w.member, map[string]any{"groupIDs": []string{"g1"}})["groupInfos"].([]any)[0].(map[string]any)
	if g["status"] != float64(2) || g["memberCount"] != float64(0) {
		t.Fatalf("group %v", g)
	}
	// Former members read nothing and are told the group left them.
	w.fail(t, "/group/get_group_member_list", w.member, map[string]any{"groupID": "g1", "pagination": map[string]any{"pageNumber": 1}}, codeNoPermission)
	w.fail(t, "/group/get_incremental_group_members", w.member, map[string]any{"groupID": "g1"}, codeNoPermission)
	jd := w.joinSync(t, w.member, "member", j.VersionID, j.Version)
	if jd.Full || !slices.Equal(jd.Delete, []string{"g1"}) || len(jd.Update)+len(jd.Insert) != 0 {
		t.Fatalf("join sync: %s", mustJSON(jd))
	}
	r := w.ok(t, "/group/get_full_join_group_ids", w.member, map[string]any{"userID": "member", "idHash": 0})
	jsonEqual(t, r.Data, `{"version":`+itoa(jd.Version)+`,"versionID":"`+jd.VersionID+`","equal":true,"groupIDs":[]}`)
	joined := w.data(t, "/group/get_joined_group_list", w.member, map[string]any{"fromUserID": "member", "pagination": map[string]any{"pageNumber": 1}})
	if joined["total"] != float64(0) {
		t.Fatalf("joined list: %v", joined)
	}
	// An app admin still reads the empty group; changes are refused.
	list := w.data(t, "/group/get_group_member_list", w.env.admin, map[string]any{"groupID": "g1", "pagination": map[string]any{"pageNumber": 1}})
	if list["total"] != float64(0) || len(list["members"].([]any)) != 0 {
		t.Fatalf("member list %v", list)
	}
	for _, c := range changeCalls[:3] {
		w.fail(t, c.path, w.env.admin, c.body, codeDismissed)
	}
}

func itoa(v uint64) string { return mustJSON(v) }
