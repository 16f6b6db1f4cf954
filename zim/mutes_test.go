package zim_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
)

func TestMuteGroup(t *testing.T) {
	e := setup(t)
	e.group("g", "o", "a", "b")
	e.get("SetGroupMemberRole", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "ToUserId": {"a"}, "Role": {"2"}}).ok()
	mute := func(from string, params url.Values) *result {
		params.Set("FromUserId", from)
		params.Set("GroupId", "g")
		return e.get("MuteGroup", params)
	}
	seq := e.info("g").GroupDataSeq

	// All members for 60 s: IsAllForbid until the end, then nothing.
	mute("o", url.Values{"IsAllMuted": {"true"}, "MuteRoleList[]": {"2"}, "Duration": {"60"}}).ok()
	gi := e.info("g")
	if !gi.IsAllForbid || len(gi.ForbidList) != 0 || gi.ForbidExpireTime != e.clock.Now().Add(time.Minute).UnixMilli() || gi.GroupDataSeq != seq+1 {
		t.Fatalf("info %+v", gi)
	}
	e.clock.Advance(61 * time.Second)
	if gi = e.info("g"); gi.IsAllForbid || gi.ForbidExpireTime != 0 {
		t.Fatalf("after expiry %+v", gi)
	}

	// Roles forever: ForbidList, ForbidExpireTime -1, never IsAllForbid too.
	mute("a", url.Values{"MuteRoleList[]": {"3", "150", "3"}, "Duration": {"-1"}}).ok()
	gi = e.info("g")
	if gi.IsAllForbid || len(gi.ForbidList) != 2 || gi.ForbidList[0] != 3 || gi.ForbidList[1] != 150 || gi.ForbidExpireTime != -1 {
		t.Fatalf("roles %+v", gi)
	}

	// Duration 0 (or nothing at all) cancels.
	mute("o", url.Values{}).ok()
	if gi = e.info("g"); gi.IsAllForbid || len(gi.ForbidList) != 0 || gi.ForbidExpireTime != 0 {
		t.Fatalf("cancelled %+v", gi)
	}

	tests := []struct {
		name   string
		from   string
		params url.Values
		code   int
	}{
		{"OrdinaryMember", "b", url.Values{"IsAllMuted": {"true"}, "Duration": {"-1"}}, 660600032},
		{"NotInGroup", "x", url.Values{"IsAllMuted": {"true"}, "Duration": {"-1"}}, 660600024},
		{"AdminMutesOwnerRole", "a", url.Values{"MuteRoleList[]": {"1"}, "Duration": {"-1"}}, 660600032},
		{"Unregistered", "ghost", url.Values{"IsAllMuted": {"true"}, "Duration": {"-1"}}, 660500002},
		{"DurationTooLong", "o", url.Values{"IsAllMuted": {"true"}, "Duration": {"2592001"}}, 660000002},
		{"DurationNegative", "o", url.Values{"IsAllMuted": {"true"}, "Duration": {"-2"}}, 660000002},
		{"DurationNotNumber", "o", url.Values{"IsAllMuted": {"true"}, "Duration": {"1h"}}, 660000002},
		{"IsAllMutedNotBool", "o", url.Values{"IsAllMuted": {"yes"}, "Duration": {"5"}}, 660000002},
		{"TooManyRoles", "o", url.Values{"MuteRoleList[]": {"3", "100", "101", "102", "103", "104", "105", "106", "107", "108", "109", "110", "111", "112", "113", "114", "115", "116", "117", "118", "119"}, "Duration": {"5"}}, 660000002},
		{"RoleZero", "o", url.Values{"MuteRoleList[]": {"0"}, "Duration": {"5"}}, 660000002},
		{"RoleNegative", "o", url.Values{"MuteRoleList[]": {"-50"}, "Duration": {"5"}}, 660000002},
		{"RoleFraction", "o", url.Values{"MuteRoleList[]": {"50.5"}, "Duration": {"5"}}, 660000002},
		{"RoleNotNumber", "o", url.Values{"MuteRoleList[]": {"x"}, "Duration": {"5"}}, 660000002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { mute(tt.from, tt.params).wantCode(tt.code) })
	}
	e.get("MuteGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"nope"}, "Duration": {"-1"}, "IsAllMuted": {"1"}}).wantCode(660600001)
	e.get("MuteGroup", url.Values{"FromUserId": {"o"}, "Duration": {"-1"}}).wantCode(660000002)
	// Thirty days is the longest mute.
	mute("o", url.Values{"IsAllMuted": {"true"}, "Duration": {"2592000"}}).ok()
}

func TestMuteGroupMembers(t *testing.T) {
	e := setup(t)
	e.group("g", "o", "a", "b", "c")
	e.get("SetGroupMemberRole", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "ToUserId": {"a"}, "Role": {"2"}}).ok()
	muteEnd := func(id string) int64 {
		t.Helper()
		ms, err := e.svc.GetMembers(context.Background(), domain.Actor{Admin: true}, "g", []string{id})
		if err != nil || len(ms) != 1 {
			t.Fatalf("member %s: %v", id, err)
		}
		return ms[0].MuteEndTime
	}
	mute := func(from string, d string, users ...string) *result {
		return e.get("MuteGroupMembers", url.Values{"FromUserId": {from}, "GroupId": {"g"}, "UserIds[]": users, "Duration": {d}})
	}
	seq := e.info("g").GroupDataSeq
	r := mute("o", "60", "a", "b", "x", "b").ok()
	if got := r.errorUsers("ErrorUsers"); len(got) != 1 || got["x"] != 660600024 {
		t.Fatalf("ErrorUsers %v", got)
	}
	if want := e.clock.Now().Add(time.Minute).UnixMilli(); muteEnd("a") != want || muteEnd("b") != want {
		t.Fatalf("mute ends %d %d, want %d", muteEnd("a"), muteEnd("b"), want)
	}
	mute("o", "-1", "c").ok()
	if muteEnd("c") != domain.MuteForever {
		t.Fatalf("forever = %d", muteEnd("c"))
	}
	mute("o", "0", "c").ok()
	if muteEnd("c") != 0 {
		t.Fatalf("unmuted = %d", muteEnd("c"))
	}
	if gi := e.info("g"); gi.GroupDataSeq != seq {
		t.Fatalf("member mutes changed GroupDataSeq %d → %d", seq, gi.GroupDataSeq)
	}
	// An admin mutes ordinary members only; when every user fails: 660600033.
	r = mute("a", "60", "o", "a").wantCode(660600033)
	if got := r.errorUsers("ErrorUsers"); got["o"] != 660600032 || got["a"] != 660600032 {
		t.Fatalf("ErrorUsers %v", got)
	}
	mute("a", "60", "c").ok()
	mute("b", "60", "c").wantCode(660600032)
	mute("x", "60", "c").wantCode(660600024)
	mute("ghost", "60", "c").wantCode(660500002)
	mute("o", "2592001", "c").wantCode(660000002)
	mute("o", "60").wantCode(660000002)
	many := make([]string, 21)
	for i := range many {
		many[i] = "u" + strconv.Itoa(i)
	}
	mute("o", "60", many...).wantCode(660000011)
	e.get("MuteGroupMembers", url.Values{"FromUserId": {"o"}, "GroupId": {"nope"}, "UserIds[]": {"a"}, "Duration": {"5"}}).wantCode(660600001)
	e.post("MuteGroupMembers", obj{}).wantCode(100000007)
}

func TestFetchForbidGroupList(t *testing.T) {
	e := setup(t)
	for _, g := range []string{"all", "roles", "none", "member", "expired", "dismissed"} {
		e.group(g, "o", "a", "b")
	}
	e.get("MuteGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"all"}, "IsAllMuted": {"true"}, "Duration": {"-1"}}).ok()
	e.get("MuteGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"roles"}, "MuteRoleList[]": {"3"}, "Duration": {"600"}}).ok()
	e.get("MuteGroupMembers", url.Values{"FromUserId": {"o"}, "GroupId": {"roles"}, "UserIds[]": {"a"}, "Duration": {"-1"}}).ok()
	e.get("MuteGroupMembers", url.Values{"FromUserId": {"o"}, "GroupId": {"member"}, "UserIds[]": {"b"}, "Duration": {"600"}}).ok()
	e.get("MuteGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"expired"}, "IsAllMuted": {"true"}, "Duration": {"1"}}).ok()
	e.get("MuteGroupMembers", url.Values{"FromUserId": {"o"}, "GroupId": {"expired"}, "UserIds[]": {"b"}, "Duration": {"1"}}).ok()
	e.get("MuteGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"dismissed"}, "IsAllMuted": {"true"}, "Duration": {"-1"}}).ok()
	e.get("DismissGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"dismissed"}}).ok()
	e.clock.Advance(2 * time.Second)

	var resp struct {
		FetchEnd  int
		NextFlag  int64
		GroupList []struct {
			GroupId    string
			ForbidType int
		}
	}
	e.post("FetchForbidGroupList", obj{"FromUserId": "x", "StartFlag": 0}).ok().into(&resp)
	got := map[string]int{}
	for _, g := range resp.GroupList {
		got[g.GroupId] = g.ForbidType
	}
	want := map[string]int{"all": 1, "roles": 2 | 4, "member": 4}
	if resp.FetchEnd != 1 || resp.NextFlag != 0 || len(got) != len(want) {
		t.Fatalf("response %+v", resp)
	}
	for id, ft := range want {
		if got[id] != ft {
			t.Fatalf("ForbidType of %s = %d, want %d (all: %v)", id, got[id], ft, got)
		}
	}
	e.post("FetchForbidGroupList", obj{"FromUserId": "ghost", "StartFlag": 0}).wantCode(660500002)
	e.post("FetchForbidGroupList", obj{"FromUserId": "x", "StartFlag": -1}).wantCode(660000002)
	e.post("FetchForbidGroupList", obj{"StartFlag": 0}).wantCode(660000002)

	// The domain scan pages by window: every muted group exactly once.
	seen := map[string]int{}
	var after int64
	for range 10 {
		page, err := e.svc.MutedGroupsAfter(context.Background(), domain.Actor{Admin: true}, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range page.Groups {
			seen[st.Group.GroupID]++
		}
		if after = page.Next; after == 0 {
			break
		}
	}
	if len(seen) != 3 || seen["all"] != 1 || seen["roles"] != 1 || seen["member"] != 1 {
		t.Fatalf("windows saw %v", seen)
	}
}
