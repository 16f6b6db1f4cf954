package zim_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
)

// Clients whose JSON encoders write integers as floats (Python, PHP,
// Jackson) are understood wherever the reference types a field as a number:
// 2.0 and 1.0e2 are integers, 2.5 is a parameter error.
func TestIntegralFloatsInBodies(t *testing.T) {
	e := setup(t)
	e.group("g", "o", "a", "b", "c")
	past := e.clock.Now().Add(-time.Hour).UnixMilli()
	tests := []struct {
		name, action string
		body         string // %v is replaced by the number
		ok, fraction string
		check        func(t *testing.T, r *result)
	}{
		{"MemberListLimit", "QueryGroupMemberList", `{"GroupId":"g","Limit":%v,"Next":0.0}`, "2.0", "2.5", func(t *testing.T, r *result) {
			var ml memberList
			r.into(&ml)
			if len(ml.MemberList) != 2 || ml.Next == 0 {
				t.Fatalf("page %+v", ml)
			}
		}},
		{"MemberListExponent", "QueryGroupMemberList", `{"GroupId":"g","Limit":%v}`, "1.0e2", "1e-1", func(t *testing.T, r *result) {
			var ml memberList
			r.into(&ml)
			if len(ml.MemberList) != 4 {
				t.Fatalf("page %+v", ml)
			}
		}},
		{"JoinedLimit", "QueryGroupsInfoOfUser", `{"FromUserId":"a","Limit":%v}`, "1E1", "1.25e0", nil},
		{"ForbidStartFlag", "FetchForbidGroupList", `{"FromUserId":"o","StartFlag":%v}`, "0.0", "0.5", nil},
		{"AttributeAction", "ModifyGroupAttribute", `{"Action":%v,"FromUserId":"o","GroupId":"g","Attributes":[{"Key":"k","Value":"v"}]}`, "0.0", "0.1", func(t *testing.T, r *result) {
			if gi := e.info("g"); len(gi.GroupAttributes) != 1 {
				t.Fatalf("attributes %+v", gi.GroupAttributes)
			}
		}},
		{"CreateGroupTime", "CreateGroup", `{"GroupId":"gt","GroupOwner":"o","CreateGroupTime":%v}`, "1.0e4", "10000.5", func(t *testing.T, r *result) {
			if gi := e.info("gt"); gi.GroupCreateTime != 10000 {
				t.Fatalf("GroupCreateTime %d", gi.GroupCreateTime)
			}
		}},
		{"EnterGroupTime", "InviteUsersIntoGroup", `{"FromUserId":"o","GroupId":"g","GroupMemberInfos":[{"UserId":"x","EnterGroupTime":%v,"IsInvite":1.0}]}`,
			strconv.FormatInt(past, 10) + ".0", "1.5", func(t *testing.T, r *result) {
				ms, err := e.svc.GetMembers(context.Background(), domain.Actor{Admin: true}, "g", []string{"x"})
				if err != nil || len(ms) != 1 || ms[0].JoinTime != past {
					t.Fatalf("x: %+v %v", ms, err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.on(t)
			r := e.post(tt.action, strings.Replace(tt.body, "%v", tt.ok, 1)).ok()
			if tt.check != nil {
				tt.check(t, r)
			}
			r = e.post(tt.action, strings.Replace(tt.body, "%v", tt.fraction, 1)).wantCode(660000002)
			if !strings.Contains(r.Message(), "integer") {
				t.Fatalf("Message %q", r.Message())
			}
		})
	}
	// A float where a string is documented stays a parameter error.
	e.post("QueryGroupsInfoOfUser", `{"FromUserId":"a","Limit":1,"Next":2.0}`).wantCode(660000002)
	// A float too large for the field is refused, not wrapped.
	e.post("QueryGroupMemberList", `{"GroupId":"g","Limit":1e19}`).wantCode(660000002)
}

func TestIntegralFloatsInQueries(t *testing.T) {
	e := setup(t)
	e.group("g", "o", "a", "b")
	e.get("MuteGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "MuteRoleList[]": {"50.0", "3"}, "Duration": {"6.0e1"}}).ok()
	gi := e.info("g")
	if len(gi.ForbidList) != 2 || gi.ForbidList[0] != 3 || gi.ForbidList[1] != 50 || gi.ForbidExpireTime != e.clock.Now().Add(time.Minute).UnixMilli() {
		t.Fatalf("info %+v", gi)
	}
	e.get("ModifyGroupLimit", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "JoinMode": {"1.0"}, "MemberCountLimit": {"1e2"}}).ok()
	if l := e.info("g").LimitInfo; l.JoinMode != 1 || l.MemberCountLimit != 100 {
		t.Fatalf("LimitInfo %+v", l)
	}
	e.get("MuteGroupMembers", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "UserIds[]": {"a"}, "Duration": {"-1.0"}}).ok()
	e.get("MuteGroupMembers", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "UserIds[]": {"a"}, "Duration": {"0.5"}}).wantCode(660000002)
	e.get("ModifyGroupLimit", url.Values{"FromUserId": {"o"}, "GroupId": {"g"}, "JoinMode": {"1.5"}}).wantCode(660000002)
}
