package zim_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
)

// setup is an env without rate limits where admin, o (owner), a, b, c and x
// are registered.
func setup(t *testing.T, opts ...envOption) *env {
	t.Helper()
	e := newEnv(t, append([]envOption{noLimits}, opts...)...)
	e.register("admin", "o", "a", "b", "c", "x")
	return e
}

func ids(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return out
}

func TestUserRegister(t *testing.T) {
	e := setup(t)
	t.Run("OK", func(t *testing.T) {
		r := e.post("UserRegister", obj{"UserInfo": []obj{{"UserId": "n1", "UserName": "N1"}, {"UserId": "n2"}}}).ok()
		if len(r.errorUsers("ErrorList")) != 0 {
			t.Fatalf("ErrorList %s", r.body)
		}
	})
	t.Run("PartialSuccess", func(t *testing.T) {
		r := e.post("UserRegister", obj{"UserInfo": []obj{
			{"UserId": "a"},
			{"UserId": "n3"},
			{"UserId": strings.Repeat("l", 33)},
			{"UserId": "n4", "UserName": strings.Repeat("x", 257)},
			{"UserId": "n5", "UserAvatar": strings.Repeat("x", 501)},
			{"UserId": "n3"},
			{"UserId": "bad/id"},
		}}).ok()
		want := map[string]int{"a": 660700002, strings.Repeat("l", 33): 660000012, "n4": 660700006, "n5": 660700007, "n3": 660000002, "bad/id": 660000002}
		got := r.errorUsers("ErrorList")
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("ErrorList %v, want %v", got, want)
		}
		list := r.m["ErrorList"].([]any)
		if msg, _ := list[0].(map[string]any)["SubMessage"].(string); msg == "" {
			t.Fatalf("no SubMessage: %s", r.body)
		}
	})
	t.Run("AllExist", func(t *testing.T) {
		r := e.post("UserRegister", obj{"UserInfo": []obj{{"UserId": "a"}, {"UserId": "b"}}}).wantCode(660700002)
		if len(r.errorUsers("ErrorList")) != 2 {
			t.Fatalf("ErrorList %s", r.body)
		}
	})
	t.Run("AllFailMixed", func(t *testing.T) {
		e.post("UserRegister", obj{"UserInfo": []obj{{"UserId": "a"}, {"UserId": strings.Repeat("l", 33)}}}).wantCode(660600033)
	})
	bad := []struct {
		name string
		body any
		code int
	}{
		{"Empty", obj{"UserInfo": []obj{}}, 660000002},
		{"Missing", obj{}, 660000002},
		{"TooMany", obj{"UserInfo": func() []obj {
			out := []obj{}
			for _, id := range ids(101, "m") {
				out = append(out, obj{"UserId": id})
			}
			return out
		}()}, 660000011},
		{"MalformedJSON", `{"UserInfo": [`, 660000002},
		{"WrongType", `{"UserInfo": "a"}`, 660000002},
		{"TrailingGarbage", `{"UserInfo": []} x`, 660000002},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) { e.post("UserRegister", tt.body).wantCode(tt.code) })
	}
	t.Run("WrongMethod", func(t *testing.T) { e.get("UserRegister", nil).wantCode(100000007) })
}

func TestCreateGroup(t *testing.T) {
	e := setup(t)
	t.Run("OK", func(t *testing.T) {
		r := e.post("CreateGroup", obj{
			"GroupId": "g1", "GroupName": "Name", "GroupNotice": "Notice", "GroupAvatar": "https://x/y.png",
			"GroupOwner": "o", "UserId": []string{"o", "a", "b", "a", "ghost"},
			"Attributes": []obj{{"Key": "k1", "Value": "v1"}}, "CreateGroupTime": 0,
		}).ok()
		var resp struct {
			GroupId    string
			Members    []struct{ UserId, UserName string }
			ErrorUsers []struct {
				UserId  string
				SubCode int
			}
		}
		r.into(&resp)
		if resp.GroupId != "g1" || len(resp.Members) != 3 || resp.Members[0].UserId != "o" || resp.Members[1].UserName != "name-a" {
			t.Fatalf("response %s", r.body)
		}
		if len(resp.ErrorUsers) != 1 || resp.ErrorUsers[0].UserId != "ghost" || resp.ErrorUsers[0].SubCode != 660500002 {
			t.Fatalf("ErrorUsers %s", r.body)
		}
		gi := e.info("g1")
		if gi.GroupName != "Name" || gi.GroupNotice != "Notice" || gi.GroupAvatar != "https://x/y.png" || gi.GroupDataSeq != 1 ||
			gi.GroupCreateTime != e.clock.Now().UnixMilli() || len(gi.GroupAttributes) != 1 || gi.LimitInfo.JoinMode != 0 {
			t.Fatalf("info %+v", gi)
		}
		if ml := e.members("g1"); ml.TotalCount != 3 || ml.roles()["o"] != 1 || ml.roles()["a"] != 3 {
			t.Fatalf("members %+v", ml)
		}
	})
	t.Run("ServerPicksHashID", func(t *testing.T) {
		var resp struct{ GroupId string }
		e.post("CreateGroup", obj{"GroupOwner": "o"}).ok().into(&resp)
		if !strings.HasPrefix(resp.GroupId, "#") || len(resp.GroupId) < 2 {
			t.Fatalf("GroupId %q", resp.GroupId)
		}
		e.info(resp.GroupId)
	})
	t.Run("CreateGroupTime", func(t *testing.T) {
		e.post("CreateGroup", obj{"GroupId": "g-old", "GroupOwner": "o", "UserId": []string{"a"}, "CreateGroupTime": 10000}).ok()
		if gi := e.info("g-old"); gi.GroupCreateTime != 10000 {
			t.Fatalf("GroupCreateTime %d", gi.GroupCreateTime)
		}
		ms, err := e.svc.GetMembers(context.Background(), domain.Actor{Admin: true}, "g-old", []string{"a"})
		if err != nil || len(ms) != 1 || ms[0].JoinTime != 10000 {
			t.Fatalf("members %+v %v", ms, err)
		}
	})
	t.Run("UnicodeName", func(t *testing.T) {
		e.post("CreateGroup", obj{"GroupId": "g-zh", "GroupOwner": "o", "GroupName": strings.Repeat("群", 50)}).ok()
	})
	attrs := func(n int) []obj {
		out := []obj{}
		for i := range n {
			out = append(out, obj{"Key": fmt.Sprintf("k%d", i), "Value": "v"})
		}
		return out
	}
	bad := []struct {
		name string
		body any
		code int
	}{
		{"Exists", obj{"GroupId": "g1", "GroupOwner": "o"}, 660600011},
		{"HashPrefix", obj{"GroupId": "#1", "GroupOwner": "o"}, 660000002},
		{"IDTooLong", obj{"GroupId": strings.Repeat("g", 33), "GroupOwner": "o"}, 660000002},
		{"IDChars", obj{"GroupId": "a/b", "GroupOwner": "o"}, 660000002},
		{"NameTooLong", obj{"GroupOwner": "o", "GroupName": strings.Repeat("群", 51)}, 660000002},
		{"NoticeTooLong", obj{"GroupOwner": "o", "GroupNotice": strings.Repeat("n", 301)}, 660000002},
		{"AvatarTooLong", obj{"GroupOwner": "o", "GroupAvatar": strings.Repeat("n", 501)}, 660000002},
		{"OwnerMissing", obj{"GroupId": "g9"}, 660000002},
		{"OwnerTooLong", obj{"GroupOwner": strings.Repeat("o", 33)}, 660000002},
		{"OwnerUnknown", obj{"GroupOwner": "ghost"}, 660600013},
		{"MemberIDTooLong", obj{"GroupOwner": "o", "UserId": []string{strings.Repeat("u", 33)}}, 660000002},
		{"TooManyMembers", obj{"GroupOwner": "o", "UserId": ids(101, "u")}, 660600016},
		{"TooManyAttributes", obj{"GroupOwner": "o", "Attributes": attrs(11)}, 660600019},
		{"AttributeKeyTooLong", obj{"GroupOwner": "o", "Attributes": []obj{{"Key": strings.Repeat("k", 17), "Value": ""}}}, 660600020},
		{"AttributeValueTooLong", obj{"GroupOwner": "o", "Attributes": []obj{{"Key": "k", "Value": strings.Repeat("v", 1025)}}}, 660600020},
		{"AttributeKeyEmpty", obj{"GroupOwner": "o", "Attributes": []obj{{"Key": "", "Value": "v"}}}, 660000002},
		{"AttributeKeyTwice", obj{"GroupOwner": "o", "Attributes": []obj{{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}}}, 660000002},
		{"FutureCreateTime", obj{"GroupOwner": "o", "CreateGroupTime": e.clock.Now().Add(time.Hour).UnixMilli()}, 660000002},
		{"MalformedJSON", `{"GroupOwner": "o"`, 660000002},
		{"WrongType", `{"GroupOwner": 7}`, 660000002},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) { e.post("CreateGroup", tt.body).wantCode(tt.code) })
	}
	t.Run("TenAttributesFit", func(t *testing.T) {
		e.post("CreateGroup", obj{"GroupId": "g10", "GroupOwner": "o", "Attributes": attrs(10)}).ok()
	})
	t.Run("WrongMethod", func(t *testing.T) { e.get("CreateGroup", url.Values{"GroupOwner": {"o"}}).wantCode(100000007) })
}

func TestCreateGroupMemberCountLimit(t *testing.T) {
	e := setup(t, withDomain(func(o *domain.Options) { o.Limits.DefaultMemberCountLimit = 3 }))
	e.post("CreateGroup", obj{"GroupId": "g", "GroupOwner": "o", "UserId": []string{"a", "b", "c"}}).wantCode(660600016)
	e.post("CreateGroup", obj{"GroupId": "g", "GroupOwner": "o", "UserId": []string{"a", "b"}}).ok()
	if gi := e.info("g"); gi.LimitInfo.MemberCountLimit != 3 {
		t.Fatalf("MemberCountLimit %d", gi.LimitInfo.MemberCountLimit)
	}
	e.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": "g", "UserIds": []string{"c"}}).wantCode(660600016)
}

func TestDismissGroup(t *testing.T) {
	e := setup(t)
	e.group("g", "o", "a")
	q := func(from, group string) url.Values { return url.Values{"FromUserId": {from}, "GroupId": {group}} }
	e.get("DismissGroup", q("ghost", "g")).wantCode(660500002)
	e.get("DismissGroup", q("x", "nope")).wantCode(660600001)
	e.get("DismissGroup", url.Values{"FromUserId": {"x"}}).wantCode(660000002)
	e.get("DismissGroup", q("x", strings.Repeat("g", 33))).wantCode(660000002)
	e.post("DismissGroup", obj{"FromUserId": "x", "GroupId": "g"}).wantCode(100000007)
	// Any registered user may dismiss, member or not.
	e.get("DismissGroup", q("x", "g")).ok()
	e.post("QueryGroupInfo", obj{"FromUserId": "admin", "GroupId": "g"}).wantCode(660600001)
	e.post("QueryGroupMemberList", obj{"GroupId": "g"}).wantCode(660600001)
	e.get("DismissGroup", q("x", "g")).wantCode(660600001)
	var joined struct{ HasJoinGroupNum int64 }
	e.post("QueryGroupsInfoOfUser", obj{"FromUserId": "a", "Limit": 10}).ok().into(&joined)
	if joined.HasJoinGroupNum != 0 {
		t.Fatalf("a still in %d groups", joined.HasJoinGroupNum)
	}
}

func TestInviteUsersIntoGroup(t *testing.T) {
	e := setup(t)
	e.group("g", "o", "a")
	t.Run("PartialSuccess", func(t *testing.T) {
		r := e.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": "g", "UserIds": []string{"o", "a", "b", "b", "ghost"}}).ok()
		if got := r.errorUsers("ErrorUsers"); len(got) != 1 || got["ghost"] != 660500002 {
			t.Fatalf("ErrorUsers %v", got)
		}
		if ml := e.members("g"); ml.TotalCount != 3 || ml.roles()["b"] != 3 {
			t.Fatalf("members %+v", ml)
		}
	})
	t.Run("GroupMemberInfos", func(t *testing.T) {
		e.post("InviteUsersIntoGroup", obj{"FromUserId": "x", "GroupId": "g", "UserIds": []string{"ignored"},
			"GroupMemberInfos": []obj{{"UserId": "c", "EnterGroupTime": 123, "IsInvite": 0}}}).ok()
		ms, err := e.svc.GetMembers(context.Background(), domain.Actor{Admin: true}, "g", []string{"c"})
		if err != nil || len(ms) != 1 || ms[0].JoinTime != 123 {
			t.Fatalf("c: %+v %v", ms, err)
		}
	})
	t.Run("AllFailed", func(t *testing.T) {
		r := e.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": "g", "UserIds": []string{"ghost1", "ghost2"}}).wantCode(660500002)
		if len(r.errorUsers("ErrorUsers")) != 2 {
			t.Fatalf("ErrorUsers %s", r.body)
		}
	})
	t.Run("OnlyMembersAndSelf", func(t *testing.T) {
		r := e.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": "g", "UserIds": []string{"o", "a"}}).ok()
		if len(r.errorUsers("ErrorUsers")) != 0 {
			t.Fatalf("ErrorUsers %s", r.body)
		}
	})
	bad := []struct {
		name string
		body any
		code int
	}{
		{"NoUsers", obj{"FromUserId": "o", "GroupId": "g"}, 660000002},
		{"TooMany", obj{"FromUserId": "o", "GroupId": "g", "UserIds": ids(101, "u")}, 660000011},
		{"UserIDTooLong", obj{"FromUserId": "o", "GroupId": "g", "UserIds": []string{strings.Repeat("u", 33)}}, 660000002},
		{"FutureEnterTime", obj{"FromUserId": "o", "GroupId": "g", "GroupMemberInfos": []obj{{"UserId": "x", "EnterGroupTime": e.clock.Now().Add(time.Minute).UnixMilli()}}}, 660000002},
		{"BadIsInvite", obj{"FromUserId": "o", "GroupId": "g", "GroupMemberInfos": []obj{{"UserId": "x", "IsInvite": 2}}}, 660000002},
		{"UnknownOperator", obj{"FromUserId": "ghost", "GroupId": "g", "UserIds": []string{"x"}}, 660500002},
		{"UnknownGroup", obj{"FromUserId": "o", "GroupId": "nope", "UserIds": []string{"x"}}, 660600001},
		{"NoGroup", obj{"FromUserId": "o", "UserIds": []string{"x"}}, 660000002},
		{"Malformed", `{"FromUserId":`, 660000002},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) { e.post("InviteUsersIntoGroup", tt.body).wantCode(tt.code) })
	}
}

func TestKickoutGroupUser(t *testing.T) {
	e := setup(t)
	e.group("g", "o", "a", "b", "c")
	t.Run("PartialSuccess", func(t *testing.T) {
		r := e.post("KickoutGroupUser", obj{"FromUserId": "x", "GroupId": "g", "UserId": []string{"c", "x", "ghost"}, "CustomReason": "spam"}).ok()
		if got := r.errorUsers("ErrorList"); len(got) != 2 || got["x"] != 660600008 || got["ghost"] != 660600008 {
			t.Fatalf("ErrorList %v", got)
		}
		if ml := e.members("g"); ml.TotalCount != 3 {
			t.Fatalf("members %+v", ml)
		}
	})
	t.Run("AllFailed", func(t *testing.T) {
		e.post("KickoutGroupUser", obj{"FromUserId": "o", "GroupId": "g", "UserId": []string{"x", "c"}}).wantCode(660600008)
	})
	t.Run("OwnerPassesToFirstMember", func(t *testing.T) {
		seq := e.info("g").GroupDataSeq
		e.post("KickoutGroupUser", obj{"FromUserId": "o", "GroupId": "g", "UserId": []string{"o"}}).ok()
		ml := e.members("g")
		if ml.TotalCount != 2 || ml.roles()["a"] != 1 || ml.roles()["b"] != 3 {
			t.Fatalf("members %+v", ml)
		}
		if gi := e.info("g"); gi.GroupDataSeq != seq+1 {
			t.Fatalf("GroupDataSeq %d, want %d", gi.GroupDataSeq, seq+1)
		}
	})
	t.Run("LastOwnerStays", func(t *testing.T) {
		e.group("solo", "o")
		e.post("KickoutGroupUser", obj{"FromUserId": "o", "GroupId": "solo", "UserId": []string{"o"}}).wantCode(660600032)
	})
	bad := []struct {
		name string
		body any
		code int
	}{
		{"NoUsers", obj{"FromUserId": "o", "GroupId": "g"}, 660000002},
		{"TooMany", obj{"FromUserId": "o", "GroupId": "g", "UserId": ids(51, "u")}, 660000011},
		{"ReasonTooLong", obj{"FromUserId": "o", "GroupId": "g", "UserId": []string{"b"}, "CustomReason": strings.Repeat("r", 33)}, 660000002},
		{"UnknownOperator", obj{"FromUserId": "ghost", "GroupId": "g", "UserId": []string{"b"}}, 660500002},
		{"UnknownGroup", obj{"FromUserId": "o", "GroupId": "nope", "UserId": []string{"b"}}, 660600001},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) { e.post("KickoutGroupUser", tt.body).wantCode(tt.code) })
	}
}

func TestTransferGroupOwner(t *testing.T) {
	e := setup(t)
	e.group("g", "o", "a", "b")
	q := func(from, group, to string) url.Values {
		return url.Values{"FromUserId": {from}, "GroupId": {group}, "NewOwner": {to}}
	}
	e.get("SetGroupMemberRole", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "ToUserId": {"a"}, "Role": {"2"}}).ok()
	e.get("TransferGroupOwner", q("o", "g", "a")).ok()
	if r := e.members("g").roles(); r["a"] != 1 || r["o"] != 2 {
		t.Fatalf("roles %v", r)
	}
	if gi := e.info("g"); gi.GroupDataSeq != 2 {
		t.Fatalf("GroupDataSeq %d, want 2", gi.GroupDataSeq)
	}
	e.get("TransferGroupOwner", q("o", "g", "x")).wantCode(660600024)
	e.get("TransferGroupOwner", q("o", "g", "ghost")).wantCode(660600024)
	e.get("TransferGroupOwner", q("ghost", "g", "b")).wantCode(660500002)
	e.get("TransferGroupOwner", q("o", "nope", "b")).wantCode(660600001)
	e.get("TransferGroupOwner", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}}).wantCode(660000002)
	e.post("TransferGroupOwner", obj{}).wantCode(100000007)
}

func TestUpdateGroupData(t *testing.T) {
	e := setup(t)
	e.post("CreateGroup", obj{"GroupId": "g", "GroupOwner": "o", "GroupName": "n", "GroupNotice": "notice", "GroupAvatar": "av"}).ok()
	e.post("UpdateGroupData", obj{"FromUserId": "a", "GroupId": "g", "GroupName": "new"}).ok()
	gi := e.info("g")
	if gi.GroupName != "new" || gi.GroupNotice != "notice" || gi.GroupAvatar != "av" || gi.GroupDataSeq != 2 {
		t.Fatalf("info %+v", gi)
	}
	// "" clears; an omitted field stays; null counts as omitted.
	e.post("UpdateGroupData", `{"FromUserId":"o","GroupId":"g","GroupNotice":"","GroupAvatar":null}`).ok()
	gi = e.info("g")
	if gi.GroupName != "new" || gi.GroupNotice != "" || gi.GroupAvatar != "av" || gi.GroupDataSeq != 3 {
		t.Fatalf("info %+v", gi)
	}
	// Setting the same values changes nothing.
	e.post("UpdateGroupData", obj{"FromUserId": "o", "GroupId": "g", "GroupName": "new"}).ok()
	if gi = e.info("g"); gi.GroupDataSeq != 3 {
		t.Fatalf("GroupDataSeq %d after a no-op", gi.GroupDataSeq)
	}
	bad := []struct {
		name string
		body any
		code int
	}{
		{"NothingToSet", obj{"FromUserId": "o", "GroupId": "g"}, 660000002},
		{"NameTooLong", obj{"FromUserId": "o", "GroupId": "g", "GroupName": strings.Repeat("n", 51)}, 660000002},
		{"NoticeTooLong", obj{"FromUserId": "o", "GroupId": "g", "GroupNotice": strings.Repeat("n", 301)}, 660000002},
		{"AvatarTooLong", obj{"FromUserId": "o", "GroupId": "g", "GroupAvatar": strings.Repeat("n", 501)}, 660000002},
		{"UnknownOperator", obj{"FromUserId": "ghost", "GroupId": "g", "GroupName": "z"}, 660500002},
		{"OperatorMissing", obj{"GroupId": "g", "GroupName": "z"}, 660000002},
		{"UnknownGroup", obj{"FromUserId": "o", "GroupId": "nope", "GroupName": "z"}, 660600001},
		{"WrongType", `{"FromUserId":"o","GroupId":"g","GroupName":5}`, 660000002},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) { e.post("UpdateGroupData", tt.body).wantCode(tt.code) })
	}
}

func TestModifyGroupAttribute(t *testing.T) {
	e := setup(t)
	e.group("g", "o")
	r := e.post("ModifyGroupAttribute", obj{"Action": 0, "FromUserId": "o", "GroupId": "g",
		"Attributes": []obj{{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": ""}}}).ok()
	var resp struct {
		FailKeys   []struct{ Key, Reason string }
		Attributes struct{ Attributes []struct{ Key, Value string } }
	}
	r.into(&resp)
	if len(resp.FailKeys) != 0 || len(resp.Attributes.Attributes) != 2 {
		t.Fatalf("response %s", r.body)
	}
	gi := e.info("g")
	if len(gi.GroupAttributes) != 2 || gi.GroupAttributes[0].Key != "k1" || gi.GroupAttributes[0].Value != "v1" || gi.GroupDataSeq != 2 {
		t.Fatalf("info %+v", gi)
	}
	r = e.post("ModifyGroupAttribute", obj{"Action": 1, "FromUserId": "x", "GroupId": "g", "Attributes": []obj{{"Key": "k1"}, {"Key": "nope"}}}).ok()
	resp.FailKeys, resp.Attributes.Attributes = nil, nil
	r.into(&resp)
	if len(resp.FailKeys) != 1 || resp.FailKeys[0].Key != "nope" || resp.FailKeys[0].Reason == "" ||
		len(resp.Attributes.Attributes) != 1 || resp.Attributes.Attributes[0].Value != "v1" {
		t.Fatalf("response %s", r.body)
	}
	if gi = e.info("g"); len(gi.GroupAttributes) != 1 || gi.GroupDataSeq != 3 {
		t.Fatalf("info %+v", gi)
	}
	// Nine more fit (ten in all); the eleventh does not.
	nine := []obj{}
	for i := range 9 {
		nine = append(nine, obj{"Key": fmt.Sprintf("n%d", i), "Value": "v"})
	}
	e.post("ModifyGroupAttribute", obj{"FromUserId": "o", "GroupId": "g", "Attributes": nine}).ok()
	e.post("ModifyGroupAttribute", obj{"FromUserId": "o", "GroupId": "g", "Attributes": []obj{{"Key": "eleven", "Value": "v"}}}).wantCode(660600019)
	bad := []struct {
		name string
		body any
		code int
	}{
		{"BadAction", obj{"Action": 2, "FromUserId": "o", "GroupId": "g", "Attributes": []obj{{"Key": "k"}}}, 660000002},
		{"NoAttributes", obj{"FromUserId": "o", "GroupId": "g"}, 660000002},
		{"KeyTooLong", obj{"FromUserId": "o", "GroupId": "g", "Attributes": []obj{{"Key": strings.Repeat("k", 17), "Value": ""}}}, 660600020},
		{"ValueTooLong", obj{"FromUserId": "o", "GroupId": "g", "Attributes": []obj{{"Key": "k", "Value": strings.Repeat("v", 1025)}}}, 660600020},
		{"UnknownOperator", obj{"FromUserId": "ghost", "GroupId": "g", "Attributes": []obj{{"Key": "k"}}}, 660500002},
		{"UnknownGroup", obj{"FromUserId": "o", "GroupId": "nope", "Attributes": []obj{{"Key": "k"}}}, 660600001},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) { e.post("ModifyGroupAttribute", tt.body).wantCode(tt.code) })
	}
}

func TestQueryGroupInfoCodes(t *testing.T) {
	e := setup(t)
	e.group("g", "o")
	// Any registered user may read a group, member or not.
	e.post("QueryGroupInfo", obj{"FromUserId": "x", "GroupId": "g"}).ok()
	e.post("QueryGroupInfo", obj{"FromUserId": "ghost", "GroupId": "g"}).wantCode(660500002)
	e.post("QueryGroupInfo", obj{"FromUserId": "x", "GroupId": "nope"}).wantCode(660600001)
	e.post("QueryGroupInfo", obj{"FromUserId": "x"}).wantCode(660000002)
	e.post("QueryGroupInfo", obj{"FromUserId": strings.Repeat("x", 33), "GroupId": "g"}).wantCode(660000002)
	e.post("QueryGroupInfo", "").wantCode(660000002)
	e.post("QueryGroupInfo", "[1,2]").wantCode(660000002)
}

func TestQueryGroupMemberList(t *testing.T) {
	e := setup(t)
	e.group("g", "o", "a", "b", "c")
	e.get("SetGroupMemberRole", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "ToUserId": {"a"}, "Role": {"2"}}).ok()
	e.get("SetGroupMemberRole", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "ToUserId": {"b"}, "Role": {"150"}}).ok()
	e.post("SetGroupMembersNickname", obj{"FromUserId": "o", "GroupId": "g", "UserIds": []obj{{"UserId": "c", "Nickname": "C!"}}}).ok()
	ml := e.members("g")
	if ml.TotalCount != 4 || ml.Next != 0 || len(ml.MemberList) != 4 {
		t.Fatalf("list %+v", ml)
	}
	want := []struct {
		id, name, nick string
		role           int
	}{{"o", "name-o", "", 1}, {"a", "name-a", "", 2}, {"b", "name-b", "", 150}, {"c", "name-c", "C!", 3}}
	for i, w := range want {
		m := ml.MemberList[i]
		if m.UserId != w.id || m.UserName != w.name || m.UserNickName != w.nick || m.Role != w.role {
			t.Fatalf("member %d = %+v, want %+v", i, m, w)
		}
	}
	e.post("QueryGroupMemberList", obj{"GroupId": "nope"}).wantCode(660600001)
	e.post("QueryGroupMemberList", obj{}).wantCode(660000002)
	e.post("QueryGroupMemberList", obj{"GroupId": "g", "Limit": -1}).wantCode(660000002)
	e.post("QueryGroupMemberList", obj{"GroupId": "g", "Next": -1}).wantCode(660000002)
	e.post("QueryGroupMemberList", obj{"GroupId": "g", "Limit": "10"}).wantCode(660000002)
}

func TestSetGroupMemberRole(t *testing.T) {
	e := setup(t)
	e.group("g", "o", "a")
	q := func(from, to, role string) url.Values {
		return url.Values{"FromUserId": {from}, "GroupId": {"g"}, "ToUserId": {to}, "Role": {role}}
	}
	for _, step := range []struct {
		role string
		want int
	}{{"2", 2}, {"3", 3}, {"150", 150}, {"50", 50}, {"4", 4}, {"3", 3}, {"2.0", 2}, {"1e2", 100}, {"2", 2}} {
		e.get("SetGroupMemberRole", q("x", "a", step.role)).ok()
		if got := e.members("g").roles()["a"]; got != step.want {
			t.Fatalf("role %s: got %d", step.role, got)
		}
	}
	tests := []struct {
		name   string
		params url.Values
		code   int
	}{
		{"RoleOne", q("o", "a", "1"), 660600029},
		{"FromIsTo", q("a", "a", "3"), 660600030},
		{"NotInGroup", q("o", "x", "2"), 660600024},
		{"Unregistered", q("o", "ghost", "2"), 660600024},
		{"OwnersRole", q("a", "o", "2"), 660600032},
		{"RoleZero", q("o", "a", "0"), 660000002},
		{"RoleNegative", q("o", "a", "-5"), 660000002},
		{"RoleFraction", q("o", "a", "2.5"), 660000002},
		{"RoleTooBig", q("o", "a", "2147483648"), 660000002},
		{"RoleNotNumber", q("o", "a", "admin"), 660000002},
		{"RoleMissing", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "ToUserId": {"a"}}, 660000002},
		{"UnknownOperator", q("ghost", "a", "2"), 660500002},
		{"UnknownGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"nope"}, "ToUserId": {"a"}, "Role": {"2"}}, 660600001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { e.get("SetGroupMemberRole", tt.params).wantCode(tt.code) })
	}
}

func TestSetGroupMembersNickname(t *testing.T) {
	e := setup(t)
	e.group("g", "o", "a", "b")
	r := e.post("SetGroupMembersNickname", obj{"FromUserId": "x", "GroupId": "g",
		"UserIds": []obj{{"UserId": "a", "Nickname": "Alpha"}, {"UserId": "x", "Nickname": "nope"}, {"UserId": "o", "Nickname": "Boss"}}}).ok()
	if got := r.errorUsers("ErrorUsers"); len(got) != 1 || got["x"] != 660600024 {
		t.Fatalf("ErrorUsers %v", got)
	}
	for _, m := range e.members("g").MemberList {
		want := map[string]string{"o": "Boss", "a": "Alpha", "b": ""}[m.UserId]
		if m.UserNickName != want {
			t.Fatalf("%s nickname %q, want %q", m.UserId, m.UserNickName, want)
		}
	}
	r = e.post("SetGroupMembersNickname", obj{"FromUserId": "o", "GroupId": "g", "UserIds": []obj{{"UserId": "x", "Nickname": "n"}, {"UserId": "c", "Nickname": "n"}}})
	r.wantCode(660600024)
	if len(r.errorUsers("ErrorUsers")) != 2 {
		t.Fatalf("ErrorUsers %s", r.body)
	}
	many := []obj{}
	for _, id := range ids(21, "u") {
		many = append(many, obj{"UserId": id, "Nickname": "n"})
	}
	bad := []struct {
		name string
		body any
		code int
	}{
		{"TooMany", obj{"FromUserId": "o", "GroupId": "g", "UserIds": many}, 660000011},
		{"NicknameTooLong", obj{"FromUserId": "o", "GroupId": "g", "UserIds": []obj{{"UserId": "a", "Nickname": strings.Repeat("n", 257)}}}, 660000002},
		{"NoUsers", obj{"FromUserId": "o", "GroupId": "g"}, 660000002},
		{"UnknownOperator", obj{"FromUserId": "ghost", "GroupId": "g", "UserIds": []obj{{"UserId": "a", "Nickname": "n"}}}, 660500002},
		{"UnknownGroup", obj{"FromUserId": "o", "GroupId": "nope", "UserIds": []obj{{"UserId": "a", "Nickname": "n"}}}, 660600001},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) { e.post("SetGroupMembersNickname", tt.body).wantCode(tt.code) })
	}
}

func TestModifyGroupLimit(t *testing.T) {
	e := setup(t)
	e.group("g", "o", "a")
	e.get("ModifyGroupLimit", url.Values{"FromUserId": {"x"}, "GroupId": {"g"}, "JoinMode": {"2"}, "InviteMode": {"1"}, "BeInvitedMode": {"1"}, "MemberCountLimit": {"100"}}).ok()
	gi := e.info("g")
	if l := gi.LimitInfo; l.JoinMode != 2 || l.InviteMode != 1 || l.BeInvitedMode != 1 || l.MemberCountLimit != 100 || gi.GroupDataSeq != 2 {
		t.Fatalf("info %+v", gi)
	}
	// Only the parameters in the URL change; one present without a value is 0.
	e.get("ModifyGroupLimit", url.Values{"FromUserId": {"x"}, "GroupId": {"g"}, "InviteMode": {""}}).ok()
	if l := e.info("g").LimitInfo; l.JoinMode != 2 || l.InviteMode != 0 || l.BeInvitedMode != 1 || l.MemberCountLimit != 100 {
		t.Fatalf("LimitInfo %+v", l)
	}
	// JoinMode 1 keeps OpenIM's "everything needs approval" (needVerification 1).
	one := domain.VerifyAllNeedApproval
	if err := e.svc.UpdateGroup(context.Background(), domain.Actor{Admin: true}, "g", domain.GroupPatch{NeedVerification: &one}); err != nil {
		t.Fatal(err)
	}
	e.get("ModifyGroupLimit", url.Values{"FromUserId": {"x"}, "GroupId": {"g"}, "JoinMode": {"1"}}).ok()
	if g, _ := e.svc.GetGroup(context.Background(), domain.Actor{Admin: true}, "g"); g.NeedVerification != domain.VerifyAllNeedApproval {
		t.Fatalf("NeedVerification %d", g.NeedVerification)
	}
	e.get("ModifyGroupLimit", url.Values{"FromUserId": {"x"}, "GroupId": {"g"}, "JoinMode": {"0"}}).ok()
	if g, _ := e.svc.GetGroup(context.Background(), domain.Actor{Admin: true}, "g"); g.NeedVerification != domain.VerifyDirect {
		t.Fatalf("NeedVerification %d", g.NeedVerification)
	}
	tests := []struct {
		name   string
		params url.Values
		code   int
	}{
		{"JoinMode3", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "JoinMode": {"3"}}, 660000002},
		{"InviteMode2", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "InviteMode": {"2"}}, 660000002},
		{"BeInvitedModeNeg", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "BeInvitedMode": {"-1"}}, 660000002},
		{"LimitNegative", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "MemberCountLimit": {"-1"}}, 660000002},
		{"LimitNotNumber", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "MemberCountLimit": {"many"}}, 660000002},
		{"UnknownOperator", url.Values{"FromUserId": {"ghost"}, "GroupId": {"g"}, "JoinMode": {"1"}}, 660500002},
		{"UnknownGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"nope"}, "JoinMode": {"1"}}, 660600001},
		{"UnknownGroupNoChange", url.Values{"FromUserId": {"o"}, "GroupId": {"nope"}}, 660600001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { e.get("ModifyGroupLimit", tt.params).wantCode(tt.code) })
	}
}
