package openim

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func TestGetGroups(t *testing.T) {
	e := newEnv(t)
	e.register(t, "alice", "bob")
	e.ok(t, "/user/update_user_info", e.admin, map[string]any{"userInfo": map[string]any{"userID": "bob", "nickname": "Bobby"}})
	for _, g := range []struct{ id, name, owner string }{
		{"g1", "chess club", "alice"},
		{"g2", "Chess masters", "bob"},
		{"g3", "go club", "alice"},
		{"g4", "chess old", "bob"},
		{"g5", "chess", "alice"},
	} {
		e.clock.Advance(time.Second)
		e.ok(t, "/group/create_group", e.admin, map[string]any{"ownerUserID": g.owner,
			"groupInfo": map[string]any{"groupID": g.id, "groupName": g.name, "groupType": 2}})
	}
	e.ok(t, "/group/dismiss_group", e.admin, map[string]any{"groupID": "g4"})

	search := func(body map[string]any) (int64, []string, getGroupsResp) {
		t.Helper()
		r := e.ok(t, "/group/get_groups", e.admin, body)
		var d getGroupsResp
		if err := json.Unmarshal(r.Data, &d); err != nil || d.Groups == nil {
			t.Fatalf("get_groups: %v %s", err, r.raw)
		}
		ids := []string{}
		for _, g := range d.Groups {
			ids = append(ids, g.GroupInfo.GroupID)
		}
		return d.Total, ids, d
	}
	page := func(n, show int) map[string]any { return map[string]any{"pageNumber": n, "showNumber": show} }
	cases := []struct {
		name  string
		body  map[string]any
		total int64
		want  []string
	}{
		{"all, newest first, dismissed left out", map[string]any{"pagination": page(1, 10)}, 4, []string{"g5", "g3", "g2", "g1"}},
		{"page 2", map[string]any{"pagination": page(2, 3)}, 4, []string{"g1"}},
		{"past the end", map[string]any{"pagination": page(9, 3)}, 4, []string{}},
		{"name substring", map[string]any{"pagination": page(1, 10), "groupName": "chess"}, 2, []string{"g5", "g1"}},
		{"name in the middle", map[string]any{"pagination": page(1, 10), "groupName": "club"}, 2, []string{"g3", "g1"}},
		{"exact ID", map[string]any{"pagination": page(1, 10), "groupID": "g2"}, 1, []string{"g2"}},
		{"ID is not a substring", map[string]any{"pagination": page(1, 10), "groupID": "g"}, 0, []string{}},
		// A lookup by ID finds a dismissed group too, and ignores the name, as OpenIM's does.
		{"dismissed by ID", map[string]any{"pagination": page(1, 10), "groupID": "g4"}, 1, []string{"g4"}},
		{"ID and name", map[string]any{"pagination": page(1, 10), "groupID": "g1", "groupName": "go"}, 1, []string{"g1"}},
		{"wildcards are literal", map[string]any{"pagination": page(1, 10), "groupName": "%"}, 0, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			total, ids, _ := search(c.body)
			if total != c.total || !slices.Equal(ids, c.want) {
				t.Fatalf("got %d %v, want %d %v", total, ids, c.total, c.want)
			}
		})
	}

	// The whole entry: groupInfo plus the owner's ID and nickname.
	r := e.ok(t, "/group/get_groups", e.admin, map[string]any{"pagination": page(1, 1), "groupID": "g2"})
	g2 := e.data(t, "/group/get_groups_info", e.admin, map[string]any{"groupIDs": []string{"g2"}})["groupInfos"].([]any)[0]
	gj, _ := json.Marshal(g2)
	jsonEqual(t, r.Data, `{"total":1,"groups":[{"groupInfo":`+string(gj)+`,"groupOwnerUserName":"Bobby","groupOwnerUserID":"bob"}]}`)

	// App admins only (the reference does not check).
	alice := e.userToken(t, "alice")
	e.fail(t, "/group/get_groups", alice, map[string]any{"pagination": page(1, 10)}, codeNoPermission)
	e.fail(t, "/group/get_groups", e.admin, map[string]any{"pagination": page(0, 10)}, codeArgs)
	e.fail(t, "/group/get_groups", e.admin, map[string]any{}, codeArgs)
	e.fail(t, "/group/get_groups", e.admin, map[string]any{"pagination": page(1, 10), "groupName": 5}, codeArgs)
}
