package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func runCmd(args ...string) (string, error) {
	var out syncBuffer
	err := run(context.Background(), args, func(string) string { return "" }, &out)
	return out.String(), err
}

// snapshot reads back, through HTTP, everything the round trip must keep.
func snapshot(t *testing.T, addr, admin string, groupIDs []string) map[string]any {
	t.Helper()
	out := map[string]any{}
	out["groups"] = mustOK(t, call(t, addr, "/group/get_groups_info", admin, map[string]any{"groupIDs": groupIDs}))
	for _, g := range groupIDs {
		out["members:"+g] = mustOK(t, call(t, addr, "/group/get_group_member_list", admin,
			map[string]any{"groupID": g, "pagination": map[string]any{"pageNumber": 1, "showNumber": 1000}}))
	}
	out["users"] = mustOK(t, call(t, addr, "/user/get_users", admin, map[string]any{"pagination": map[string]any{"pageNumber": 1, "showNumber": 1000}}))
	out["joined"] = mustOK(t, call(t, addr, "/group/get_joined_group_list", admin,
		map[string]any{"fromUserID": "u1", "pagination": map[string]any{"pageNumber": 1, "showNumber": 100}}))
	return out
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cfg := hardConfig(t, dir)
	m := startWith(t, cfg, io.Discard, nil)
	addr := m.Addr()
	admin := adminToken(t, addr)

	var users []map[string]any
	for i := range 30 {
		users = append(users, map[string]any{"userID": fmt.Sprintf("u%d", i), "nickname": fmt.Sprintf("user %d", i)})
	}
	mustOK(t, call(t, addr, "/user/user_register", admin, map[string]any{"users": users}))
	var groupIDs []string
	for g := range 5 {
		gid := fmt.Sprintf("g%d", g)
		groupIDs = append(groupIDs, gid)
		var members []string
		for i := 1; i <= 5+g*4; i++ {
			members = append(members, fmt.Sprintf("u%d", i))
		}
		mustOK(t, call(t, addr, "/group/create_group", admin, map[string]any{"ownerUserID": "u0", "memberUserIDs": members,
			"groupInfo": map[string]any{"groupID": gid, "groupName": "group " + gid, "groupType": 2}}))
		mustOK(t, call(t, addr, "/group/set_group_info", admin, map[string]any{"groupInfoForSet": map[string]any{
			"groupID": gid, "notification": "notice of " + gid, "introduction": "intro"}}))
	}
	mustOK(t, call(t, addr, "/group/kick_group", admin, map[string]any{"groupID": "g4", "kickedUserIDs": []string{"u3", "u4"}}))
	mustOK(t, call(t, addr, "/group/transfer_group", admin, map[string]any{"groupID": "g2", "oldOwnerUserID": "u0", "newOwnerUserID": "u5"}))
	want := snapshot(t, addr, admin, groupIDs)

	// Backup while the server runs.
	backup := filepath.Join(t.TempDir(), "groupd-backup.db")
	if out, err := runCmd("backup", "--data", dir, "--out", backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if out, err := runCmd("backup", "--data", dir, "--out", backup); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("backup over an existing file: %v\n%s", err, out)
	}
	// A write after the backup is not in it.
	mustOK(t, call(t, addr, "/group/set_group_info", admin, map[string]any{"groupInfoForSet": map[string]any{"groupID": "g0", "groupName": "after backup"}}))

	// Restore refuses the running server's directory.
	if _, err := runCmd("restore", "--data", dir, "--in", backup); err == nil || !strings.Contains(err.Error(), "running") {
		t.Fatalf("restore into a running server's directory: %v", err)
	}
	// And files that are not groupd backups.
	notDB := filepath.Join(t.TempDir(), "x.db")
	os.WriteFile(notDB, []byte("SQLite format 3\x00 but not really"), 0o600)
	fresh := filepath.Join(t.TempDir(), "fresh")
	for _, in := range []string{notDB, filepath.Join(dir, "secret-does-not-exist"), filepath.Join(dir, "openim-revoked-tokens.json")} {
		if _, err := runCmd("restore", "--data", fresh, "--in", in); err == nil {
			t.Fatalf("restore of %s accepted", in)
		}
	}
	if _, err := os.Stat(filepath.Join(fresh, dbFileName)); err == nil {
		t.Fatal("a refused restore left a database")
	}

	if out, err := runCmd("restore", "--data", fresh, "--in", backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if _, err := runCmd("restore", "--data", fresh, "--in", backup); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restore over an existing database without --force: %v", err)
	}
	if out, err := runCmd("restore", "--data", fresh, "--in", backup, "--force"); err != nil || !strings.Contains(out, "before-restore") {
		t.Fatalf("restore --force: %v\n%s", err, out)
	}
	if fi, err := os.Stat(filepath.Join(fresh, dbFileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("restored database: %v %v", fi, err)
	}

	m2 := startWith(t, hardConfig(t, fresh), io.Discard, nil)
	got := snapshot(t, m2.Addr(), adminToken(t, m2.Addr()), groupIDs)
	if !reflect.DeepEqual(normalize(t, got), normalize(t, want)) {
		a, _ := json.MarshalIndent(got, "", " ")
		b, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("restored state differs\n got: %s\nwant: %s", a, b)
	}
	// The restored server takes writes.
	mustOK(t, call(t, m2.Addr(), "/group/invite_user_to_group", adminToken(t, m2.Addr()),
		map[string]any{"groupID": "g0", "invitedUserIDs": []string{"u29"}}))
}

// normalize round-trips v through JSON so that both sides compare alike.
func normalize(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	json.Unmarshal(b, &out)
	return out
}

func TestBackupRestoreUsage(t *testing.T) {
	for _, args := range [][]string{
		{"backup"}, {"backup", "--data", t.TempDir(), "--out", filepath.Join(t.TempDir(), "b.db")}, {"backup", "--nope"},
		{"restore"}, {"restore", "--in"}, {"backup", "--out", "x", "extra"},
	} {
		if out, err := runCmd(args...); err == nil {
			t.Errorf("%v accepted:\n%s", args, out)
		}
	}
}
