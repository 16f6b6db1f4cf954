package zim_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/zim"
)

// withQPS sets both rate limits.
func withQPS(qps, group float64) envOption {
	return func(c *zim.Config, _ *domain.Options) { c.QPS, c.GroupQPS = qps, group }
}

func TestAppRateLimit(t *testing.T) {
	e := newEnv(t)
	e.register("admin")
	e.clock.Advance(time.Second) // UserRegister used a token
	for i := range 20 {
		if r := e.post("QueryGroupInfo", obj{"FromUserId": "admin", "GroupId": "g"}); r.Code() != 660600001 {
			t.Fatalf("request %d: %s", i, r.body)
		}
	}
	e.post("QueryGroupInfo", obj{"FromUserId": "admin", "GroupId": "g"}).wantCode(660300005)
	// Each Action has its own budget; some Actions answer with their own code.
	for range 20 {
		e.post("QueryGroupMemberList", obj{"GroupId": "g"}).wantCode(660600001)
	}
	e.post("QueryGroupMemberList", obj{"GroupId": "g"}).wantCode(660600004)
	for range 20 {
		e.post("CreateGroup", obj{"GroupOwner": "ghost"}).wantCode(660600013)
	}
	e.post("CreateGroup", obj{"GroupOwner": "ghost"}).wantCode(660600010)
	for range 20 {
		e.post("KickoutGroupUser", obj{"FromUserId": "admin", "GroupId": "g", "UserId": []string{"a"}}).wantCode(660600001)
	}
	e.post("KickoutGroupUser", obj{"FromUserId": "admin", "GroupId": "g", "UserId": []string{"a"}}).wantCode(660600005)
	for range 20 {
		e.post("UserRegister", obj{"UserInfo": []obj{{"UserId": "admin"}}}).wantCode(660700002)
	}
	e.post("UserRegister", obj{"UserInfo": []obj{{"UserId": "admin"}}}).wantCode(660700001)
	// A second later the budget is back.
	e.clock.Advance(time.Second)
	e.post("QueryGroupInfo", obj{"FromUserId": "admin", "GroupId": "g"}).wantCode(660600001)
}

func TestGroupRateLimit(t *testing.T) {
	e := newEnv(t, withQPS(0, 1))
	e.register("admin", "o", "a", "b", "c")
	e.group("g1", "o", "a")
	e.group("g2", "o", "a")
	tests := []struct {
		name  string
		call  func(group string) *result
		first int
	}{
		{"InviteUsersIntoGroup", func(g string) *result {
			return e.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": g, "UserIds": []string{"b"}})
		}, 0},
		{"SetGroupMembersNickname", func(g string) *result {
			return e.post("SetGroupMembersNickname", obj{"FromUserId": "o", "GroupId": g, "UserIds": []obj{{"UserId": "a", "Nickname": "n"}}})
		}, 0},
		{"TransferGroupOwner", func(g string) *result {
			return e.get("TransferGroupOwner", url.Values{"FromUserId": {"o"}, "GroupId": {g}, "NewOwner": {"a"}})
		}, 0},
		{"DismissGroup", func(g string) *result {
			return e.get("DismissGroup", url.Values{"FromUserId": {"o"}, "GroupId": {g}})
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.call("g1").wantCode(tt.first)
			tt.call("g1").wantCode(660300006)
			tt.call("g2").wantCode(tt.first)
			e.clock.Advance(time.Second)
		})
	}
	// QueryAppGroupList is limited at 1/s for the whole AppID.
	e.get("QueryAppGroupList", nil).ok()
	e.get("QueryAppGroupList", nil).wantCode(660600007)
	// Actions without a group limit are not affected.
	e.post("QueryGroupInfo", obj{"FromUserId": "o", "GroupId": "g1"}).wantCode(660600001)
	e.post("QueryGroupInfo", obj{"FromUserId": "o", "GroupId": "g1"}).wantCode(660600001)
}

func TestRateLimitsOff(t *testing.T) {
	e := newEnv(t, withQPS(0, 0))
	e.register("admin", "o")
	e.group("g", "o")
	for range 50 {
		e.post("QueryGroupInfo", obj{"FromUserId": "admin", "GroupId": "g"}).ok()
		e.post("SetGroupMembersNickname", obj{"FromUserId": "o", "GroupId": "g", "UserIds": []obj{{"UserId": "o", "Nickname": "n"}}}).ok()
		e.get("QueryAppGroupList", nil).ok()
	}
}
