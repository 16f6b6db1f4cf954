package main

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/groupd/groupd/redisx"
	"github.com/groupd/groupd/store/postgres"
)

// groupView is what the reads of the rollback test see.
type groupView struct {
	name        string
	count       float64
	members     []string
	carolGroups []string
}

func readGroupView(t *testing.T, addr, admin string) groupView {
	t.Helper()
	var v groupView
	d := mustOK(t, call(t, addr, "/group/get_groups_info", admin, map[string]any{"groupIDs": []string{"rg"}}))
	g := d["groupInfos"].([]any)[0].(map[string]any)
	v.name, v.count = g["groupName"].(string), g["memberCount"].(float64)
	env := call(t, addr, "/group/get_group_member_user_id", admin, map[string]any{"groupID": "rg"})
	var ids struct {
		UserIDs []string `json:"userIDs"`
	}
	if env.ErrCode != 0 || json.Unmarshal(env.Data, &ids) != nil {
		t.Fatalf("get_group_member_user_id: %d %s", env.ErrCode, env.ErrDlt)
	}
	v.members = ids.UserIDs
	slices.Sort(v.members)
	env = call(t, addr, "/group/get_full_join_group_ids", admin, map[string]any{"userID": "carol", "idHash": 0})
	var joined struct {
		GroupIDs []string `json:"groupIDs"`
	}
	if env.ErrCode != 0 || json.Unmarshal(env.Data, &joined) != nil {
		t.Fatalf("get_full_join_group_ids: %d %s", env.ErrCode, env.ErrDlt)
	}
	v.carolGroups = joined.GroupIDs
	return v
}

func (v groupView) equal(w groupView) bool {
	return v.name == w.name && v.count == w.count && slices.Equal(v.members, w.members) && slices.Equal(v.carolGroups, w.carolGroups)
}

// TestRedisRollback is the audit's sequence against a private Redis: the
// cache and the token generations are filled, Redis SAVEs, then a user is
// forced out, the group renamed and a member kicked; Redis is killed and
// restarted from the older dump (what a restart from an old snapshot or a
// failover to a lagging replica does). From then on the logged-out token
// must stay refused and every read must show the new state.
func TestRedisRollback(t *testing.T) {
	cases := []struct {
		name     string
		postgres bool // token generations in the database, cached in Redis
	}{
		{"PostgreSQL and Redis", true},
		{"SQLite and Redis", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := redisx.StartPrivateServer(t)
			extra := []string{"--redis", rs.URL()}
			if c.postgres {
				extra = append(extra, "--db", postgres.CreateTestSchema(t))
			}
			m := startWith(t, hardConfig(t, t.TempDir(), extra...), io.Discard, nil)
			addr := m.Addr()
			admin := adminToken(t, addr)
			mustOK(t, call(t, addr, "/user/user_register", admin, map[string]any{"users": []map[string]any{
				{"userID": "alice"}, {"userID": "bob"}, {"userID": "carol"}}}))
			mustOK(t, call(t, addr, "/group/create_group", admin, map[string]any{"ownerUserID": "alice",
				"memberUserIDs": []string{"bob", "carol"}, "groupInfo": map[string]any{"groupID": "rg", "groupName": "old", "groupType": 2}}))
			bob := mustOK(t, call(t, addr, "/auth/get_user_token", admin, map[string]any{"platformID": 1, "userID": "bob"}))["token"].(string)

			// Fill the cache and the token generation, then snapshot.
			before := groupView{"old", 3, []string{"alice", "bob", "carol"}, []string{"rg"}}
			for range 2 {
				if v := readGroupView(t, addr, admin); !v.equal(before) {
					t.Fatalf("before: %+v", v)
				}
				mustOK(t, call(t, addr, "/auth/parse_token", bob, nil))
			}
			rs.Save()

			mustOK(t, call(t, addr, "/auth/force_logout", admin, map[string]any{"platformID": 1, "userID": "bob"}))
			mustOK(t, call(t, addr, "/group/set_group_info", admin, map[string]any{"groupInfoForSet": map[string]any{"groupID": "rg", "groupName": "new"}}))
			mustOK(t, call(t, addr, "/group/kick_group", admin, map[string]any{"groupID": "rg", "kickedUserIDs": []string{"carol"}}))
			after := groupView{"new", 2, []string{"alice", "bob"}, []string{}}
			if v := readGroupView(t, addr, admin); !v.equal(after) {
				t.Fatalf("after the writes: %+v", v)
			}

			epoch := m.redis.Epoch()
			rs.Kill()
			rs.Start() // from the dump taken before the writes

			// Past the client's circuit breaker (1 s), reads use Redis again.
			stale := 0
			for end := time.Now().Add(3 * time.Second); time.Now().Before(end); {
				if v := readGroupView(t, addr, admin); !v.equal(after) {
					stale++
					if stale == 1 {
						t.Errorf("read after the Redis rollback shows old data: %+v, want %+v", v, after)
					}
				}
				if env := call(t, addr, "/auth/parse_token", bob, nil); env.ErrCode != 1506 {
					stale++
					t.Fatalf("logged-out token after the Redis rollback: errCode %d %s, want 1506", env.ErrCode, env.ErrDlt)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if stale > 0 {
				t.Fatalf("%d stale answers after the Redis rollback", stale)
			}
			// Writes and cached reads work on the restarted Redis.
			mustOK(t, call(t, addr, "/group/set_group_info", admin, map[string]any{"groupInfoForSet": map[string]any{"groupID": "rg", "groupName": "newer"}}))
			after.name = "newer"
			for range 3 {
				if v := readGroupView(t, addr, admin); !v.equal(after) {
					t.Fatalf("after a write on the restarted Redis: %+v", v)
				}
			}
			// The cache is in use again, under a new epoch.
			if m.redis.Epoch() == epoch {
				t.Fatalf("cache epoch %q unchanged across a Redis restart", epoch)
			}
			key := m.redis.Prefix() + "c:" + m.redis.Epoch() + ":g:rg"
			if n, err := m.redis.Redis().Exists(context.Background(), key).Result(); err != nil || n != 1 {
				t.Fatalf("no cache entry %s after reads on the restarted Redis: %v %v", key, n, err)
			}
		})
	}
}
