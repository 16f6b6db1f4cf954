package zim_test

import (
	"net/url"
	"testing"
)

// GroupDataSeq rises by exactly one on every change of the group's own data
// and not on membership changes.
func TestGroupDataSeq(t *testing.T) {
	e := setup(t)
	e.group("g", "o", "a", "b")
	steps := []struct {
		name string
		call func() *result
		rise int64
	}{
		{"UpdateGroupData", func() *result {
			return e.post("UpdateGroupData", obj{"FromUserId": "o", "GroupId": "g", "GroupNotice": "hello"})
		}, 1},
		{"ModifyGroupAttribute", func() *result {
			return e.post("ModifyGroupAttribute", obj{"FromUserId": "o", "GroupId": "g", "Attributes": []obj{{"Key": "k", "Value": "v"}}})
		}, 1},
		{"ModifyGroupLimit", func() *result {
			return e.get("ModifyGroupLimit", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "JoinMode": {"1"}})
		}, 1},
		{"MuteGroup", func() *result {
			return e.get("MuteGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "IsAllMuted": {"true"}, "Duration": {"60"}})
		}, 1},
		{"TransferGroupOwner", func() *result {
			return e.get("TransferGroupOwner", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "NewOwner": {"a"}})
		}, 1},
		{"KickOwner", func() *result {
			return e.post("KickoutGroupUser", obj{"FromUserId": "o", "GroupId": "g", "UserId": []string{"a"}})
		}, 1},
		{"InviteUsersIntoGroup", func() *result {
			return e.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": "g", "UserIds": []string{"c"}})
		}, 0},
		{"KickMember", func() *result {
			return e.post("KickoutGroupUser", obj{"FromUserId": "o", "GroupId": "g", "UserId": []string{"c"}})
		}, 0},
		{"MuteGroupMembers", func() *result {
			return e.get("MuteGroupMembers", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "UserIds[]": {"b"}, "Duration": {"60"}})
		}, 0},
		{"SetGroupMemberRole", func() *result {
			return e.get("SetGroupMemberRole", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "ToUserId": {"b"}, "Role": {"2"}})
		}, 0},
		{"SetGroupMembersNickname", func() *result {
			return e.post("SetGroupMembersNickname", obj{"FromUserId": "o", "GroupId": "g", "UserIds": []obj{{"UserId": "b", "Nickname": "B"}}})
		}, 0},
		{"QueryGroupInfo", func() *result { return e.post("QueryGroupInfo", obj{"FromUserId": "o", "GroupId": "g"}) }, 0},
	}
	seq := e.info("g").GroupDataSeq
	if seq != 1 {
		t.Fatalf("new group GroupDataSeq %d", seq)
	}
	for _, st := range steps {
		st.call().ok()
		got := e.info("g").GroupDataSeq
		if got != seq+st.rise {
			t.Fatalf("%s: GroupDataSeq %d → %d, want +%d", st.name, seq, got, st.rise)
		}
		seq = got
	}
}
