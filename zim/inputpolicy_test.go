package zim_test

import (
	"github.com/groupd/groupd/zim"
	"strings"

	"net/http"
	"testing"
)

// The input policy holds for ZIM too (on every backend): invalid UTF-8 in a
// GET parameter (%FF) and NUL in a body are argument errors, never server
// errors, and change nothing.
func TestInputPolicy(t *testing.T) {
	e := newEnv(t, noLimits)
	e.register("admin", "owner", "m1")
	e.group("g1", "owner", "m1")
	for _, c := range []struct {
		name, action, query string
	}{
		{"GroupId with %FF", "DismissGroup", "&FromUserId=owner&GroupId=g%FF1"},
		{"FromUserId with %FF", "TransferGroupOwner", "&FromUserId=own%FFer&GroupId=g1&NewOwner=m1"},
		{"NewOwner with NUL", "TransferGroupOwner", "&FromUserId=owner&GroupId=g1&NewOwner=m%001"},
		{"UserIds with a zero-width space", "MuteGroupMembers", "&FromUserId=owner&GroupId=g1&UserIds[]=m%E2%80%8B1&Duration=60"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.send(http.MethodGet, e.signed(c.action).Encode()+c.query, nil).wantCode(zim.CodeParamError)
			if g := e.info("g1"); g.GroupId != "g1" {
				t.Fatalf("group changed: %+v", g)
			}
		})
	}
	for _, c := range []struct {
		name, action string
		body         any
	}{
		{"group name with NUL", "UpdateGroupData", obj{"FromUserId": "owner", "GroupId": "g1", "GroupName": "a\x00b"}},
		{"UserName with NUL", "UserRegister", obj{"UserInfo": []obj{{"UserId": "u9", "UserName": "a\x00b"}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.post(c.action, c.body)
			if r.Code() == 0 && len(r.errorUsers("ErrorList")) == 0 {
				t.Fatalf("accepted: %s", r.body)
			}
			if r.Code() == zim.CodeServerError {
				t.Fatalf("server error: %s", r.body)
			}
		})
	}
	// Text encoding/json would silently turn into U+FFFD is refused with
	// the parameter error, and nothing changes.
	for _, c := range []struct{ name, action, body string }{
		{"UserName with invalid UTF-8", "UserRegister", `{"UserInfo":[{"UserId":"u9","UserName":"a` + "\xff" + `b"}]}`},
		{"GroupName with a lone surrogate escape", "UpdateGroupData", `{"FromUserId":"owner","GroupId":"g1","GroupName":"a\udc00"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.post(c.action, []byte(c.body)).wantCode(zim.CodeParamError)
			if g := e.info("g1"); g.GroupName != "" && strings.ContainsRune(g.GroupName, '\uFFFD') {
				t.Fatalf("group name stored changed: %q", g.GroupName)
			}
		})
	}
}
