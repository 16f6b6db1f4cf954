package openim

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// The behaviours OpenIM's own SDK relies on (see also test/sdkcompat, which
// drives the real binary through the SDK's callers).

// Member ID lists come owner first, then admins, then members; a role
// change reorders them and bumps sortVersion so that the SDK refetches.
func TestMemberIDsInRoleOrderWithSortVersion(t *testing.T) {
	w := newWorld(t)
	ids := func() []string {
		t.Helper()
		var out []string
		for _, id := range w.data(t, "/group/get_group_member_user_id", w.member, map[string]any{"groupID": "g1"})["userIDs"].([]any) {
			out = append(out, id.(string))
		}
		full := w.data(t, "/group/get_full_group_member_user_ids", w.member, map[string]any{"groupID": "g1", "idHash": 0})
		if fmt.Sprint(full["userIDs"]) != fmt.Sprint(toAny(out)) {
			t.Fatalf("full IDs %v, member IDs %v", full["userIDs"], out)
		}
		return out
	}
	// member joins before member2; x joins last.
	w.register(t, "x")
	w.ok(t, "/group/invite_user_to_group", w.owner, map[string]any{"groupID": "g1", "invitedUserIDs": []string{"x"}})
	if got := ids(); !slices.Equal(got, []string{"owner", "admin", "member", "member2", "x"}) {
		t.Fatalf("ids %v", got)
	}
	s0, _ := w.memberSync(t, w.member, "g1", "", 0)

	// A nickname edit is no reorder: sortVersion stays 0.
	w.ok(t, "/group/set_group_member_info", w.owner, map[string]any{"members": []map[string]any{{"groupID": "g1", "userID": "x", "nickname": "ex"}}})
	if d, _ := w.memberSync(t, w.member, "g1", s0.VersionID, s0.Version); d.SortVersion != 0 || d.Full {
		t.Fatalf("after a nickname edit: %s", mustJSON(d))
	}

	// The admin promotes x: x moves up among the admins (join order).
	w.ok(t, "/group/set_group_member_info", w.admin, map[string]any{"members": []map[string]any{{"groupID": "g1", "userID": "x", "roleLevel": 60}}})
	if got := ids(); !slices.Equal(got, []string{"owner", "admin", "x", "member", "member2"}) {
		t.Fatalf("ids after promotion %v", got)
	}
	d, _ := w.memberSync(t, w.member, "g1", s0.VersionID, s0.Version)
	if d.Full || d.SortVersion == 0 || d.SortVersion > d.Version || !slices.Equal(memberIDsOf(d.Update), []string{"x"}) || d.Group == nil {
		t.Fatalf("after promotion: %s", mustJSON(d))
	}
	// Up to date: no sortVersion.
	if again, _ := w.memberSync(t, w.member, "g1", d.VersionID, d.Version); again.SortVersion != 0 || again.Group != nil {
		t.Fatalf("up to date: %s", mustJSON(again))
	}

	// Transfer: member becomes owner, the old owner takes member's role.
	w.ok(t, "/group/transfer_group", w.owner, map[string]any{"groupID": "g1", "oldOwnerUserID": "owner", "newOwnerUserID": "member"})
	if got := ids(); !slices.Equal(got, []string{"member", "admin", "x", "owner", "member2"}) {
		t.Fatalf("ids after transfer %v", got)
	}
	d2, _ := w.memberSync(t, w.member, "g1", d.VersionID, d.Version)
	if d2.SortVersion <= uint64(d.Version) || !slices.Equal(slices.Sorted(slices.Values(memberIDsOf(d2.Update))), []string{"member", "owner"}) {
		t.Fatalf("after transfer: %s", mustJSON(d2))
	}
	// The batch form carries it too.
	var batch incrementalGroupMembersBatchResp
	r := w.ok(t, "/group/get_incremental_group_members_batch", w.member, map[string]any{"userID": "member",
		"reqList": []map[string]any{{"groupID": "g1", "versionID": d.VersionID, "version": d.Version}}})
	mustUnmarshal(t, r.Data, &batch)
	if batch.RespList["g1"].SortVersion != d2.SortVersion {
		t.Fatalf("batch: %s", r.Data)
	}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// groupMemberListHash follows v3.8's algorithm: it changes on any member
// edit, not only on joins and leaves.
func TestGroupMemberListHashFollowsMemberEdits(t *testing.T) {
	w := newWorld(t)
	hash := func() uint64 {
		t.Helper()
		r := w.ok(t, "/group/get_group_abstract_info", w.member, map[string]any{"groupIDs": []string{"g1"}})
		var d groupAbstractsResp
		mustUnmarshal(t, r.Data, &d)
		want := wantMemberListHash(t, w, "g1", "admin", "member", "member2", "owner")
		if len(d.GroupAbstractInfos) != 1 || d.GroupAbstractInfos[0].GroupMemberListHash != want || d.GroupAbstractInfos[0].GroupMemberNumber != 4 {
			t.Fatalf("abstract %s, want hash %d", r.Data, want)
		}
		return want
	}
	seen := map[uint64]string{hash(): "start"}
	for _, c := range []struct {
		name string
		path string
		body map[string]any
	}{
		{"nickname", "/group/set_group_member_info", map[string]any{"members": []map[string]any{{"groupID": "g1", "userID": "member", "nickname": "m"}}}},
		{"role", "/group/set_group_member_info", map[string]any{"members": []map[string]any{{"groupID": "g1", "userID": "member2", "roleLevel": 60}}}},
		{"mute", "/group/mute_group_member", map[string]any{"groupID": "g1", "userID": "member", "mutedSeconds": 60}},
	} {
		w.ok(t, c.path, w.owner, c.body)
		h := hash()
		if prev, dup := seen[h]; dup {
			t.Fatalf("hash after %s equals the hash after %s", c.name, prev)
		}
		seen[h] = c.name
	}
}

// set_group_info sets ex whenever it is present ("" clears it);
// set_group_info_ex refuses to empty the name.
func TestSetGroupInfoExAndEmptyName(t *testing.T) {
	w := newWorld(t)
	info := func() map[string]any {
		return w.data(t, "/group/get_groups_info", w.owner, map[string]any{"groupIDs": []string{"g1"}})["groupInfos"].([]any)[0].(map[string]any)
	}
	w.ok(t, "/group/set_group_info", w.owner, map[string]any{"groupInfoForSet": map[string]any{"groupID": "g1", "ex": "e1"}})
	if g := info(); g["ex"] != "e1" {
		t.Fatalf("ex %v", g["ex"])
	}
	w.ok(t, "/group/set_group_info", w.owner, map[string]any{"groupInfoForSet": map[string]any{"groupID": "g1", "groupName": "n"}})
	if g := info(); g["ex"] != "e1" || g["groupName"] != "n" {
		t.Fatalf("absent ex changed: %v", g)
	}
	w.ok(t, "/group/set_group_info", w.owner, map[string]any{"groupInfoForSet": map[string]any{"groupID": "g1", "ex": ""}})
	if g := info(); g["ex"] != "" || g["groupName"] != "n" {
		t.Fatalf("ex not cleared: %v", g)
	}
	w.fail(t, "/group/set_group_info_ex", w.owner, map[string]any{"groupID": "g1", "groupName": ""}, codeArgs)
	w.ok(t, "/group/set_group_info_ex", w.owner, map[string]any{"groupID": "g1", "groupName": nil, "ex": "e2"})
	if g := info(); g["groupName"] != "n" || g["ex"] != "e2" {
		t.Fatalf("after set_group_info_ex: %v", g)
	}
}

// Lookups that name an ID twice answer it once; a page of 5000 is served.
func TestDuplicateIDsAndLargePages(t *testing.T) {
	w := newWorld(t)
	r := w.ok(t, "/group/get_groups_info", w.member, map[string]any{"groupIDs": []string{"g1", "g1"}})
	var gi groupInfosResp
	mustUnmarshal(t, r.Data, &gi)
	if len(gi.GroupInfos) != 1 || gi.GroupInfos[0].GroupID != "g1" {
		t.Fatalf("get_groups_info: %s", r.Data)
	}
	r = w.ok(t, "/group/get_group_members_info", w.member, map[string]any{"groupID": "g1", "userIDs": []string{"member", "owner", "member"}})
	var mi membersInfoResp
	mustUnmarshal(t, r.Data, &mi)
	if got := memberIDsOf(mi.Members); !slices.Equal(got, []string{"member", "owner"}) {
		t.Fatalf("get_group_members_info: %v", got)
	}
	page := map[string]any{"pageNumber": 1, "showNumber": 5000}
	d := w.data(t, "/group/get_group_member_list", w.member, map[string]any{"groupID": "g1", "pagination": page})
	if d["total"] != float64(4) || len(d["members"].([]any)) != 4 {
		t.Fatalf("member list with showNumber 5000: %v", d)
	}
	d = w.data(t, "/group/get_joined_group_list", w.member, map[string]any{"fromUserID": "member", "pagination": page})
	if d["total"] != float64(1) {
		t.Fatalf("joined list with showNumber 5000: %v", d)
	}
}

func mustUnmarshal(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}
