package zim_test

import (
	"fmt"
	"net/url"
	"strconv"
	"testing"
)

// Pages follow the join order and stay stable when members join between
// pages: nobody is skipped or repeated, and newcomers come at the end.
func TestQueryGroupMemberListPaging(t *testing.T) {
	e := setup(t)
	users := ids(7, "m")
	e.register(users...)
	e.group("g", "o", users[:5]...)
	var got []string
	next := int64(0)
	for page := 0; ; page++ {
		var ml memberList
		e.post("QueryGroupMemberList", obj{"GroupId": "g", "Limit": 2, "Next": next}).ok().into(&ml)
		if len(ml.MemberList) > 2 {
			t.Fatalf("page of %d", len(ml.MemberList))
		}
		for _, m := range ml.MemberList {
			got = append(got, m.UserId)
		}
		if page == 0 {
			if ml.TotalCount != 6 {
				t.Fatalf("TotalCount %d", ml.TotalCount)
			}
			// Joins and a leave while the client pages.
			e.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": "g", "UserIds": users[5:]}).ok()
			e.post("KickoutGroupUser", obj{"FromUserId": "o", "GroupId": "g", "UserId": []string{users[0]}}).ok()
		}
		if ml.Next == 0 {
			break
		}
		next = ml.Next
		if page > 10 {
			t.Fatal("no end")
		}
	}
	want := append([]string{"o"}, users...)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("paged %v, want %v", got, want)
	}
}

func TestQueryAppGroupList(t *testing.T) {
	e := setup(t)
	for i := range 8 {
		e.group("g"+strconv.Itoa(i), "o")
	}
	// A run of dismissed groups inside the first page, one at the end.
	for _, id := range []string{"g1", "g2", "g3", "g7"} {
		e.get("DismissGroup", url.Values{"FromUserId": {"o"}, "GroupId": {id}}).ok()
	}
	type page struct {
		TotalCount  int64
		Next        int64
		GroupIdList []struct{ GroupId, GroupName string }
	}
	var got []string
	next := "0"
	for n := 0; n < 10; n++ {
		var resp page
		e.get("QueryAppGroupList", url.Values{"Limit": {"2"}, "Next": {next}}).ok().into(&resp)
		// TotalCount counts the groups a client pages through: not the
		// dismissed ones (a group created meanwhile counts from then on).
		if want := int64(4 + min(n, 1)); resp.TotalCount != want {
			t.Fatalf("page %d: TotalCount %d, want %d", n, resp.TotalCount, want)
		}
		for _, g := range resp.GroupIdList {
			if g.GroupName != "name-"+g.GroupId {
				t.Fatalf("GroupName %q", g.GroupName)
			}
			got = append(got, g.GroupId)
		}
		if n == 0 {
			e.group("late", "o")
		}
		if resp.Next == 0 {
			break
		}
		// A page before the last is full: dismissed groups take no room.
		if len(resp.GroupIdList) != 2 {
			t.Fatalf("page %d holds %d groups with Next %d", n, len(resp.GroupIdList), resp.Next)
		}
		next = strconv.FormatInt(resp.Next, 10)
	}
	if want := "[g0 g4 g5 g6 late]"; fmt.Sprint(got) != want {
		t.Fatalf("groups %v, want %s", got, want)
	}
	// No parameters: the default page holds everything, as TotalCount says.
	var all page
	e.get("QueryAppGroupList", nil).ok().into(&all)
	if len(all.GroupIdList) != 5 || all.TotalCount != 5 || all.Next != 0 {
		t.Fatalf("default page: %+v", all)
	}
	// Limit 1.0 (a float-writing client) is Limit 1.
	var one page
	e.get("QueryAppGroupList", url.Values{"Limit": {"1.0"}}).ok().into(&one)
	if len(one.GroupIdList) != 1 || one.Next == 0 {
		t.Fatalf("Limit 1.0: %+v", one)
	}
	// With every group dismissed: nothing, and a count of 0.
	for _, id := range []string{"g0", "g4", "g5", "g6", "late"} {
		e.get("DismissGroup", url.Values{"FromUserId": {"o"}, "GroupId": {id}}).ok()
	}
	var none page
	e.get("QueryAppGroupList", nil).ok().into(&none)
	if none.TotalCount != 0 || none.Next != 0 || none.GroupIdList == nil || len(none.GroupIdList) != 0 {
		t.Fatalf("no live groups: %+v", none)
	}
	e.get("QueryAppGroupList", url.Values{"Limit": {"-1"}}).wantCode(660000002)
	e.get("QueryAppGroupList", url.Values{"Limit": {"1.5"}}).wantCode(660000002)
	e.get("QueryAppGroupList", url.Values{"Next": {"x"}}).wantCode(660000002)
	e.post("QueryAppGroupList", obj{}).wantCode(100000007)
}

func TestQueryGroupsInfoOfUser(t *testing.T) {
	e := setup(t)
	for i := range 3 {
		e.post("CreateGroup", obj{"GroupId": "g" + strconv.Itoa(i), "GroupName": "G" + strconv.Itoa(i), "GroupAvatar": "av" + strconv.Itoa(i), "GroupOwner": "o", "UserId": []string{"a"}}).ok()
	}
	e.group("other", "o")
	type page struct {
		NextRsp         string
		HasJoinGroupNum int64
		GroupInfoList   []struct{ GroupId, GroupName, GroupAvatar string }
	}
	var p1, p2 page
	e.post("QueryGroupsInfoOfUser", obj{"FromUserId": "a", "Limit": 2}).ok().into(&p1)
	if p1.HasJoinGroupNum != 3 || len(p1.GroupInfoList) != 2 || p1.NextRsp == "0" || p1.NextRsp == "" {
		t.Fatalf("page 1 %+v", p1)
	}
	if g := p1.GroupInfoList[0]; g.GroupId != "g0" || g.GroupName != "G0" || g.GroupAvatar != "av0" {
		t.Fatalf("group %+v", g)
	}
	e.post("QueryGroupsInfoOfUser", obj{"FromUserId": "a", "Limit": 2, "Next": p1.NextRsp}).ok().into(&p2)
	if p2.NextRsp != "0" || len(p2.GroupInfoList) != 1 || p2.GroupInfoList[0].GroupId != "g2" {
		t.Fatalf("page 2 %+v", p2)
	}
	var none page
	e.post("QueryGroupsInfoOfUser", obj{"FromUserId": "x", "Limit": 100}).ok().into(&none)
	if none.NextRsp != "0" || none.HasJoinGroupNum != 0 || none.GroupInfoList == nil {
		t.Fatalf("no groups %+v", none)
	}
	tests := []struct {
		name string
		body any
		code int
	}{
		{"LimitZero", obj{"FromUserId": "a", "Limit": 0}, 660000002},
		{"LimitTooBig", obj{"FromUserId": "a", "Limit": 101}, 660000002},
		{"NextNotFlag", obj{"FromUserId": "a", "Limit": 1, "Next": "abc"}, 660000002},
		{"NextNumber", obj{"FromUserId": "a", "Limit": 1, "Next": 3}, 660000002},
		{"Unregistered", obj{"FromUserId": "ghost", "Limit": 1}, 660500002},
		{"NoUser", obj{"Limit": 1}, 660000002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { e.post("QueryGroupsInfoOfUser", tt.body).wantCode(tt.code) })
	}
}
