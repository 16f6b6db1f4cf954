package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/groupd/groupd/admin"
	"github.com/groupd/groupd/client"
	"github.com/groupd/groupd/internal/testserver"
)

func TestHandler(t *testing.T) {
	h := admin.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin/", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<title>groupd admin</title>") ||
		!strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("GET /admin/: %d %v", rec.Code, rec.Header())
	}
	for _, f := range []string{"app.js", "style.css"} {
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin/"+f, nil))
		if rec.Code != 200 || rec.Body.Len() == 0 {
			t.Fatalf("GET /admin/%s: %d", f, rec.Code)
		}
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/admin/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST /admin/: %d", rec.Code)
	}
}

const chromiumPath = "/usr/bin/chromium"

// seed makes the data the page shows: a group of 30 members (two pages),
// one of them muted, and two smaller groups.
func seed(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	c := client.New(url, client.WithSecret(testserver.Secret))
	users := []client.NewUser{{UserID: "alice", Nickname: "Alice Liddell"}}
	var members []string
	for i := 1; i < 30; i++ {
		id := fmt.Sprintf("user%02d", i)
		users = append(users, client.NewUser{UserID: id, Nickname: fmt.Sprintf("Member %d", i)})
		members = append(members, id)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.UserRegister(ctx, &client.UserRegisterReq{Users: users}))
	_, err := c.CreateGroup(ctx, &client.CreateGroupReq{OwnerUserID: "alice", MemberUserIDs: members,
		GroupInfo: client.NewGroupInfo{GroupID: "900100", GroupName: "Rabbit Hole", Notification: "Mind the hole", GroupType: 2}})
	must(err)
	for _, g := range []struct{ id, name string }{{"900200", "Tea Party"}, {"900300", "Croquet Club"}} {
		_, err := c.CreateGroup(ctx, &client.CreateGroupReq{OwnerUserID: "alice", MemberUserIDs: []string{"user01"},
			GroupInfo: client.NewGroupInfo{GroupID: g.id, GroupName: g.name, GroupType: 2}})
		must(err)
	}
	must(c.MuteGroupMember(ctx, &client.MuteMemberReq{GroupID: "900100", UserID: "user07", MutedSeconds: 3600}))
}

// TestAdminPageInChromium logs in, searches, opens a group, pages its
// members and looks at a user, in headless Chromium.
func TestAdminPageInChromium(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing; CI installs it (apt-get install chromium)", chromiumPath)
		}
		t.Skipf("%s is missing: apt-get install -y chromium to run the browser test", chromiumPath)
	}
	srv := testserver.New(t, testserver.Options{})
	srv.Mux.Handle("/admin/", admin.Handler())
	seed(t, srv.URL)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 1000),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	defer cancelCtx()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	do := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			errText, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("error").textContent`))
			t.Fatalf("%s: %v (page error: %q)", name, err, errText)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	do("log in",
		chromedp.Navigate(srv.URL+"/admin/"),
		chromedp.WaitVisible(chromedp.CSS("#secret")),
		chromedp.SendKeys(chromedp.CSS("#secret"), testserver.Secret),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS(`#groups-table a[href="#/group/900300"]`)),
	)
	if got := text("#who"); got != "signed in as imAdmin" {
		t.Fatalf("after login the header says %q", got)
	}

	do("search",
		chromedp.SendKeys(chromedp.CSS("#search-name"), "Rabbit"),
		chromedp.Click(chromedp.CSS("#search")),
		chromedp.WaitNotPresent(chromedp.CSS(`#groups-table a[href="#/group/900300"]`)),
	)
	if got := text("#groups-table"); !strings.Contains(got, "Rabbit Hole") || strings.Contains(got, "Tea Party") || !strings.Contains(got, "Alice Liddell") {
		t.Fatalf("search results:\n%s", got)
	}

	do("open the group",
		chromedp.Click(chromedp.CSS(`#groups-table a[href="#/group/900100"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#members-table a[href="#/user/alice"]`)),
	)
	got := text("#group-view")
	for _, want := range []string{"Rabbit Hole · 900100", "Mind the hole", "applications need approval", "owner", "Members (30)", "page 1 of 2 · 30 in all", "user07"} {
		if !strings.Contains(got, want) {
			t.Fatalf("group view lacks %q:\n%s", want, got)
		}
	}
	muted, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#members-table .tag.muted").length`))
	if err != nil || muted != 1 {
		t.Fatalf("%d muted members shown, want 1 (%v)", muted, err)
	}

	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if d := os.Getenv("GROUPD_SCREENSHOT_DIR"); d != "" { // keep it, e.g. as a CI artifact
		dir = d
	}
	shot := filepath.Join(dir, "admin-group.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the group page: %s", shot)

	do("next page of members",
		chromedp.Click(chromedp.CSS(`#members-pager button:last-child`)),
		chromedp.WaitVisible(chromedp.CSS(`#members-table a[href="#/user/user29"]`)),
	)
	if got := text("#members-pager"); !strings.Contains(got, "page 2 of 2") {
		t.Fatalf("pager: %q", got)
	}

	do("a user's groups",
		chromedp.Click(chromedp.CSS(`nav a[href="#/users"]`)),
		chromedp.WaitVisible(chromedp.CSS("#user-id")),
		chromedp.SendKeys(chromedp.CSS("#user-id"), "user01"),
		chromedp.Click(chromedp.CSS("#user-go")),
		chromedp.WaitVisible(chromedp.CSS(`#joined-table a[href="#/group/900300"]`)),
	)
	got = text("#users-view")
	for _, want := range []string{"Member 1", "Joined groups (3)", "Rabbit Hole", "Tea Party", "Croquet Club"} {
		if !strings.Contains(got, want) {
			t.Fatalf("user view lacks %q:\n%s", want, got)
		}
	}

	do("log out",
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#secret")),
	)
}
