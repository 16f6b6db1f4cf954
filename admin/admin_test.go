package admin_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/groupd/groupd/admin"
	"github.com/groupd/groupd/client"
	"github.com/groupd/groupd/internal/testserver"
	"github.com/groupd/groupd/metrics"
)

var updateShots = flag.Bool("update-screenshots", false, "write the console's screenshots into testdata/")

// views are the console's screens; the browser test takes a screenshot of
// each, kept in testdata/ so that a reviewer sees what changed.
var views = []string{"login", "login-error", "groups", "group", "group-phone", "confirm-mute", "confirm-dismiss",
	"requests", "users", "user", "not-found", "watch", "watch-phone"}

func TestHandler(t *testing.T) {
	h := admin.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin/", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<title>groupd admin</title>") ||
		!strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("GET /admin/: %d %v", rec.Code, rec.Header())
	}
	for _, f := range []string{"app.js", "style.css", "favicon.svg"} {
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

// TestScreenshotsCommitted: every view has its screenshot in testdata/
// (go test ./admin -run Chromium -update-screenshots writes them).
func TestScreenshotsCommitted(t *testing.T) {
	for _, v := range views {
		fi, err := os.Stat(filepath.Join("testdata", v+".png"))
		if err != nil || fi.Size() < 1000 {
			t.Errorf("testdata/%s.png: %v; run go test ./admin -run Chromium -update-screenshots", v, err)
		}
	}
}

const chromiumPath = "/usr/bin/chromium"

// seed makes the data the console shows: a group of 30 members (two
// pages), one of them muted; two smaller groups, one with two users asking
// to join.
func seed(t *testing.T, c *client.Client) {
	t.Helper()
	ctx := context.Background()
	users := []client.NewUser{{UserID: "alice", Nickname: "Alice Liddell"}, {UserID: "hatter", Nickname: "Mad Hatter"}, {UserID: "hare", Nickname: "March Hare"}}
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
	_, err := c.CreateGroup(ctx, &client.CreateGroupReq{OwnerUserID: "alice", MemberUserIDs: members, AdminUserIDs: []string{},
		GroupInfo: client.NewGroupInfo{GroupID: "900100", GroupName: "Rabbit Hole", Notification: "Mind the hole", GroupType: 2}})
	must(err)
	for _, g := range []struct{ id, name string }{{"900200", "Tea Party"}, {"900300", "Croquet Club"}} {
		_, err := c.CreateGroup(ctx, &client.CreateGroupReq{OwnerUserID: "alice", MemberUserIDs: []string{"user01"}, AdminUserIDs: []string{},
			GroupInfo: client.NewGroupInfo{GroupID: g.id, GroupName: g.name, GroupType: 2}})
		must(err)
	}
	must(c.MuteGroupMember(ctx, &client.MuteMemberReq{GroupID: "900100", UserID: "user07", MutedSeconds: 3600}))
	for _, u := range []string{"hatter", "hare"} {
		must(c.JoinGroup(ctx, &client.JoinGroupReq{GroupID: "900300", UserID: u, ReqMessage: "May I play?", JoinSource: 3}))
	}
}

// browser is a headless Chromium on the console.
type browser struct {
	t   *testing.T
	ctx context.Context
	dir string // where screenshots go
}

func (b *browser) do(name string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		if png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot()); err == nil {
			os.WriteFile(filepath.Join(b.t.TempDir(), "failure.png"), png, 0o644)
		}
		page, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.hash + "\n" + document.body.innerText.slice(0, 800)`))
		b.t.Logf("the page at %s", page)
		errText, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById("error").textContent`))
		b.t.Fatalf("%s: %v (page error: %q)", name, err, errText)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browser) eval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
	return s
}

// waitText waits until the element's text contains want.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.offsetParent !== null && e.textContent.includes(%q); })()`, sel, want)
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		got, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel)))
		errText, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById("error").textContent`))
		b.t.Fatalf("%s never says %q; it says %q (page error %q): %v", sel, want, got, errText, err)
	}
}

func (b *browser) shot(name string) {
	b.t.Helper()
	chromedp.Do(b.ctx, chromedp.Sleep(150*time.Millisecond)) // let the last paint land
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// confirm waits for the confirmation dialog, lets set fill it in, and
// presses its confirm button.
func (b *browser) confirm(title string, set ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.waitText("#confirm-title", title)
	b.do("fill the dialog", set...)
	b.do("confirm", chromedp.Click(chromedp.CSS("#confirm-ok")), chromedp.WaitNotVisible(chromedp.CSS("#confirm")))
}

// TestConsoleInChromium drives the console in headless Chromium: log in,
// find, open, act (each action confirmed, its result checked on the page
// and through the API), watch; at desktop and phone width.
func TestConsoleInChromium(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing; CI installs it (apt-get install chromium)", chromiumPath)
		}
		t.Skipf("%s is missing: apt-get install -y chromium to run the browser test", chromiumPath)
	}
	m := metrics.New()
	srv := testserver.New(t, testserver.Options{Wrap: m.Middleware})
	srv.Mux.Handle("/admin/", admin.Handler())
	srv.Mux.Handle("GET /admin/api/history", admin.RequireAdminToken(srv.Mux, m.History().Handler()))
	evAPI := admin.RequireAdminToken(srv.Mux, admin.EventsAPI{Log: srv.Store, Sinks: []string{"openim-webhooks", "zim-callbacks"}}.Handler())
	srv.Mux.Handle("/admin/api/events", evAPI)
	srv.Mux.Handle("/admin/api/events/", evAPI)
	api := client.New(srv.URL, client.WithSecret(testserver.Secret))
	seed(t, api)
	ctx := context.Background()
	deadLetters(t, srv.Store, "openim-webhooks", 3)

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
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	defer cancelCtx()
	bctx, cancel := context.WithTimeout(bctx, 3*time.Minute)
	defer cancel()
	if err := chromedp.Do(bctx); err != nil { // start the browser on the test's context
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: bctx, dir: t.TempDir()}
	if *updateShots {
		b.dir = "testdata"
		os.MkdirAll(b.dir, 0o755)
	} else if d := os.Getenv("GROUPD_SCREENSHOT_DIR"); d != "" { // keep them, e.g. as a CI artifact
		b.dir = d
	}
	desktop := chromedp.EmulateViewport(1280, 900)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)

	// Before login only the login form shows: the nav stays hidden.
	b.do("open", desktop, chromedp.Navigate(srv.URL+"/admin/"), chromedp.WaitVisible(chromedp.CSS("#secret")))
	if d := b.eval(`getComputedStyle(document.getElementById("nav")).display`); d != "none" {
		t.Fatalf("before login the nav shows (display %q)", d)
	}
	if href := b.eval(`document.querySelector("link[rel=icon]").href`); !strings.HasSuffix(href, "/admin/favicon.svg") {
		t.Fatalf("favicon: %q", href)
	}
	b.shot("login")

	// A wrong secret reads as a sentence, not an API string.
	b.do("wrong secret", chromedp.SendKeys(chromedp.CSS("#secret"), "not-the-secret-at-all"), chromedp.Click(chromedp.CSS("#login")))
	b.waitText("#error", "Wrong admin secret")
	if e := b.text("#error"); strings.Contains(e, "1002") || strings.Contains(e, "[") || strings.Contains(e, "/auth/") {
		t.Fatalf("login error is raw: %q", e)
	}
	b.shot("login-error")

	b.eval(`document.getElementById("secret").value = ""`)
	b.do("log in",
		chromedp.SendKeys(chromedp.CSS("#secret"), testserver.Secret+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`#groups-table a[href="#/group/900300"]`)),
	)
	if got := b.text("#who"); got != "signed in as imAdmin" {
		t.Fatalf("after login the header says %q", got)
	}
	if b.eval(`document.getElementById("error").hidden ? "hidden" : "shown"`) != "hidden" {
		t.Fatal("the login error stays after a good login")
	}
	b.shot("groups")

	// Find: by name, with "/" to reach the search box.
	b.do("search", chromedp.KeyEvent("/"), chromedp.Sleep(100*time.Millisecond))
	if id := b.eval(`document.activeElement.id`); id != "search-name" {
		t.Fatalf(`"/" focuses %q, want the group search`, id)
	}
	b.eval(`document.getElementById("search-name").value = ""`) // CDP's "/" may type itself
	b.do("search", chromedp.SendKeys(chromedp.CSS("#search-name"), "Rabbit"+kb.Enter),
		chromedp.WaitNotPresent(chromedp.CSS(`#groups-table a[href="#/group/900300"]`)))
	if got := b.text("#groups-table"); !strings.Contains(got, "Rabbit Hole") || strings.Contains(got, "Tea Party") || !strings.Contains(got, "Alice Liddell") {
		t.Fatalf("search results:\n%s", got)
	}

	b.do("open the group", chromedp.Click(chromedp.CSS(`#groups-table a[href="#/group/900100"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#members-table a[href="#/user/alice"]`)))
	got := b.text("#group-view")
	for _, want := range []string{"Rabbit Hole · 900100", "Mind the hole", "Applications need approval; invitations do not",
		"Members may see each other's profiles", "Members may add each other as friends", "Working group", "owner", "Members (30)",
		"page 1 of 2 · 30 in all", "user07", "No join request is waiting."} {
		if !strings.Contains(got, want) {
			t.Fatalf("group view lacks %q:\n%s", want, got)
		}
	}
	for _, raw := range []string{"Look member info", "Apply member friend"} {
		if strings.Contains(got, raw) {
			t.Fatalf("group view shows the raw field %q", raw)
		}
	}
	if n := b.eval(`String(document.querySelectorAll("#members-table .tag.muted").length)`); n != "1" {
		t.Fatalf("%s muted members shown, want 1", n)
	}
	b.shot("group")

	// Act: mute a member for 10 minutes.
	b.do("mute user05", chromedp.Click(chromedp.CSS(`#members-table tr[data-user="user05"] td.acts button`)))
	b.waitText("#confirm-title", "Mute Member 5?")
	b.do("pick 10 minutes", chromedp.SetValue(chromedp.CSS("#confirm-seconds"), "600"))
	b.shot("confirm-mute")
	b.confirm("Mute Member 5?")
	b.waitText("#notice", "Muted Member 5 for 10 minutes.")
	b.waitText(`#members-table tr[data-user="user05"]`, "Unmute")
	mem := func(group, user string) client.MemberInfo {
		t.Helper()
		r, err := api.GetGroupMembersInfo(ctx, &client.MembersInfoReq{GroupID: group, UserIDs: []string{user}})
		if err != nil || len(r.Members) != 1 {
			t.Fatalf("member %s of %s: %v %v", user, group, r, err)
		}
		return r.Members[0]
	}
	if end := mem("900100", "user05").MuteEndTime; end < time.Now().Add(9*time.Minute).UnixMilli() || end > time.Now().Add(11*time.Minute).UnixMilli() {
		t.Fatalf("user05 muted until %d", end)
	}

	// Esc cancels: nothing happens.
	b.do("start kicking user03", chromedp.Click(chromedp.CSS(`#members-table tr[data-user="user03"] td.acts button.danger`)))
	b.waitText("#confirm-title", "Remove Member 3 from the group?")
	b.do("Esc", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS("#confirm")))
	if _, err := api.GetGroupMembersInfo(ctx, &client.MembersInfoReq{GroupID: "900100", UserIDs: []string{"user03"}}); err != nil {
		t.Fatalf("after Esc user03 is gone: %v", err)
	}

	// Unmute the member muted at the start.
	b.do("unmute user07", chromedp.Click(chromedp.CSS(`#members-table tr[data-user="user07"] td.acts button`)))
	b.confirm("Unmute Member 7?")
	b.waitText("#notice", "Unmuted Member 7.")
	if end := mem("900100", "user07").MuteEndTime; end > time.Now().UnixMilli() {
		t.Fatalf("user07 still muted until %d", end)
	}

	// Kick, with a reason.
	b.do("kick user03", chromedp.Click(chromedp.CSS(`#members-table tr[data-user="user03"] td.acts button.danger`)))
	b.confirm("Remove Member 3 from the group?", chromedp.SendKeys(chromedp.CSS("#confirm-reason"), "spam"))
	b.waitText("#notice", "Removed Member 3 from the group.")
	b.waitText("#members-total", "(29)")
	if ids, err := api.GetGroupMemberUserID(ctx, &client.GroupIDReq{GroupID: "900100"}); err != nil || containsAll(ids.UserIDs, "user03") || len(ids.UserIDs) != 29 {
		t.Fatalf("after the kick: %v %v", ids, err)
	}

	// Mute and unmute the whole group.
	b.do("mute the group", chromedp.Click(chromedp.CSS("#act-mute-group")))
	b.confirm("Mute the whole group?")
	b.waitText("#group-info", "muted")
	b.waitText("#act-mute-group", "Unmute group")
	if g := groupInfo(t, api, "900100"); g.Status != client.GroupStatusMuted {
		t.Fatalf("group status %d after mute", g.Status)
	}
	b.do("unmute the group", chromedp.Click(chromedp.CSS("#act-mute-group")))
	b.confirm("Unmute the group?")
	b.waitText("#notice", "Unmuted the group.")
	if g := groupInfo(t, api, "900100"); g.Status != client.GroupStatusNormal {
		t.Fatalf("group status %d after unmute", g.Status)
	}

	// Transfer the ownership; a wrong entry is caught in the dialog.
	b.do("transfer", chromedp.Click(chromedp.CSS("#act-transfer")))
	b.waitText("#confirm-title", "Transfer ownership?")
	b.do("empty", chromedp.Click(chromedp.CSS("#confirm-ok")))
	b.waitText("#confirm-problem", "Enter the new owner's user ID.")
	b.confirm("Transfer ownership?", chromedp.SendKeys(chromedp.CSS("#confirm-newOwner"), "user01"))
	b.waitText("#notice", "user01 owns the group now.")
	b.waitText("#group-info", "user01")
	if g := groupInfo(t, api, "900100"); g.OwnerUserID != "user01" {
		t.Fatalf("owner %s after transfer", g.OwnerUserID)
	}

	// The role filter does not carry over to the next group.
	b.do("filter admins", chromedp.SetValue(chromedp.CSS("#member-role"), "1"), chromedp.Click(chromedp.CSS("#member-filter-go")))
	b.waitText("#members-total", "(1 match the filter)")
	b.do("next group", chromedp.Navigate(srv.URL+"/admin/#/group/900200"))
	b.waitText("#group-title", "Tea Party · 900200")
	b.waitText("#members-total", "(2)")
	if v := b.eval(`document.getElementById("member-role").value`); v != "0" {
		t.Fatalf("the role filter carried over: %q", v)
	}

	// Dismiss: the group ID must be typed.
	b.do("dismiss", chromedp.Click(chromedp.CSS("#act-dismiss")))
	b.waitText("#confirm-title", "Dismiss the group?")
	b.do("wrong id", chromedp.SendKeys(chromedp.CSS("#confirm-typed"), "900201"+kb.Enter))
	b.waitText("#confirm-problem", "does not match")
	b.shot("confirm-dismiss")
	b.eval(`document.getElementById("confirm-typed").value = ""`)
	b.confirm("Dismiss the group?", chromedp.SendKeys(chromedp.CSS("#confirm-typed"), "900200"))
	b.waitText("#notice", "Dismissed Tea Party.")
	if r, err := api.GetGroupsInfo(ctx, &client.GroupIDsReq{GroupIDs: []string{"900200"}}); err == nil && len(r.GroupInfos) == 1 && r.GroupInfos[0].Status != client.GroupStatusDismissed {
		t.Fatalf("after dismiss: %+v", r.GroupInfos[0])
	}

	// Join requests: approve one, refuse the other.
	b.do("requests", chromedp.Navigate(srv.URL+"/admin/#/group/900300"))
	b.waitText("#requests-total", "(2 waiting)")
	b.waitText("#requests-table", "Mad Hatter (hatter)")
	b.shot("requests")
	b.do("approve", chromedp.Click(chromedp.CSS(`#requests-table tr[data-user="hatter"] td.acts button`)))
	b.confirm("Let Mad Hatter in?", chromedp.SendKeys(chromedp.CSS("#confirm-msg"), "welcome"))
	b.waitText("#notice", "Mad Hatter is a member now.")
	b.waitText("#requests-total", "(1 waiting)")
	b.waitText("#members-table", "hatter")
	b.do("refuse", chromedp.Click(chromedp.CSS(`#requests-table tr[data-user="hare"] td.acts button.danger`)))
	b.confirm("Refuse March Hare?")
	b.waitText("#notice", "Refused March Hare's request.")
	b.waitText("#requests-total", "(0 waiting)")
	ids, err := api.GetGroupMemberUserID(ctx, &client.GroupIDReq{GroupID: "900300"})
	if err != nil || len(ids.UserIDs) != 3 || !containsAll(ids.UserIDs, "alice", "hatter", "user01") {
		t.Fatalf("900300 members after the answers: %v %v", ids, err)
	}

	// An unknown group: a clear page, not an empty group.
	b.do("unknown group", chromedp.Navigate(srv.URL+"/admin/#/group/nope"))
	b.waitText("#notfound-view", "There is no group with the ID “nope”")
	if b.eval(`document.getElementById("group-view").hidden ? "hidden" : "shown"`) != "hidden" {
		t.Fatal("the empty group page shows for an unknown group")
	}
	b.shot("not-found")

	// Find users by nickname, with the keyboard: "u", "/", type, Enter.
	b.eval(`document.activeElement.blur(), ""`)
	b.do("users", chromedp.KeyEvent("u"))
	b.waitText("#users-view h2", "Users")
	b.do("find", chromedp.KeyEvent("/"), chromedp.Sleep(100*time.Millisecond))
	if id := b.eval(`document.activeElement.id`); id != "user-query" {
		t.Fatalf(`"/" focuses %q, want the user search`, id)
	}
	b.eval(`document.getElementById("user-query").value = ""`)
	b.do("type", chromedp.KeyEvent("hare"+kb.Enter))
	b.waitText("#users-table", "March Hare")
	if got := b.text("#users-table"); strings.Contains(got, "Mad Hatter") {
		t.Fatalf("nickname search:\n%s", got)
	}
	b.eval(`document.getElementById("user-query").value = ""`)
	b.do("find by nickname", chromedp.SendKeys(chromedp.CSS("#user-query"), "Member 2"+kb.Enter))
	b.waitText("#users-table", "user29")
	b.shot("users")

	// A user's groups and requests; force logout.
	tok, err := api.GetUserToken(ctx, &client.UserPlatformReq{PlatformID: 1, UserID: "hare"})
	if err != nil {
		t.Fatal(err)
	}
	hare := api.WithUserToken(tok.Token)
	if _, err := hare.GetJoinedGroupList(ctx, &client.JoinedGroupListReq{FromUserID: "hare", Pagination: client.Pagination{PageNumber: 1, ShowNumber: 10}}); err != nil {
		t.Fatalf("hare's token before the logout: %v", err)
	}
	b.do("open hare", chromedp.Navigate(srv.URL+"/admin/#/user/hare"))
	b.waitText("#user-title", "March Hare · hare")
	b.waitText("#user-requests-table", "refused")
	b.waitText("#joined-empty", "Not in any group.")
	b.do("force logout", chromedp.Click(chromedp.CSS("#act-force-logout")))
	b.confirm("Log hare out?", chromedp.SetValue(chromedp.CSS("#confirm-platform"), "1"))
	b.waitText("#notice", "Logged hare out on iOS.")
	if _, err := hare.GetJoinedGroupList(ctx, &client.JoinedGroupListReq{FromUserID: "hare", Pagination: client.Pagination{PageNumber: 1, ShowNumber: 10}}); err == nil {
		t.Fatal("hare's token works after the force logout")
	}
	b.do("open user01", chromedp.Navigate(srv.URL+"/admin/#/user/user01"))
	b.waitText("#joined-total", "(3)")
	b.waitText("#joined-table", "Croquet Club")
	b.shot("user")
	b.do("unknown user", chromedp.Navigate(srv.URL+"/admin/#/user/nobody"))
	b.waitText("#notfound-view", "No user with the ID “nobody”")

	// Some ZIM traffic and a failing OpenIM call, so the charts have lines.
	for range 3 {
		resp, err := http.Get(srv.URL + "/?Action=QueryGroupInfo")
		if err == nil {
			resp.Body.Close()
		}
	}

	// Watch: the dashboard charts each dialect.
	b.do("watch", chromedp.Navigate(srv.URL+"/admin/#/watch"), chromedp.WaitVisible(chromedp.CSS("#chart-openim-requests polyline")))
	b.waitText("#card-openim", "Requests, last hour")
	if n := b.eval(`String(document.querySelectorAll("#charts figure svg").length)`); n != "6" {
		t.Fatalf("%s charts, want 6", n)
	}
	if n := b.eval(`String(document.querySelectorAll("#chart-zim-requests polyline").length)`); n == "0" {
		t.Fatal("no ZIM line")
	}
	var hist metrics.HistorySnapshot
	token, err := api.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/admin/api/history", nil)
	req.Header.Set("token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&hist)
	resp.Body.Close()
	if o := hist.Dialects["openim"]; o.TotalRequests < 20 || o.TotalErrors == 0 {
		t.Fatalf("history: %+v", o)
	}
	// Event delivery: the sinks, and a replay of the dead letters.
	b.waitText("#sink-openim-webhooks", "openim-webhooks")
	if got := b.eval(`document.querySelector("#sink-openim-webhooks td:nth-child(5)").textContent`); got != "3" {
		t.Fatalf("dead letters shown: %q", got)
	}
	if n := b.eval(`String(document.querySelectorAll("#sink-zim-callbacks button").length)`); n != "0" {
		t.Fatalf("a replay button on a sink without dead letters: %s", n)
	}
	b.shot("watch")
	b.do("replay", chromedp.Click(chromedp.CSS("#replay-openim-webhooks")))
	b.confirm("Replay 3 dead letters of openim-webhooks?")
	b.waitText("#notice", "Marked dead letters of openim-webhooks for replay.")
	dls, err := srv.Store.DeadLetters(ctx, "openim-webhooks", 10)
	if err != nil || len(dls) != 3 || !dls[0].Replay || !dls[2].Replay {
		t.Fatalf("after the replay: %+v %v", dls, err)
	}

	// Phone width: nothing wider than the screen.
	b.do("phone", phone, chromedp.Navigate(srv.URL+"/admin/#/watch"), chromedp.WaitVisible(chromedp.CSS("#chart-zim-p99")))
	b.shot("watch-phone")
	b.do("phone group", chromedp.Navigate(srv.URL+"/admin/#/group/900100"), chromedp.WaitVisible(chromedp.CSS(`#members-table a[href="#/user/alice"]`)))
	if w := b.eval(`String(document.documentElement.scrollWidth - window.innerWidth)`); w != "0" {
		t.Fatalf("at phone width the page is %s px wider than the screen", w)
	}
	b.shot("group-phone")

	b.do("log out", desktop, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#secret")))
	if d := b.eval(`getComputedStyle(document.getElementById("nav")).display`); d != "none" {
		t.Fatalf("after logout the nav shows (display %q)", d)
	}
	t.Logf("screenshots in %s", b.dir)
}

func groupInfo(t *testing.T, c *client.Client, id string) client.GroupInfo {
	t.Helper()
	r, err := c.GetGroupsInfo(context.Background(), &client.GroupIDsReq{GroupIDs: []string{id}})
	if err != nil || len(r.GroupInfos) != 1 {
		t.Fatalf("group %s: %v %v", id, r, err)
	}
	return r.GroupInfos[0]
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, x := range list {
			found = found || x == w
		}
		if !found {
			return false
		}
	}
	return true
}
