package zim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupd/groupd/zim"
)

// The signed reference suite: requests are signed as the reference's
// Accessing_Server_APIs.mdx describes (helpers_test.go signs with the client
// package's signer), go through the real HTTP handler on SQLite and on
// PostgreSQL (main_test.go), and are checked against
// testdata/reference.json: for every Action of reference/zim/*.yaml its
// method, the fields and JSON types of its documented response, and the
// codes of its table. The file was extracted from the YAML files (response
// schema with $refs resolved, "integer" read as "number"; every 9-digit
// <td> code of the file).

// refAction is one Action of testdata/reference.json.
type refAction struct {
	File     string
	Method   string
	Response any // "number", "string", "boolean", [item], {field: shape}
	Codes    []int
}

func loadReference(t *testing.T) map[string]refAction {
	t.Helper()
	raw, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]refAction
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// TestReferenceSampleRequest sends the reference's own signing sample
// (AppId 12345, SignatureNonce 4fd24687296dd9f3, Timestamp 1615186943 →
// Signature 43e5cfcca828314675f91b001390566a) at that time: the server
// accepts it, and the client signer makes the same signature.
func TestReferenceSampleRequest(t *testing.T) {
	e := setup(t)
	e.clock.Advance(time.Unix(1615186943, 0).Sub(e.clock.Now()))
	q := url.Values{"Action": {"QueryAppGroupList"}, "AppId": {"12345"}, "SignatureNonce": {"4fd24687296dd9f3"},
		"Timestamp": {"1615186943"}, "SignatureVersion": {"2.0"}, "Signature": {"43e5cfcca828314675f91b001390566a"}}
	e.send(http.MethodGet, q.Encode(), nil).ok()
	// Uppercase hex is the same signature; any other is refused.
	e.clock.Advance(time.Second)
	q.Set("SignatureNonce", "4fd24687296dd9f4")
	e.send(http.MethodGet, q.Encode(), nil).wantCode(100000005)
	signed := e.signed("QueryAppGroupList")
	if signed.Get("Timestamp") != "1615186944" || signed.Get("SignatureVersion") != "2.0" || len(signed.Get("Signature")) != 32 {
		t.Fatalf("signed query %v", signed)
	}
}

// TestActionsMatchReference: groupd serves exactly the Actions of the
// reference, each on its documented method.
func TestActionsMatchReference(t *testing.T) {
	ref := loadReference(t)
	served := map[string]string{}
	for _, a := range zim.Actions() {
		served[a.Name] = a.Method
	}
	for name, a := range ref {
		if served[name] != a.Method {
			t.Errorf("%s (%s): served as %q, documented %s", name, a.File, served[name], a.Method)
		}
	}
	for name := range served {
		if _, ok := ref[name]; !ok {
			t.Errorf("%s is served but not in the reference", name)
		}
	}
}

// checkShape reports where v (decoded with UseNumber) differs from shape.
// strict: an object has exactly the documented fields; otherwise it may
// leave some out (an error answer).
func checkShape(path string, v, shape any, strict bool) []string {
	switch s := shape.(type) {
	case string:
		ok := false
		switch s {
		case "number":
			_, ok = v.(json.Number)
		case "string":
			_, ok = v.(string)
		case "boolean":
			_, ok = v.(bool)
		}
		if !ok {
			return []string{fmt.Sprintf("%s: %#v is not a JSON %s", path, v, s)}
		}
		return nil
	case []any:
		list, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %#v is not an array", path, v)}
		}
		var out []string
		for i, it := range list {
			out = append(out, checkShape(fmt.Sprintf("%s[%d]", path, i), it, s[0], strict)...)
		}
		return out
	case map[string]any:
		obj, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %#v is not an object", path, v)}
		}
		var out []string
		for k, fs := range s {
			fv, ok := obj[k]
			if !ok {
				if strict {
					out = append(out, fmt.Sprintf("%s.%s: documented, missing", path, k))
				}
				continue
			}
			out = append(out, checkShape(path+"."+k, fv, fs, strict)...)
		}
		for k := range obj {
			if _, ok := s[k]; !ok {
				out = append(out, fmt.Sprintf("%s.%s: not documented", path, k))
			}
		}
		sort.Strings(out)
		return out
	}
	return []string{fmt.Sprintf("%s: bad shape %#v", path, shape)}
}

// nonEmptyArrays lists the paths of the arrays of shape that v fills, so a
// test can tell that the item shapes were seen.
func nonEmptyArrays(path string, v, shape any) []string {
	var out []string
	switch s := shape.(type) {
	case []any:
		if list, _ := v.([]any); len(list) > 0 {
			out = append(out, path)
			for _, it := range list {
				out = append(out, nonEmptyArrays(path+"[]", it, s[0])...)
			}
		}
	case map[string]any:
		obj, _ := v.(map[string]any)
		for k, fs := range s {
			out = append(out, nonEmptyArrays(path+"."+k, obj[k], fs)...)
		}
	}
	return out
}

// documentedArrays lists the paths of every array of shape.
func documentedArrays(path string, shape any) []string {
	var out []string
	switch s := shape.(type) {
	case []any:
		out = append(out, path)
		out = append(out, documentedArrays(path+"[]", s[0])...)
	case map[string]any:
		for k, fs := range s {
			out = append(out, documentedArrays(path+"."+k, fs)...)
		}
	}
	return out
}

var groupSeq atomic.Int64

// on returns e reporting to t (a subtest).
func (e *env) on(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// sortedActions returns the Action names of ref in order.
func sortedActions(ref map[string]refAction) []string {
	names := make([]string, 0, len(ref))
	for n := range ref {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// newGroup creates a fresh group owned by o with a, b and c (a is admin).
func newGroup(e *env) string {
	e.t.Helper()
	id := "rg" + strconv.FormatInt(groupSeq.Add(1), 10)
	e.group(id, "o", "a", "b", "c")
	e.get("SetGroupMemberRole", url.Values{"FromUserId": {"o"}, "GroupId": {id}, "ToUserId": {"a"}, "Role": {"2"}}).ok()
	return id
}

// TestResponsesHaveDocumentedFields calls every Action so that its answer
// fills every documented list (partial failures included) and checks the
// answer holds exactly the documented fields, with their documented JSON
// types; a success without failures answers empty lists, never null.
func TestResponsesHaveDocumentedFields(t *testing.T) {
	ref := loadReference(t)
	base := setup(t)
	e := base
	full := newGroup(e)
	e.post("ModifyGroupAttribute", obj{"FromUserId": "o", "GroupId": full, "Attributes": []obj{{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}}}).ok()
	e.get("MuteGroup", url.Values{"FromUserId": {"o"}, "GroupId": {full}, "MuteRoleList[]": {"3", "50"}, "Duration": {"600"}}).ok()
	e.get("MuteGroupMembers", url.Values{"FromUserId": {"o"}, "GroupId": {full}, "UserIds[]": {"c"}, "Duration": {"600"}}).ok()
	g := func(v url.Values) url.Values { v.Set("GroupId", newGroup(e)); return v }
	calls := map[string][]func() *result{
		"UserRegister": {
			func() *result {
				return e.post("UserRegister", obj{"UserInfo": []obj{{"UserId": "n1"}, {"UserId": "a"}}})
			},
			func() *result { return e.post("UserRegister", obj{"UserInfo": []obj{{"UserId": "n2"}}}) },
		},
		"ModifyUserInfo": {
			func() *result {
				return e.post("ModifyUserInfo", obj{"UserInfo": []obj{{"UserId": "a", "UserName": "A", "Extra": "e"}, {"UserId": "ghost"}}})
			},
			func() *result { return e.post("ModifyUserInfo", obj{"UserInfo": []obj{{"UserId": "a"}}}) },
		},
		"QueryUserInfos": {
			func() *result { return e.post("QueryUserInfos", obj{"UserIds": []string{"a", "ghost"}}) },
			func() *result { return e.post("QueryUserInfos", obj{"UserIds": []string{"a"}}) },
		},
		"CreateGroup": {
			func() *result { return e.post("CreateGroup", obj{"GroupOwner": "o", "UserId": []string{"a", "ghost"}}) },
			func() *result { return e.post("CreateGroup", obj{"GroupOwner": "o"}) },
		},
		"DismissGroup": {func() *result { return e.get("DismissGroup", g(url.Values{"FromUserId": {"o"}})) }},
		"InviteUsersIntoGroup": {
			func() *result {
				return e.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": full, "UserIds": []string{"x", "ghost"}})
			},
			func() *result {
				return e.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": full, "UserIds": []string{"x"}})
			},
		},
		"KickoutGroupUser": {
			func() *result {
				return e.post("KickoutGroupUser", obj{"FromUserId": "o", "GroupId": newGroup(e), "UserId": []string{"b", "x"}})
			},
			func() *result {
				return e.post("KickoutGroupUser", obj{"FromUserId": "o", "GroupId": newGroup(e), "UserId": []string{"b"}})
			},
		},
		"TransferGroupOwner": {func() *result {
			return e.get("TransferGroupOwner", g(url.Values{"FromUserId": {"o"}, "NewOwner": {"b"}}))
		}},
		"UpdateGroupData": {func() *result {
			return e.post("UpdateGroupData", obj{"FromUserId": "o", "GroupId": newGroup(e), "GroupName": "n"})
		}},
		"ModifyGroupAttribute": {
			func() *result {
				return e.post("ModifyGroupAttribute", obj{"Action": 1, "FromUserId": "o", "GroupId": full, "Attributes": []obj{{"Key": "k2"}, {"Key": "nope"}}})
			},
			func() *result {
				return e.post("ModifyGroupAttribute", obj{"FromUserId": "o", "GroupId": full, "Attributes": []obj{{"Key": "k3", "Value": "v"}}})
			},
		},
		"QueryGroupInfo":       {func() *result { return e.post("QueryGroupInfo", obj{"FromUserId": "x", "GroupId": full}) }},
		"QueryGroupMemberList": {func() *result { return e.post("QueryGroupMemberList", obj{"GroupId": full, "Limit": 2}) }},
		"QueryAppGroupList":    {func() *result { return e.get("QueryAppGroupList", url.Values{"Limit": {"2"}}) }},
		"QueryGroupsInfoOfUser": {func() *result {
			return e.post("QueryGroupsInfoOfUser", obj{"FromUserId": "a", "Limit": 1})
		}},
		"MuteGroup": {func() *result {
			return e.get("MuteGroup", g(url.Values{"FromUserId": {"o"}, "IsAllMuted": {"true"}, "Duration": {"-1"}}))
		}},
		"MuteGroupMembers": {
			func() *result {
				return e.get("MuteGroupMembers", g(url.Values{"FromUserId": {"o"}, "UserIds[]": {"b", "x"}, "Duration": {"60"}}))
			},
			func() *result {
				return e.get("MuteGroupMembers", g(url.Values{"FromUserId": {"o"}, "UserIds[]": {"b"}, "Duration": {"60"}}))
			},
		},
		"FetchForbidGroupList": {func() *result { return e.post("FetchForbidGroupList", obj{"FromUserId": "x", "StartFlag": 0}) }},
		"ModifyGroupLimit": {func() *result {
			return e.get("ModifyGroupLimit", g(url.Values{"FromUserId": {"o"}, "JoinMode": {"1"}, "MemberCountLimit": {"50"}}))
		}},
		"SetGroupMemberRole": {func() *result {
			return e.get("SetGroupMemberRole", g(url.Values{"FromUserId": {"o"}, "ToUserId": {"b"}, "Role": {"50"}}))
		}},
		"SetGroupMembersNickname": {
			func() *result {
				return e.post("SetGroupMembersNickname", obj{"FromUserId": "o", "GroupId": full, "UserIds": []obj{{"UserId": "b", "Nickname": "B"}, {"UserId": "ghost", "Nickname": "X"}}})
			},
			func() *result {
				return e.post("SetGroupMembersNickname", obj{"FromUserId": "o", "GroupId": full, "UserIds": []obj{{"UserId": "b", "Nickname": "B"}}})
			},
		},
	}
	for _, name := range sortedActions(ref) {
		a := ref[name]
		t.Run(name, func(t *testing.T) {
			e = base.on(t)
			fs, ok := calls[name]
			if !ok {
				t.Fatal("no call")
			}
			filled := map[string]bool{}
			for i, call := range fs {
				r := call().ok()
				if errs := checkShape(name, r.m, a.Response, true); len(errs) > 0 {
					t.Errorf("call %d: %s\n%s", i, strings.Join(errs, "\n"), r.body)
				}
				for _, p := range nonEmptyArrays(name, r.m, a.Response) {
					filled[p] = true
				}
			}
			for _, p := range documentedArrays(name, a.Response) {
				if !filled[p] {
					t.Errorf("no call filled %s: its items were not checked", p)
				}
			}
		})
	}
}

// codeCase produces one documented code of an Action.
type codeCase func(t *testing.T) *result

// notAnswered are documented codes groupd never answers, and why.
var notAnswered = map[string]map[int]string{
	"CreateGroup": {
		660600012: "groupd has no plan limit on the number of groups",
		660600014: "an internal failure (owner's group list): groupd answers every internal failure 660000001",
		660600015: "an internal failure (db operation): groupd answers 660000001",
		660600017: "an internal failure (join at creation): groupd answers 660000001; unregistered members are in ErrorUsers",
	},
	"FetchForbidGroupList": {
		660000003: "an internal failure (logic processing): groupd answers 660000001",
		660000011: "the request holds no user list",
	},
	"KickoutGroupUser":     {660600009: infoFailure},
	"ModifyGroupAttribute": {660600009: infoFailure, 660600028: "an internal failure (modify group data): groupd answers 660000001", 660300019: "groupd bounds each value (660600020), not their total"},
	"ModifyGroupLimit":     {660600009: infoFailure},
	"MuteGroup":            {660600009: infoFailure},
	"MuteGroupMembers":     {660600009: infoFailure},
	"QueryAppGroupList":    {660600006: "an internal failure (group list data): groupd answers 660000001"},
	"QueryGroupMemberList": {660600003: "an internal failure (member list): groupd answers 660000001"},
	"SetGroupMemberRole":   {660600009: infoFailure},
	"UpdateGroupData":      {660600009: infoFailure, 660600028: "an internal failure (modify group data): groupd answers 660000001"},
	"ModifyUserInfo": {
		660700013: "an internal failure (query user information): groupd answers 660000001",
		660700016: "an internal failure (synchronize user information): groupd answers 660000001",
		660700017: "an internal failure (update user information): groupd answers 660000001",
	},
	"QueryUserInfos": {660700008: "an internal failure (get user information): groupd answers 660000001"},
}

const infoFailure = "a missing group answers 660600001; any other failure to read it is internal (660000001)"

// TestDocumentedCodes produces every code of every Action's reference table
// that groupd answers, and checks that the others are listed in
// notAnswered with the reason.
func TestDocumentedCodes(t *testing.T) {
	ref := loadReference(t)
	eBase := setup(t) // no rate limits
	// lim has the reference's rate limits; its clock stands still.
	limBase := newEnv(t)
	limBase.register("o", "a")
	limBase.group("lg1", "o", "a")
	limBase.group("lg2", "o", "a")
	// broken's store is closed: every call that gets past validation fails inside.
	brokenBase := newEnv(t, noLimits)
	brokenBase.register("o")
	brokenBase.db.Close()
	// The cases use e, lim and broken, rebound to each subtest.
	e, lim, broken := eBase, limBase, brokenBase

	// exhaust calls call until it answers code (at most 25 times).
	exhaust := func(call func() *result, code int) func(t *testing.T) *result {
		return func(t *testing.T) *result {
			var r *result
			for range 25 {
				if r = call(); r.Code() == code {
					break
				}
			}
			return r
		}
	}
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	long := strings.Repeat("l", 33)
	cases := map[string]map[int]codeCase{
		"UserRegister": {
			660000001: func(t *testing.T) *result {
				return broken.post("UserRegister", obj{"UserInfo": []obj{{"UserId": "new"}}})
			},
			660000002: func(t *testing.T) *result { return e.post("UserRegister", obj{"UserInfo": []obj{}}) },
			660000012: func(t *testing.T) *result { return e.post("UserRegister", obj{"UserInfo": []obj{{"UserId": long}}}) },
			660700001: exhaust(func() *result { return lim.post("UserRegister", obj{"UserInfo": []obj{{"UserId": "o"}}}) }, 660700001),
			660700002: func(t *testing.T) *result {
				return e.post("UserRegister", obj{"UserInfo": []obj{{"UserId": "a"}, {"UserId": "b"}}})
			},
			660700006: func(t *testing.T) *result {
				return e.post("UserRegister", obj{"UserInfo": []obj{{"UserId": "n", "UserName": strings.Repeat("n", 257)}}})
			},
			660700007: func(t *testing.T) *result {
				return e.post("UserRegister", obj{"UserInfo": []obj{{"UserId": "n", "UserAvatar": strings.Repeat("n", 501)}}})
			},
		},
		"ModifyUserInfo": {
			660000002: func(t *testing.T) *result { return e.post("ModifyUserInfo", obj{"UserInfo": []obj{}}) },
			660300005: exhaust(func() *result { return lim.post("ModifyUserInfo", obj{"UserInfo": []obj{{"UserId": "o"}}}) }, 660300005),
			660700012: func(t *testing.T) *result {
				return e.post("ModifyUserInfo", obj{"UserInfo": []obj{{"UserId": "ghost", "UserName": "G"}}})
			},
		},
		"QueryUserInfos": {
			660000001: func(t *testing.T) *result { return broken.post("QueryUserInfos", obj{"UserIds": []string{"o"}}) },
			660000002: func(t *testing.T) *result { return e.post("QueryUserInfos", obj{}) },
			660300005: exhaust(func() *result { return lim.post("QueryUserInfos", obj{"UserIds": []string{"o"}}) }, 660300005),
			660700015: func(t *testing.T) *result {
				return e.post("QueryUserInfos", obj{"UserIds": []string{"ghost", "ghost2"}})
			},
		},
		"CreateGroup": {
			660000002: func(t *testing.T) *result { return e.post("CreateGroup", obj{"GroupName": "no owner"}) },
			660600010: exhaust(func() *result { return lim.post("CreateGroup", obj{"GroupOwner": "ghost"}) }, 660600010),
			660600011: func(t *testing.T) *result {
				return e.post("CreateGroup", obj{"GroupId": newGroup(e), "GroupOwner": "o"})
			},
			660600013: func(t *testing.T) *result { return e.post("CreateGroup", obj{"GroupOwner": "ghost"}) },
			660600016: func(t *testing.T) *result {
				return e.post("CreateGroup", obj{"GroupOwner": "o", "UserId": ids(101, "u")})
			},
			660600019: func(t *testing.T) *result {
				attrs := []obj{}
				for i := range 11 {
					attrs = append(attrs, obj{"Key": "k" + strconv.Itoa(i), "Value": "v"})
				}
				return e.post("CreateGroup", obj{"GroupOwner": "o", "Attributes": attrs})
			},
			660600020: func(t *testing.T) *result {
				return e.post("CreateGroup", obj{"GroupOwner": "o", "Attributes": []obj{{"Key": strings.Repeat("k", 17), "Value": "v"}}})
			},
		},
		"DismissGroup": {
			660000002: func(t *testing.T) *result { return e.get("DismissGroup", q("FromUserId", "o")) },
			660300006: func(t *testing.T) *result {
				lim.get("DismissGroup", q("FromUserId", "o", "GroupId", "lg2")).ok()
				return lim.get("DismissGroup", q("FromUserId", "o", "GroupId", "lg2"))
			},
			660500002: func(t *testing.T) *result {
				return e.get("DismissGroup", q("FromUserId", "ghost", "GroupId", newGroup(e)))
			},
			660600001: func(t *testing.T) *result { return e.get("DismissGroup", q("FromUserId", "o", "GroupId", "nope")) },
		},
		"InviteUsersIntoGroup": {
			660000002: func(t *testing.T) *result {
				return e.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": newGroup(e)})
			},
			660300006: func(t *testing.T) *result {
				lim.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": "lg1", "UserIds": []string{"a"}}).ok()
				return lim.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": "lg1", "UserIds": []string{"a"}})
			},
			660500002: func(t *testing.T) *result {
				return e.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": newGroup(e), "UserIds": []string{"ghost"}})
			},
			660600001: func(t *testing.T) *result {
				return e.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": "nope", "UserIds": []string{"x"}})
			},
			660000011: func(t *testing.T) *result {
				return e.post("InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": newGroup(e), "UserIds": ids(101, "u")})
			},
		},
		"KickoutGroupUser": {
			660000002: func(t *testing.T) *result {
				return e.post("KickoutGroupUser", obj{"FromUserId": "o", "GroupId": newGroup(e)})
			},
			660000011: func(t *testing.T) *result {
				return e.post("KickoutGroupUser", obj{"FromUserId": "o", "GroupId": newGroup(e), "UserId": ids(51, "u")})
			},
			660600001: func(t *testing.T) *result {
				return e.post("KickoutGroupUser", obj{"FromUserId": "o", "GroupId": "nope", "UserId": []string{"b"}})
			},
			660600005: exhaust(func() *result {
				return lim.post("KickoutGroupUser", obj{"FromUserId": "o", "GroupId": "nope", "UserId": []string{"b"}})
			}, 660600005),
			660600008: func(t *testing.T) *result {
				return e.post("KickoutGroupUser", obj{"FromUserId": "o", "GroupId": newGroup(e), "UserId": []string{"x", "ghost"}})
			},
		},
		"TransferGroupOwner": {
			660000002: func(t *testing.T) *result {
				return e.get("TransferGroupOwner", q("FromUserId", "o", "GroupId", newGroup(e)))
			},
			660300006: func(t *testing.T) *result {
				lim.get("TransferGroupOwner", q("FromUserId", "o", "GroupId", "lg1", "NewOwner", "a")).ok()
				return lim.get("TransferGroupOwner", q("FromUserId", "a", "GroupId", "lg1", "NewOwner", "o"))
			},
			660500002: func(t *testing.T) *result {
				return e.get("TransferGroupOwner", q("FromUserId", "ghost", "GroupId", newGroup(e), "NewOwner", "b"))
			},
			660600001: func(t *testing.T) *result {
				return e.get("TransferGroupOwner", q("FromUserId", "o", "GroupId", "nope", "NewOwner", "b"))
			},
			660600024: func(t *testing.T) *result {
				return e.get("TransferGroupOwner", q("FromUserId", "o", "GroupId", newGroup(e), "NewOwner", "x"))
			},
		},
		"UpdateGroupData": {
			660000002: func(t *testing.T) *result {
				return e.post("UpdateGroupData", obj{"FromUserId": "o", "GroupId": newGroup(e)})
			},
			660300006: exhaust(func() *result {
				return lim.post("UpdateGroupData", obj{"FromUserId": "o", "GroupId": "lg1", "GroupName": "n"})
			}, 660300006),
			660500002: func(t *testing.T) *result {
				return e.post("UpdateGroupData", obj{"FromUserId": "ghost", "GroupId": newGroup(e), "GroupName": "n"})
			},
			660600001: func(t *testing.T) *result {
				return e.post("UpdateGroupData", obj{"FromUserId": "o", "GroupId": "nope", "GroupName": "n"})
			},
		},
		"ModifyGroupAttribute": {
			660000002: func(t *testing.T) *result {
				return e.post("ModifyGroupAttribute", obj{"Action": 2, "FromUserId": "o", "GroupId": newGroup(e), "Attributes": []obj{{"Key": "k"}}})
			},
			660300006: exhaust(func() *result {
				return lim.post("ModifyGroupAttribute", obj{"FromUserId": "o", "GroupId": "lg1", "Attributes": []obj{{"Key": "k", "Value": "v"}}})
			}, 660300006),
			660500002: func(t *testing.T) *result {
				return e.post("ModifyGroupAttribute", obj{"FromUserId": "ghost", "GroupId": newGroup(e), "Attributes": []obj{{"Key": "k", "Value": "v"}}})
			},
			660600001: func(t *testing.T) *result {
				return e.post("ModifyGroupAttribute", obj{"FromUserId": "o", "GroupId": "nope", "Attributes": []obj{{"Key": "k", "Value": "v"}}})
			},
		},
		"QueryGroupInfo": {
			660000002: func(t *testing.T) *result { return e.post("QueryGroupInfo", obj{"FromUserId": "o"}) },
			660300005: exhaust(func() *result { return lim.post("QueryGroupInfo", obj{"FromUserId": "o", "GroupId": "lg1"}) }, 660300005),
			660500002: func(t *testing.T) *result {
				return e.post("QueryGroupInfo", obj{"FromUserId": "ghost", "GroupId": newGroup(e)})
			},
		},
		"QueryGroupMemberList": {
			660000002: func(t *testing.T) *result {
				return e.post("QueryGroupMemberList", obj{"GroupId": newGroup(e), "Limit": -1})
			},
			660600001: func(t *testing.T) *result { return e.post("QueryGroupMemberList", obj{"GroupId": "nope"}) },
			660600004: exhaust(func() *result { return lim.post("QueryGroupMemberList", obj{"GroupId": "lg1"}) }, 660600004),
		},
		"QueryAppGroupList": {
			660000002: func(t *testing.T) *result { return e.get("QueryAppGroupList", q("Limit", "-1")) },
			660600007: exhaust(func() *result { return lim.get("QueryAppGroupList", nil) }, 660600007),
		},
		"QueryGroupsInfoOfUser": {
			660000002: func(t *testing.T) *result { return e.post("QueryGroupsInfoOfUser", obj{"FromUserId": "a", "Limit": 0}) },
			660300005: exhaust(func() *result { return lim.post("QueryGroupsInfoOfUser", obj{"FromUserId": "a", "Limit": 10}) }, 660300005),
			660500002: func(t *testing.T) *result {
				return e.post("QueryGroupsInfoOfUser", obj{"FromUserId": "ghost", "Limit": 10})
			},
		},
		"MuteGroup": {
			660000001: func(t *testing.T) *result {
				return broken.get("MuteGroup", q("FromUserId", "o", "GroupId", "g", "IsAllMuted", "true", "Duration", "-1"))
			},
			660000002: func(t *testing.T) *result {
				return e.get("MuteGroup", q("FromUserId", "o", "GroupId", newGroup(e), "IsAllMuted", "true", "Duration", "-2"))
			},
			660300005: exhaust(func() *result {
				return lim.get("MuteGroup", q("FromUserId", "o", "GroupId", "lg1", "IsAllMuted", "true", "Duration", "60"))
			}, 660300005),
			660600001: func(t *testing.T) *result {
				return e.get("MuteGroup", q("FromUserId", "o", "GroupId", "nope", "IsAllMuted", "true", "Duration", "60"))
			},
			660600024: func(t *testing.T) *result {
				return e.get("MuteGroup", q("FromUserId", "x", "GroupId", newGroup(e), "IsAllMuted", "true", "Duration", "60"))
			},
			660600032: func(t *testing.T) *result {
				return e.get("MuteGroup", q("FromUserId", "b", "GroupId", newGroup(e), "IsAllMuted", "true", "Duration", "60"))
			},
		},
		"MuteGroupMembers": {
			660000001: func(t *testing.T) *result {
				return broken.get("MuteGroupMembers", q("FromUserId", "o", "GroupId", "g", "UserIds[]", "a", "Duration", "60"))
			},
			660000002: func(t *testing.T) *result {
				return e.get("MuteGroupMembers", q("FromUserId", "o", "GroupId", newGroup(e), "Duration", "60"))
			},
			660300005: exhaust(func() *result {
				return lim.get("MuteGroupMembers", q("FromUserId", "o", "GroupId", "lg1", "UserIds[]", "a", "Duration", "60"))
			}, 660300005),
			660600001: func(t *testing.T) *result {
				return e.get("MuteGroupMembers", q("FromUserId", "o", "GroupId", "nope", "UserIds[]", "a", "Duration", "60"))
			},
			660600024: func(t *testing.T) *result {
				return e.get("MuteGroupMembers", q("FromUserId", "x", "GroupId", newGroup(e), "UserIds[]", "b", "Duration", "60"))
			},
			660600032: func(t *testing.T) *result {
				return e.get("MuteGroupMembers", q("FromUserId", "b", "GroupId", newGroup(e), "UserIds[]", "c", "Duration", "60"))
			},
			660600033: func(t *testing.T) *result {
				return e.get("MuteGroupMembers", q("FromUserId", "a", "GroupId", newGroup(e), "UserIds[]", "o", "UserIds[]", "x", "Duration", "60"))
			},
		},
		"FetchForbidGroupList": {
			660000002: func(t *testing.T) *result {
				return e.post("FetchForbidGroupList", obj{"FromUserId": "o", "StartFlag": -1})
			},
		},
		"ModifyGroupLimit": {
			660000001: func(t *testing.T) *result {
				return broken.get("ModifyGroupLimit", q("FromUserId", "o", "GroupId", "g", "JoinMode", "1"))
			},
			660000002: func(t *testing.T) *result {
				return e.get("ModifyGroupLimit", q("FromUserId", "o", "GroupId", newGroup(e), "JoinMode", "3"))
			},
			660300005: exhaust(func() *result {
				return lim.get("ModifyGroupLimit", q("FromUserId", "o", "GroupId", "lg1", "JoinMode", "1"))
			}, 660300005),
			660500002: func(t *testing.T) *result {
				return e.get("ModifyGroupLimit", q("FromUserId", "ghost", "GroupId", newGroup(e), "JoinMode", "1"))
			},
			660600001: func(t *testing.T) *result {
				return e.get("ModifyGroupLimit", q("FromUserId", "o", "GroupId", "nope", "JoinMode", "1"))
			},
		},
		"SetGroupMemberRole": {
			660000001: func(t *testing.T) *result {
				return broken.get("SetGroupMemberRole", q("FromUserId", "o", "GroupId", "g", "ToUserId", "a", "Role", "2"))
			},
			660000002: func(t *testing.T) *result {
				return e.get("SetGroupMemberRole", q("FromUserId", "o", "GroupId", newGroup(e), "ToUserId", "b", "Role", "0"))
			},
			660300005: exhaust(func() *result {
				return lim.get("SetGroupMemberRole", q("FromUserId", "o", "GroupId", "lg1", "ToUserId", "a", "Role", "2"))
			}, 660300005),
			660600001: func(t *testing.T) *result {
				return e.get("SetGroupMemberRole", q("FromUserId", "o", "GroupId", "nope", "ToUserId", "b", "Role", "2"))
			},
			660600024: func(t *testing.T) *result {
				return e.get("SetGroupMemberRole", q("FromUserId", "o", "GroupId", newGroup(e), "ToUserId", "x", "Role", "2"))
			},
			660600029: func(t *testing.T) *result {
				return e.get("SetGroupMemberRole", q("FromUserId", "o", "GroupId", newGroup(e), "ToUserId", "b", "Role", "1"))
			},
			660600030: func(t *testing.T) *result {
				return e.get("SetGroupMemberRole", q("FromUserId", "b", "GroupId", newGroup(e), "ToUserId", "b", "Role", "3"))
			},
		},
		"SetGroupMembersNickname": {
			660000002: func(t *testing.T) *result {
				return e.post("SetGroupMembersNickname", obj{"FromUserId": "o", "GroupId": newGroup(e)})
			},
			660000011: func(t *testing.T) *result {
				many := []obj{}
				for _, id := range ids(21, "u") {
					many = append(many, obj{"UserId": id, "Nickname": "n"})
				}
				return e.post("SetGroupMembersNickname", obj{"FromUserId": "o", "GroupId": newGroup(e), "UserIds": many})
			},
			660300006: func(t *testing.T) *result {
				body := obj{"FromUserId": "o", "GroupId": "lg1", "UserIds": []obj{{"UserId": "a", "Nickname": "n"}}}
				lim.post("SetGroupMembersNickname", body).ok()
				return lim.post("SetGroupMembersNickname", body)
			},
			660500002: func(t *testing.T) *result {
				return e.post("SetGroupMembersNickname", obj{"FromUserId": "ghost", "GroupId": newGroup(e), "UserIds": []obj{{"UserId": "b", "Nickname": "n"}}})
			},
			660600001: func(t *testing.T) *result {
				return e.post("SetGroupMembersNickname", obj{"FromUserId": "o", "GroupId": "nope", "UserIds": []obj{{"UserId": "b", "Nickname": "n"}}})
			},
		},
	}
	for _, name := range sortedActions(ref) {
		a := ref[name]
		t.Run(name, func(t *testing.T) {
			for _, code := range a.Codes {
				c, produced := cases[name][code]
				reason, excused := notAnswered[name][code]
				switch {
				case produced && excused:
					t.Errorf("%d is produced and listed as not answered (%s)", code, reason)
				case !produced && !excused:
					t.Errorf("%d (documented in %s) is neither produced nor listed as not answered", code, a.File)
				case produced:
					t.Run(strconv.Itoa(code), func(t *testing.T) {
						e, lim, broken = eBase.on(t), limBase.on(t), brokenBase.on(t)
						r := c(t).wantCode(code)
						if r.Message() == "" || r.Message() == "success" {
							t.Errorf("Message %q", r.Message())
						}
						if errs := checkShape(name, r.m, a.Response, false); len(errs) > 0 {
							t.Errorf("%s\n%s", strings.Join(errs, "\n"), r.body)
						}
					})
				}
			}
			for code := range cases[name] {
				if !slices.Contains(a.Codes, code) {
					t.Errorf("case for %d, which %s does not document", code, a.File)
				}
			}
			for code := range notAnswered[name] {
				if !slices.Contains(a.Codes, code) {
					t.Errorf("notAnswered lists %d, which %s does not document", code, a.File)
				}
			}
		})
	}
}
