package openim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
)

// memberSync calls get_incremental_group_members and decodes the answer.
func (e *env) memberSync(t *testing.T, token, groupID, versionID string, version uint64) (incrementalGroupMembersResp, map[string]json.RawMessage) {
	t.Helper()
	r := e.ok(t, "/group/get_incremental_group_members", token, map[string]any{"groupID": groupID, "versionID": versionID, "version": version})
	var d incrementalGroupMembersResp
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.Data, &d); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(r.Data, &raw)
	for _, k := range []string{"delete", "insert", "update"} {
		if string(raw[k]) == "null" || raw[k] == nil {
			t.Fatalf("%s is not a list: %s", k, r.Data)
		}
	}
	return d, raw
}

// joinSync calls get_incremental_join_groups and decodes the answer.
func (e *env) joinSync(t *testing.T, token, userID, versionID string, version uint64) incrementalJoinGroupsResp {
	t.Helper()
	r := e.ok(t, "/group/get_incremental_join_groups", token, map[string]any{"userID": userID, "versionID": versionID, "version": version})
	var d incrementalJoinGroupsResp
	if err := json.Unmarshal(r.Data, &d); err != nil || d.Delete == nil || d.Insert == nil || d.Update == nil {
		t.Fatalf("get_incremental_join_groups: %v %s", err, r.Data)
	}
	return d
}

func memberIDsOf(ms []memberInfo) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.UserID)
	}
	return out
}

func groupIDsOfInfos(gs []groupInfo) []string {
	out := []string{}
	for _, g := range gs {
		out = append(out, g.GroupID)
	}
	return out
}

// apply is what OpenIM's SDK does with an answer to its ID list: drop the
// deleted, append the inserted.
func apply(ids []string, deleted, inserted []string) []string {
	out := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return slices.Contains(deleted, id) })
	return append(out, inserted...)
}

// A client at version v sees exactly the inserts, updates and deletes since
// v: an element inserted after v is an insert however often it changed
// since; one that came and went after v is a delete; the group's own data
// comes along when it changed.
func TestIncrementalGroupMembers(t *testing.T) {
	w := newWorld(t)
	w.register(t, "x1", "x2", "x3")

	// A new client: full, with the group.
	first, raw := w.memberSync(t, w.member, "g1", "", 0)
	if !first.Full || first.Group == nil || first.VersionID == "" || first.Version == 0 ||
		len(first.Insert)+len(first.Update)+len(first.Delete) != 0 || first.SortVersion != 0 {
		t.Fatalf("first sync: %+v", first)
	}
	if string(raw["version"]) != strconv.FormatUint(first.Version, 10) {
		t.Fatalf("version is not a plain number: %s", raw["version"])
	}
	vid, v0 := first.VersionID, first.Version

	// It fetches the IDs, then proves it has them with idHash.
	full := w.data(t, "/group/get_full_group_member_user_ids", w.member, map[string]any{"groupID": "g1", "idHash": 0})
	ids := []string{"owner", "admin", "member", "member2"}
	wantFull := map[string]any{"version": float64(v0), "versionID": vid, "equal": false, "userIDs": []any{"owner", "admin", "member", "member2"}}
	if fmt.Sprint(full) != fmt.Sprint(wantFull) {
		t.Fatalf("full IDs: %v", full)
	}
	r := w.ok(t, "/group/get_full_group_member_user_ids", w.member, map[string]any{"groupID": "g1", "idHash": syncIDHash(ids)})
	jsonEqual(t, r.Data, fmt.Sprintf(`{"version":%d,"versionID":%q,"equal":true,"userIDs":[]}`, v0, vid))

	// Nothing changed: nothing to do.
	d, raw := w.memberSync(t, w.member, "g1", vid, v0)
	if d.Full || d.Version != v0 || len(d.Insert)+len(d.Update)+len(d.Delete) != 0 || d.Group != nil || raw["group"] != nil {
		t.Fatalf("no-change sync: %s", mustJSON(d))
	}

	// Changes: two join, one member is muted.
	w.clock.Advance(time.Second)
	w.ok(t, "/group/invite_user_to_group", w.owner, map[string]any{"groupID": "g1", "invitedUserIDs": []string{"x2", "x1"}})
	w.ok(t, "/group/mute_group_member", w.owner, map[string]any{"groupID": "g1", "userID": "member", "mutedSeconds": 60})
	mid, _ := w.memberSync(t, w.member, "g1", vid, v0)
	// The group comes along, with its fresh memberCount, whenever a member
	// changed (OpenIM sends it so); no role changed, so sortVersion is 0.
	if mid.Full || !slices.Equal(memberIDsOf(mid.Insert), []string{"x2", "x1"}) || !slices.Equal(memberIDsOf(mid.Update), []string{"member"}) ||
		len(mid.Delete) != 0 || mid.Group == nil || mid.Group.MemberCount != 6 || mid.Update[0].MuteEndTime == 0 || mid.SortVersion != 0 {
		t.Fatalf("sync after two joins and a mute: %s", mustJSON(mid))
	}
	vMid := mid.Version

	// More: x1 renames (inserted after v0), member2 is kicked, x3 comes and
	// goes, the group is renamed.
	w.ok(t, "/group/set_group_member_info", w.userToken(t, "x1"), map[string]any{"members": []map[string]any{{"groupID": "g1", "userID": "x1", "nickname": "X one"}}})
	w.ok(t, "/group/kick_group", w.owner, map[string]any{"groupID": "g1", "kickedUserIDs": []string{"member2"}})
	w.ok(t, "/group/invite_user_to_group", w.owner, map[string]any{"groupID": "g1", "invitedUserIDs": []string{"x3"}})
	w.ok(t, "/group/quit_group", w.userToken(t, "x3"), map[string]any{"groupID": "g1"})
	w.ok(t, "/group/set_group_info_ex", w.admin, map[string]any{"groupID": "g1", "groupName": "renamed"})

	cases := []struct {
		name                   string
		from                   uint64
		insert, update, delete []string
		group                  bool
	}{
		{"from v0", v0, []string{"x2", "x1"}, []string{"member"}, []string{"member2", "x3"}, true},
		{"from the middle", vMid, []string{}, []string{"x1"}, []string{"member2", "x3"}, true},
	}
	var last uint64
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, raw := w.memberSync(t, w.member, "g1", vid, c.from)
			if d.Full || !slices.Equal(memberIDsOf(d.Insert), c.insert) || !slices.Equal(memberIDsOf(d.Update), c.update) ||
				!slices.Equal(d.Delete, c.delete) || (d.Group != nil) != c.group || (raw["group"] != nil) != c.group {
				t.Fatalf("got %s", mustJSON(d))
			}
			if d.Group.GroupName != "renamed" || d.Group.MemberCount != 5 {
				t.Fatalf("group: %+v", d.Group)
			}
			for _, m := range append(d.Insert, d.Update...) {
				if m.UserID == "x1" && m.Nickname != "X one" {
					t.Fatalf("x1 without its latest data: %+v", m)
				}
			}
			last = d.Version
		})
	}

	// The client's list after applying the answer hashes like the server's.
	d, _ = w.memberSync(t, w.member, "g1", vid, v0)
	got := apply(ids, d.Delete, memberIDsOf(d.Insert))
	if want := w.memberIDs(t); !slices.Equal(got, want) {
		t.Fatalf("client list %v, server %v", got, want)
	}
	r = w.ok(t, "/group/get_full_group_member_user_ids", w.member, map[string]any{"groupID": "g1", "idHash": syncIDHash(got)})
	jsonEqual(t, r.Data, fmt.Sprintf(`{"version":%d,"versionID":%q,"equal":true,"userIDs":[]}`, last, vid))

	// Up to date: nothing; another log, or a version from the future: full.
	if d, _ := w.memberSync(t, w.member, "g1", vid, last); d.Full || len(d.Insert)+len(d.Update)+len(d.Delete) != 0 || d.Group != nil {
		t.Fatalf("up to date: %s", mustJSON(d))
	}
	for _, c := range []struct {
		versionID string
		version   uint64
	}{{"other", last}, {"", last}, {vid, last + 1}, {vid, 1<<64 - 1}} {
		if d, _ := w.memberSync(t, w.member, "g1", c.versionID, c.version); !d.Full || d.Group == nil || d.Version != last ||
			len(d.Insert)+len(d.Update)+len(d.Delete) != 0 {
			t.Fatalf("(%q, %d): %s", c.versionID, c.version, mustJSON(d))
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The same for a user's joined groups.
func TestIncrementalJoinGroups(t *testing.T) {
	e := newEnv(t)
	e.register(t, "u", "o")
	for _, g := range []string{"g1", "g3"} {
		e.createGroup(t, e.admin, g, "o", nil, []string{"u"})
	}
	e.createGroup(t, e.admin, "g2", "o", nil, nil)
	e.createGroup(t, e.admin, "g4", "o", nil, nil)
	u, o := e.userToken(t, "u"), e.userToken(t, "o")

	first := e.joinSync(t, u, "u", "", 0)
	if !first.Full || len(first.Insert)+len(first.Update)+len(first.Delete) != 0 || first.SortVersion != 0 {
		t.Fatalf("first: %s", mustJSON(first))
	}
	vid, v0 := first.VersionID, first.Version
	r := e.ok(t, "/group/get_full_join_group_ids", u, map[string]any{"userID": "u", "idHash": 0})
	jsonEqual(t, r.Data, fmt.Sprintf(`{"version":%d,"versionID":%q,"equal":false,"groupIDs":["g1","g3"]}`, v0, vid))
	// idHash as a string is accepted too (JavaScript clients).
	r = e.ok(t, "/group/get_full_join_group_ids", u, fmt.Sprintf(`{"userID":"u","idHash":"%d"}`, syncIDHash([]string{"g1", "g3"})))
	jsonEqual(t, r.Data, fmt.Sprintf(`{"version":%d,"versionID":%q,"equal":true,"groupIDs":[]}`, v0, vid))

	e.ok(t, "/group/invite_user_to_group", o, map[string]any{"groupID": "g2", "invitedUserIDs": []string{"u"}})
	e.ok(t, "/group/set_group_info_ex", o, map[string]any{"groupID": "g2", "groupName": "two"}) // u joined after v0: still an insert
	e.ok(t, "/group/set_group_info_ex", o, map[string]any{"groupID": "g1", "notification": "hello"})
	e.ok(t, "/group/quit_group", u, map[string]any{"groupID": "g3"})
	e.ok(t, "/group/invite_user_to_group", o, map[string]any{"groupID": "g4", "invitedUserIDs": []string{"u"}})
	e.ok(t, "/group/kick_group", o, map[string]any{"groupID": "g4", "kickedUserIDs": []string{"u"}})
	e.ok(t, "/group/mute_group", o, map[string]any{"groupID": "g3"}) // u left g3: nothing for u

	d := e.joinSync(t, u, "u", vid, v0)
	if d.Full || !slices.Equal(groupIDsOfInfos(d.Insert), []string{"g2"}) || !slices.Equal(groupIDsOfInfos(d.Update), []string{"g1"}) ||
		!slices.Equal(d.Delete, []string{"g3", "g4"}) {
		t.Fatalf("delta: %s", mustJSON(d))
	}
	if d.Insert[0].GroupName != "two" || d.Insert[0].MemberCount != 2 || d.Update[0].Notification != "hello" {
		t.Fatalf("group data: %s", mustJSON(d))
	}
	got := apply([]string{"g1", "g3"}, d.Delete, groupIDsOfInfos(d.Insert))
	r = e.ok(t, "/group/get_full_join_group_ids", e.admin, map[string]any{"userID": "u", "idHash": syncIDHash(got)})
	jsonEqual(t, r.Data, fmt.Sprintf(`{"version":%d,"versionID":%q,"equal":true,"groupIDs":[]}`, d.Version, vid))
	if later := e.joinSync(t, u, "u", vid, d.Version); later.Full || len(later.Insert)+len(later.Update)+len(later.Delete) != 0 {
		t.Fatalf("up to date: %s", mustJSON(later))
	}
	// Muting a group u is in reaches u as an update (status 3).
	e.ok(t, "/group/mute_group", o, map[string]any{"groupID": "g2"})
	if m := e.joinSync(t, u, "u", vid, d.Version); !slices.Equal(groupIDsOfInfos(m.Update), []string{"g2"}) || m.Update[0].Status != 3 {
		t.Fatalf("after mute: %s", mustJSON(m))
	}
	// A user with no groups ever gets full with a real log position (the
	// SDK saves its sync record only from such an answer), then nothing new.
	e.register(t, "loner")
	l := e.joinSync(t, e.admin, "loner", "", 0)
	if !l.Full || l.VersionID == "" || l.Version == 0 || len(l.Insert)+len(l.Update)+len(l.Delete) != 0 {
		t.Fatalf("loner: %s", mustJSON(l))
	}
	if again := e.joinSync(t, e.admin, "loner", l.VersionID, l.Version); again.Full || again.VersionID != l.VersionID ||
		again.Version != l.Version || len(again.Insert)+len(again.Update)+len(again.Delete) != 0 {
		t.Fatalf("loner again: %s", mustJSON(again))
	}
	e.fail(t, "/group/get_incremental_join_groups", e.admin, map[string]any{"userID": "ghost"}, codeUserIDNotFound)
}

// Logs are compacted: a client older than the compaction point gets full.
func TestSyncCompaction(t *testing.T) {
	e := newEnvWith(t, domain.Options{Sync: domain.SyncOptions{KeepVersions: 10}})
	e.register(t, "o", "m")
	e.createGroup(t, e.admin, "g", "o", nil, []string{"m"})
	m := e.userToken(t, "m")
	start, _ := e.memberSync(t, m, "g", "", 0)
	startJ := e.joinSync(t, m, "m", "", 0)
	versions := []uint64{start.Version}
	versionsJ := []uint64{startJ.Version}
	for i := range 30 {
		e.ok(t, "/group/set_group_member_info", m, map[string]any{"members": []map[string]any{{"groupID": "g", "userID": "m", "nickname": fmt.Sprint(i)}}})
		e.ok(t, "/group/set_group_info_ex", e.admin, map[string]any{"groupID": "g", "ex": fmt.Sprint(i)})
		d, _ := e.memberSync(t, m, "g", start.VersionID, versions[len(versions)-1])
		versions = append(versions, d.Version)
		versionsJ = append(versionsJ, e.joinSync(t, m, "m", startJ.VersionID, versionsJ[len(versionsJ)-1]).Version)
	}
	cur, curJ := versions[len(versions)-1], versionsJ[len(versionsJ)-1]
	for _, from := range versions {
		d, _ := e.memberSync(t, m, "g", start.VersionID, from)
		// Kept: at least the last 10 versions, at most 12 (compaction runs every 2).
		wantFull := cur-from > 12
		if cur-from <= 10 && d.Full {
			t.Errorf("member log: client %d behind got full", cur-from)
		}
		if wantFull && !d.Full {
			t.Errorf("member log: client %d behind got a delta: %s", cur-from, mustJSON(d))
		}
		if !d.Full && from < cur && (!slices.Equal(memberIDsOf(d.Update), []string{"m"}) || d.Group == nil || d.Update[0].Nickname != "29") {
			t.Errorf("member log from %d: %s", from, mustJSON(d))
		}
	}
	for _, from := range versionsJ {
		d := e.joinSync(t, m, "m", startJ.VersionID, from)
		if curJ-from <= 10 && d.Full || curJ-from > 12 && !d.Full {
			t.Errorf("join log: client %d behind: full %v", curJ-from, d.Full)
		}
	}
	// A full client resyncs and resumes from the current version.
	full := e.data(t, "/group/get_full_group_member_user_ids", m, map[string]any{"groupID": "g", "idHash": 0})
	if full["version"] != float64(cur) || full["versionID"] != start.VersionID {
		t.Fatalf("full IDs after compaction: %v", full)
	}
}

// More changes than one answer carries: full.
func TestSyncMaxChanges(t *testing.T) {
	e := newEnvWith(t, domain.Options{Sync: domain.SyncOptions{MaxChanges: 3}})
	e.register(t, "o", "a", "b", "c", "d")
	e.createGroup(t, e.admin, "g", "o", nil, nil)
	o := e.userToken(t, "o")
	s, _ := e.memberSync(t, o, "g", "", 0)
	e.ok(t, "/group/invite_user_to_group", o, map[string]any{"groupID": "g", "invitedUserIDs": []string{"a", "b", "c"}})
	if d, _ := e.memberSync(t, o, "g", s.VersionID, s.Version); d.Full || len(d.Insert) != 3 {
		t.Fatalf("3 changes: %s", mustJSON(d))
	}
	e.ok(t, "/group/invite_user_to_group", o, map[string]any{"groupID": "g", "invitedUserIDs": []string{"d"}})
	if d, _ := e.memberSync(t, o, "g", s.VersionID, s.Version); !d.Full {
		t.Fatalf("4 changes: %s", mustJSON(d))
	}
}

func TestIncrementalGroupMembersBatch(t *testing.T) {
	w := newWorld(t)
	w.createGroup(t, w.env.admin, "g2", "owner", nil, []string{"member"})
	w.createGroup(t, w.env.admin, "g3", "owner", nil, nil)
	s1, _ := w.memberSync(t, w.member, "g1", "", 0)
	w.ok(t, "/group/mute_group_member", w.owner, map[string]any{"groupID": "g1", "userID": "member2", "mutedSeconds": 60})

	r := w.ok(t, "/group/get_incremental_group_members_batch", w.member, map[string]any{"userID": "member", "reqList": []map[string]any{
		{"groupID": "g1", "versionID": s1.VersionID, "version": s1.Version},
		{"groupID": "g2", "versionID": "", "version": 0},
		{"groupID": "g1", "versionID": "", "version": 0}, // listed twice: answered once, for the first
	}})
	var d incrementalGroupMembersBatchResp
	if err := json.Unmarshal(r.Data, &d); err != nil || len(d.RespList) != 2 {
		t.Fatalf("batch: %v %s", err, r.Data)
	}
	one, two := d.RespList["g1"], d.RespList["g2"]
	if one.Full || !slices.Equal(memberIDsOf(one.Update), []string{"member2"}) || one.Group == nil {
		t.Fatalf("g1: %s", mustJSON(one))
	}
	if !two.Full || two.Group == nil || two.Group.GroupID != "g2" {
		t.Fatalf("g2: %s", mustJSON(two))
	}
	// The same answer as the single route.
	single, _ := w.memberSync(t, w.member, "g1", s1.VersionID, s1.Version)
	if mustJSON(single) != mustJSON(one) {
		t.Fatalf("batch %s, single %s", mustJSON(one), mustJSON(single))
	}
	// userID may be left out; an empty list answers an empty map.
	r = w.ok(t, "/group/get_incremental_group_members_batch", w.member, map[string]any{"reqList": []map[string]any{}})
	jsonEqual(t, r.Data, `{"respList":{}}`)

	for _, c := range []struct {
		name string
		who  string
		body map[string]any
		code int
	}{
		{"another user", "member", map[string]any{"userID": "owner", "reqList": []map[string]any{{"groupID": "g1"}}}, codeNoPermission},
		{"a group the user is not in", "member", map[string]any{"userID": "member", "reqList": []map[string]any{{"groupID": "g1"}, {"groupID": "g3"}}}, codeNoPermission},
		{"an unknown group", "member", map[string]any{"reqList": []map[string]any{{"groupID": "nope"}}}, codeGroupIDNotFound},
		{"no groupID", "member", map[string]any{"reqList": []map[string]any{{"version": 1}}}, codeArgs},
		{"over 1000", "appadmin", map[string]any{"userID": "member", "reqList": func() []map[string]any {
			out := make([]map[string]any, 1001)
			for i := range out {
				out[i] = map[string]any{"groupID": "g1"}
			}
			return out
		}()}, codeArgs},
	} {
		t.Run(c.name, func(t *testing.T) {
			w.fail(t, "/group/get_incremental_group_members_batch", w.tok(c.who), c.body, c.code)
		})
	}
	// An app admin may ask for anyone, about any group.
	w.ok(t, "/group/get_incremental_group_members_batch", w.env.admin, map[string]any{"userID": "member", "reqList": []map[string]any{{"groupID": "g3"}}})
}

// Once the answers carry MaxChanges changes in all, the rest are left out
// for the client to ask again.
func TestIncrementalGroupMembersBatchBudget(t *testing.T) {
	e := newEnvWith(t, domain.Options{Sync: domain.SyncOptions{MaxChanges: 4}})
	e.register(t, "o", "a", "b", "c")
	var reqs []map[string]any
	for _, g := range []string{"g1", "g2", "g3"} {
		e.createGroup(t, e.admin, g, "o", nil, nil)
		s, _ := e.memberSync(t, e.admin, g, "", 0)
		reqs = append(reqs, map[string]any{"groupID": g, "versionID": s.VersionID, "version": s.Version})
	}
	for _, g := range []string{"g1", "g2", "g3"} {
		e.ok(t, "/group/invite_user_to_group", e.admin, map[string]any{"groupID": g, "invitedUserIDs": []string{"a", "b", "c"}})
	}
	o := e.userToken(t, "o")
	r := e.ok(t, "/group/get_incremental_group_members_batch", o, map[string]any{"reqList": reqs})
	var d incrementalGroupMembersBatchResp
	json.Unmarshal(r.Data, &d)
	if len(d.RespList) != 2 || len(d.RespList["g1"].Insert) != 3 || len(d.RespList["g2"].Insert) != 3 {
		t.Fatalf("budgeted batch: %s", r.Data)
	}
	r = e.ok(t, "/group/get_incremental_group_members_batch", o, map[string]any{"reqList": reqs[2:]})
	d = incrementalGroupMembersBatchResp{}
	json.Unmarshal(r.Data, &d)
	if len(d.RespList) != 1 || len(d.RespList["g3"].Insert) != 3 {
		t.Fatalf("the rest: %s", r.Data)
	}
}

func TestSyncPermissionsAndArgs(t *testing.T) {
	w := newWorld(t)
	cases := []struct {
		name string
		who  string
		path string
		body any
		code int
	}{
		{"join groups of self", "member", "/group/get_incremental_join_groups", map[string]any{"userID": "member"}, 0},
		{"join groups of other", "member", "/group/get_incremental_join_groups", map[string]any{"userID": "owner"}, codeNoPermission},
		{"join groups by app admin", "appadmin", "/group/get_incremental_join_groups", map[string]any{"userID": "owner"}, 0},
		{"join groups no user", "member", "/group/get_incremental_join_groups", map[string]any{}, codeArgs},
		{"join groups negative version", "member", "/group/get_incremental_join_groups", `{"userID":"member","version":-1}`, codeArgs},
		{"join groups version as string", "member", "/group/get_incremental_join_groups", `{"userID":"member","version":"1"}`, codeArgs},
		{"members by member", "member", "/group/get_incremental_group_members", map[string]any{"groupID": "g1"}, 0},
		{"members by app admin", "appadmin", "/group/get_incremental_group_members", map[string]any{"groupID": "g1"}, 0},
		{"members by outsider", "outsider", "/group/get_incremental_group_members", map[string]any{"groupID": "g1"}, codeNoPermission},
		{"members unknown group", "appadmin", "/group/get_incremental_group_members", map[string]any{"groupID": "nope"}, codeGroupIDNotFound},
		{"members no group", "member", "/group/get_incremental_group_members", map[string]any{}, codeArgs},
		{"members fractional version", "member", "/group/get_incremental_group_members", `{"groupID":"g1","version":1.5}`, codeArgs},
		{"full join IDs self", "member", "/group/get_full_join_group_ids", map[string]any{"userID": "member", "idHash": 1}, 0},
		{"full join IDs other", "member", "/group/get_full_join_group_ids", map[string]any{"userID": "owner"}, codeNoPermission},
		{"full join IDs app admin", "appadmin", "/group/get_full_join_group_ids", map[string]any{"userID": "owner"}, 0},
		{"full join IDs negative hash", "member", "/group/get_full_join_group_ids", `{"userID":"member","idHash":-1}`, codeArgs},
		{"full join IDs bad hash string", "member", "/group/get_full_join_group_ids", `{"userID":"member","idHash":"x"}`, codeArgs},
		{"full join IDs largest hash", "member", "/group/get_full_join_group_ids", `{"userID":"member","idHash":18446744073709551615}`, 0},
		{"full member IDs member", "member", "/group/get_full_group_member_user_ids", map[string]any{"groupID": "g1"}, 0},
		{"full member IDs outsider", "outsider", "/group/get_full_group_member_user_ids", map[string]any{"groupID": "g1"}, codeNoPermission},
		{"full member IDs unknown", "appadmin", "/group/get_full_group_member_user_ids", map[string]any{"groupID": "nope"}, codeGroupIDNotFound},
		{"full member IDs no group", "member", "/group/get_full_group_member_user_ids", map[string]any{}, codeArgs},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.code == 0 {
				w.ok(t, c.path, w.tok(c.who), c.body)
				return
			}
			if r := w.fail(t, c.path, w.tok(c.who), c.body, c.code); r.ErrDlt == "" {
				t.Fatal("no errDlt")
			}
		})
	}
}
