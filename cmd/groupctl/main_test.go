package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/groupd/groupd/client"
	"github.com/groupd/groupd/internal/testserver"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

// groupctlBinary builds the real binary once per test run.
func groupctlBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "groupctl-test-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "groupctl")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// ctl runs the binary against a server.
type ctl struct {
	t      *testing.T
	bin    string
	server *testserver.Server
	env    []string
}

func newCtl(t *testing.T) *ctl {
	t.Helper()
	return newCtlWith(t, testserver.Options{})
}

func newCtlWith(t *testing.T, opts testserver.Options) *ctl {
	t.Helper()
	bin := groupctlBinary(t)
	srv := testserver.New(t, opts)
	return &ctl{t: t, bin: bin, server: srv,
		env: append(os.Environ(), "GROUPD_URL="+srv.URL, "GROUPD_SECRET="+testserver.Secret)}
}

type result struct {
	code           int
	stdout, stderr string
}

func (c *ctl) run(args ...string) result {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// ok runs and requires exit code 0.
func (c *ctl) ok(args ...string) result {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("groupctl %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

func (c *ctl) api() *client.Client {
	return client.New(c.server.URL, client.WithSecret(testserver.Secret))
}

func TestUserAndGroupCommands(t *testing.T) {
	c := newCtl(t)
	c.ok("user", "register", "--nickname", "Alice", "alice")
	c.ok("user", "register", "bob", "carol", "dave")

	r := c.ok("group", "create", "--owner", "alice", "--id", "g1", "--name", "Team One", "--members", "bob,carol")
	for _, want := range []string{"GROUP ID", "g1", "Team One", "alice", "3"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("group create output lacks %q:\n%s", want, r.stdout)
		}
	}

	// --json goes anywhere on the line and prints the wire shape.
	r = c.ok("group", "info", "g1", "--json")
	var infos []client.GroupInfo
	if err := json.Unmarshal([]byte(r.stdout), &infos); err != nil || len(infos) != 1 || infos[0].MemberCount != 3 {
		t.Fatalf("group info --json: %v\n%s", err, r.stdout)
	}

	c.ok("group", "invite", "g1", "dave")
	r = c.ok("group", "members", "g1")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "USER ID") || !strings.Contains(lines[1], "alice") ||
		!strings.Contains(lines[1], "owner") || !strings.Contains(lines[5], "(1–4 of 4 members)") {
		t.Fatalf("group members table:\n%s", r.stdout)
	}

	c.ok("group", "mute", "g1", "bob", "--seconds", "600")
	var members client.MemberListResp
	r = c.ok("--json", "group", "members", "g1")
	if err := json.Unmarshal([]byte(r.stdout), &members); err != nil {
		t.Fatal(err)
	}
	for _, m := range members.Members {
		if (m.UserID == "bob") != (m.MuteEndTime != 0) {
			t.Fatalf("after mute, member %s muteEndTime %d", m.UserID, m.MuteEndTime)
		}
	}
	c.ok("group", "unmute", "g1", "bob")
	c.ok("group", "mute", "g1")
	r = c.ok("group", "info", "g1")
	if !strings.Contains(r.stdout, "muted") {
		t.Fatalf("group mute: info says\n%s", r.stdout)
	}
	c.ok("group", "unmute", "g1")

	c.ok("group", "kick", "g1", "carol", "--reason", "spam")
	ids, err := c.api().GetGroupMemberUserID(context.Background(), &client.GroupIDReq{GroupID: "g1"})
	if err != nil || !slices.Equal(ids.UserIDs, []string{"alice", "bob", "dave"}) {
		t.Fatalf("after kick: %v %v", ids, err)
	}

	r = c.ok("user", "groups", "bob")
	if !strings.Contains(r.stdout, "g1") || !strings.Contains(r.stdout, "(1–1 of 1 groups)") {
		t.Fatalf("user groups:\n%s", r.stdout)
	}
	r = c.ok("group", "search", "--name", "Team")
	if !strings.Contains(r.stdout, "g1") || !strings.Contains(r.stdout, "Alice") {
		t.Fatalf("group search:\n%s", r.stdout)
	}
	r = c.ok("user", "info", "alice", "bob")
	if !strings.Contains(r.stdout, "Alice") || !strings.Contains(r.stdout, "bob") {
		t.Fatalf("user info:\n%s", r.stdout)
	}
}

func TestErrorsAndUsage(t *testing.T) {
	c := newCtl(t)
	r := c.run("group", "info", "nope")
	if r.code != 1 || r.stderr != "groupctl: group nope not found (errCode 1004 RecordNotFoundError)\n" {
		t.Fatalf("unknown group: exit %d, stderr %q", r.code, r.stderr)
	}
	r = c.run("group", "frobnicate")
	if r.code != 2 || !strings.Contains(r.stderr, "unknown command") || !strings.Contains(r.stderr, "Usage:") {
		t.Fatalf("unknown command: exit %d, stderr %q", r.code, r.stderr)
	}
	r = c.run("--secret", "wrong", "group", "info", "g")
	if r.code != 1 || !strings.Contains(r.stderr, "1002") {
		t.Fatalf("wrong secret: exit %d, stderr %q", r.code, r.stderr)
	}
	// Flags win over the environment: --server points elsewhere.
	r = c.run("--server", "http://127.0.0.1:1", "group", "info", "g")
	if r.code != 1 || !strings.Contains(r.stderr, "connect") {
		t.Fatalf("bad server: exit %d, stderr %q", r.code, r.stderr)
	}
	r = c.ok("--help")
	if !strings.Contains(r.stdout, "import users FILE.csv") {
		t.Fatalf("help:\n%s", r.stdout)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImport(t *testing.T) {
	c := newCtl(t)
	c.ok("user", "register", "u0003") // already there: counted as existing

	var users strings.Builder
	users.WriteString("userID,nickname,faceURL\n")
	for i := range 250 {
		fmt.Fprintf(&users, "u%04d,User %d,\n", i, i)
	}
	users.WriteString(",no id,\n")
	usersCSV := writeFile(t, "users.csv", users.String())

	r := c.run("import", usersCSV)
	if r.code != 1 { // one row fails
		t.Fatalf("import users: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "251 rows: 249 users registered, 1 already existed, 1 failed") ||
		!strings.Contains(r.stdout, "line 252") {
		t.Fatalf("import users summary:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "importing users: 251/251 rows (100%)") {
		t.Fatalf("import users progress:\n%s", r.stderr)
	}

	// Again, as JSON: everything exists now.
	r = c.run("--json", "import", "users", usersCSV)
	var s summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if s.Rows != 251 || s.Done != 0 || s.Existing != 250 || s.Failed != 1 {
		t.Fatalf("second import: %+v", s)
	}

	var ms strings.Builder
	ms.WriteString("groupID,userID,role\n")
	ms.WriteString("big,u0000,owner\n")
	for i := 1; i < 120; i++ {
		role := "member"
		if i <= 2 {
			role = "admin"
		}
		fmt.Fprintf(&ms, "big,u%04d,%s\n", i, role)
	}
	ms.WriteString("small,u0001,owner\nsmall,u0002,\nsmall,nobody,member\nghost,u0001,member\n")
	r = c.run("import", "memberships", writeFile(t, "memberships.csv", ms.String()))
	if r.code != 1 ||
		!strings.Contains(r.stdout, "124 rows: 122 members added, 0 already members, 2 admins set, 2 groups created, 2 failed") ||
		!strings.Contains(r.stdout, "nobody") || !strings.Contains(r.stdout, "ghost") {
		t.Fatalf("import memberships: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "importing memberships: 124/124 rows (100%)") {
		t.Fatalf("import memberships progress:\n%s", r.stderr)
	}
	ctx := context.Background()
	list, err := c.api().GetGroupMemberList(ctx, &client.MemberListReq{GroupID: "big", Pagination: client.Pagination{PageNumber: 1, ShowNumber: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if list.Total != 120 || list.Members[0].UserID != "u0000" || list.Members[1].RoleLevel != client.RoleAdmin || list.Members[2].RoleLevel != client.RoleAdmin {
		t.Fatalf("group big: %+v", list)
	}
	small, err := c.api().GetGroupMemberUserID(ctx, &client.GroupIDReq{GroupID: "small"})
	if err != nil || !slices.Equal(small.UserIDs, []string{"u0001", "u0002"}) {
		t.Fatalf("group small: %v %v", small, err)
	}
}

// TestImportBadRows: rows with extra columns and broken quotes are refused
// with their lines, in line order, and the good rows around them are
// imported.
func TestImportBadRows(t *testing.T) {
	c := newCtl(t)
	csv := "userID,nickname\n" + // line 1
		"b1,Bea\n" + // 2
		"b2,Bo,extra\n" + // 3: a column too many
		"b3,\"Bee\n" + // 4: a quote opened here…
		"b4,Bop\n" + // 5
		"b5,Bu\"x\n" + // 6: …runs on to here
		"b6,\"Say \"\"hi\"\"\"\n" + // 7: a good quoted value
		"b7,Bi\"d\n" + // 8: a bare quote
		",nobody\n" // 9: no userID
	r := c.run("import", writeFile(t, "bad.csv", csv))
	if r.code != 1 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "6 rows: 2 users registered, 0 already existed, 4 failed") {
		t.Fatalf("summary:\n%s", r.stdout)
	}
	var lines []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "  line ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "  line 3 (b2): 3 fields, but the header names 2 columns") ||
		!strings.HasPrefix(lines[1], "  line 4: a quoted value opened on this line is not closed") || !strings.Contains(lines[1], "lines 4–6") ||
		!strings.HasPrefix(lines[2], "  line 8: not imported: a \" inside a value that is not quoted") ||
		!strings.HasPrefix(lines[3], "  line 9: userID is empty") {
		t.Fatalf("failures, in line order:\n%s", strings.Join(lines, "\n"))
	}
	if !strings.Contains(r.stderr, "fix them and run the import again") {
		t.Fatalf("stderr: %s", r.stderr)
	}
	info, err := c.api().GetUsersInfo(context.Background(), &client.UserIDsReq{UserIDs: []string{"b1", "b6"}})
	if err != nil || len(info.UsersInfo) != 2 || info.UsersInfo[1].Nickname != `Say "hi"` {
		t.Fatalf("the good rows: %+v %v", info, err)
	}
}

// TestImportRerun: running a finished memberships import again writes
// nothing and says that everything is there already.
func TestImportRerun(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	c := newCtlWith(t, testserver.Options{Wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			calls[r.URL.Path]++
			mu.Unlock()
			h.ServeHTTP(w, r)
		})
	}})
	var users, ms strings.Builder
	users.WriteString("userID\n")
	ms.WriteString("groupID,userID,role\n")
	for g := range 3 {
		for u := range 4 {
			id := fmt.Sprintf("r%d%d", g, u)
			fmt.Fprintln(&users, id)
			role := []string{"owner", "admin", "admin", "member"}[u]
			fmt.Fprintf(&ms, "rg%d,%s,%s\n", g, id, role)
		}
	}
	c.ok("import", writeFile(t, "users.csv", users.String()))
	path := writeFile(t, "ms.csv", ms.String())
	r := c.ok("import", path)
	if !strings.Contains(r.stdout, "12 rows: 12 members added, 0 already members, 6 admins set, 3 groups created, 0 failed") {
		t.Fatalf("first run:\n%s", r.stdout)
	}
	mu.Lock()
	clear(calls)
	mu.Unlock()
	r = c.ok("--json", "import", path)
	mu.Lock()
	if want := map[string]int{"/auth/get_admin_token": 1, "/group/get_group_member_list": 3}; !maps.Equal(calls, want) {
		t.Errorf("second run called %v, want only the reads %v", calls, want)
	}
	mu.Unlock()
	var s summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	if s.Rows != 12 || s.Done != 0 || s.Existing != 12 || s.Admins != 0 || s.AdminsAlready != 6 || s.Groups != 0 || s.Failed != 0 {
		t.Fatalf("second run: %+v", s)
	}
}
