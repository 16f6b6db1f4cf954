package feed_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupd/groupd/api/apitest"
	"github.com/groupd/groupd/client"
	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/events"
	"github.com/groupd/groupd/events/feed"
	"github.com/groupd/groupd/internal/testserver"
)

// Every OpenIM answer these tests receive is checked against api/openapi.json.
func init() { testserver.Check = apitest.Wrap }

type env struct {
	t     *testing.T
	srv   *testserver.Server
	feed  *feed.Feed
	admin *client.Client
	ctx   context.Context
}

func newEnv(t *testing.T, cfg feed.Config) *env {
	t.Helper()
	srv := testserver.New(t, testserver.Options{})
	cfg.Log = srv.Store
	cfg.Memberships = feed.DomainMemberships(srv.Store)
	cfg.Auth = feed.OpenIMAuth(srv.Mux)
	if cfg.Poll == 0 {
		cfg.Poll = 10 * time.Millisecond
	}
	f := feed.New(cfg)
	t.Cleanup(f.Shutdown) // before the server closes: streams end
	srv.Mux.Handle("GET /events", f)
	e := &env{t: t, srv: srv, feed: f, admin: client.New(srv.URL, client.WithSecret(testserver.Secret)), ctx: context.Background()}
	return e
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) adminToken() string {
	tok, err := e.admin.Token(e.ctx)
	e.must(err)
	return tok
}

func (e *env) userToken(id string) string {
	r, err := e.admin.GetUserToken(e.ctx, &client.UserPlatformReq{PlatformID: 1, UserID: id})
	e.must(err)
	return r.Token
}

func (e *env) users(ids ...string) {
	var us []client.NewUser
	for _, id := range ids {
		us = append(us, client.NewUser{UserID: id, Nickname: id})
	}
	e.must(e.admin.UserRegister(e.ctx, &client.UserRegisterReq{Users: us}))
}

func (e *env) group(id, owner string, members ...string) {
	if members == nil {
		members = []string{}
	}
	_, err := e.admin.CreateGroup(e.ctx, &client.CreateGroupReq{OwnerUserID: owner, MemberUserIDs: members, AdminUserIDs: []string{},
		GroupInfo: client.NewGroupInfo{GroupID: id, GroupName: "g " + id, GroupType: 2}})
	e.must(err)
}

func (e *env) rename(group, name string) {
	e.must(e.admin.SetGroupInfoEx(e.ctx, &client.SetGroupInfoExReq{GroupID: group, GroupName: &name}))
}

// msg is one SSE message.
type msg struct {
	ID    int64
	Event string
	Data  string
}

func (m msg) payload(t *testing.T) events.Payload {
	var p events.Payload
	if err := json.Unmarshal([]byte(m.Data), &p); err != nil {
		t.Fatalf("data of %d: %v: %s", m.ID, err, m.Data)
	}
	return p
}

// sse is a client of the feed.
type sse struct {
	resp   *http.Response
	ch     chan msg
	cancel context.CancelFunc
	mu     sync.Mutex
	lastID int64 // as EventSource keeps it
}

// open connects; the status and body of a refusal are returned when it is
// not 200.
func (e *env) open(token string, header map[string]string, query string) (*sse, int, string) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(e.ctx)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/events"+query, nil)
	if token != "" {
		req.Header.Set("token", token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		e.t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		return nil, resp.StatusCode, string(b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		e.t.Fatalf("Content-Type %q", ct)
	}
	s := &sse{resp: resp, ch: make(chan msg, 100000), cancel: cancel}
	go s.read()
	e.t.Cleanup(s.close)
	return s, 200, ""
}

func (s *sse) read() {
	defer close(s.ch)
	sc := bufio.NewScanner(s.resp.Body)
	sc.Buffer(nil, 4<<20)
	var m msg
	hasID := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if hasID {
				s.mu.Lock()
				s.lastID = m.ID
				s.mu.Unlock()
			}
			if m.Event != "" || m.Data != "" {
				s.ch <- m
			}
			m, hasID = msg{}, false
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "id: "):
			m.ID, _ = strconv.ParseInt(line[4:], 10, 64)
			hasID = true
		case strings.HasPrefix(line, "event: "):
			m.Event = line[7:]
		case strings.HasPrefix(line, "data: "):
			m.Data = line[6:]
		}
	}
}

func (s *sse) close() {
	s.cancel()
	s.resp.Body.Close()
}

func (s *sse) last() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastID
}

// next waits for the next event message.
func (s *sse) next(t *testing.T) msg {
	t.Helper()
	select {
	case m, ok := <-s.ch:
		if !ok {
			t.Fatal("feed ended")
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return msg{}
}

// none checks that no event comes within d.
func (s *sse) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case m, ok := <-s.ch:
		if ok {
			t.Fatalf("unexpected event %d %s: %s", m.ID, m.Event, m.Data)
		}
	case <-time.After(d):
	}
}

// until collects event messages until one of type typ in group.
func (s *sse) until(t *testing.T, typ, group string) []msg {
	t.Helper()
	var out []msg
	for {
		m := s.next(t)
		out = append(out, m)
		if m.Event == typ && m.payload(t).GroupID == group {
			return out
		}
	}
}

func types(t *testing.T, ms []msg) string {
	var s []string
	for _, m := range ms {
		s = append(s, m.Event+"@"+m.payload(t).GroupID)
	}
	return strings.Join(s, " ")
}

func TestAuth(t *testing.T) {
	e := newEnv(t, feed.Config{})
	if _, code, body := e.open("", nil, ""); code != 401 || !strings.Contains(body, "errCode") {
		t.Fatalf("no token: %d %s", code, body)
	}
	if _, code, _ := e.open("not-a-token", nil, ""); code != 401 {
		t.Fatalf("bad token: %d", code)
	}
	if _, code, _ := e.open("", nil, "?after=x&token="+e.adminToken()); code != 400 {
		t.Fatalf("bad cursor: %d", code)
	}
	// ?token= (EventSource cannot set headers).
	s, code, body := e.open("", nil, "?token="+e.adminToken())
	if code != 200 {
		t.Fatalf("?token=: %d %s", code, body)
	}
	e.users("alice")
	if m := s.next(t); m.Event != domain.EventUserRegistered || m.payload(t).UserIDs[0] != "alice" {
		t.Fatalf("got %+v", m)
	}
}

// TestVisibility: an app admin sees every event; a user the events of
// their groups (kept current as they join and leave) and their own.
func TestVisibility(t *testing.T) {
	e := newEnv(t, feed.Config{})
	e.users("alice", "bob", "carol")
	e.group("g1", "alice", "bob")
	e.group("g2", "carol")
	adm, _, _ := e.open(e.adminToken(), nil, "")
	al, _, _ := e.open(e.userToken("alice"), nil, "")
	ca, _, _ := e.open(e.userToken("carol"), nil, "")

	e.rename("g1", "one")
	e.rename("g2", "two")
	e.users("dave")
	e.must(e.admin.InviteUserToGroup(e.ctx, &client.InviteReq{GroupID: "g1", InvitedUserIDs: []string{"carol"}}))
	e.rename("g1", "one again")
	e.must(e.admin.KickGroup(e.ctx, &client.KickReq{GroupID: "g1", KickedUserIDs: []string{"carol"}}))
	e.rename("g1", "one more")
	e.rename("g2", "end")

	got := types(t, adm.until(t, domain.EventGroupUpdated, "g2")) + " " + types(t, adm.until(t, domain.EventGroupUpdated, "g2"))
	if got != "group.updated@g1 group.updated@g2 user.registered@ member.joined@g1 group.updated@g1 member.kicked@g1 group.updated@g1 group.updated@g2" {
		t.Fatalf("admin saw %s", got)
	}
	if got := types(t, al.until(t, domain.EventGroupUpdated, "g1")); got != "group.updated@g1" {
		t.Fatalf("alice saw %s", got)
	}
	if got := types(t, al.until(t, domain.EventGroupUpdated, "g1")); got != "member.joined@g1 group.updated@g1" {
		t.Fatalf("alice saw %s", got)
	}
	if got := types(t, al.until(t, domain.EventGroupUpdated, "g1")); got != "member.kicked@g1 group.updated@g1" {
		t.Fatalf("alice saw %s", got)
	}
	al.none(t, 200*time.Millisecond) // not g2, not dave

	// carol: g2 always; g1 from her join to her kick, both included.
	want := "group.updated@g2 member.joined@g1 group.updated@g1 member.kicked@g1 group.updated@g2"
	if got := types(t, ca.until(t, domain.EventGroupUpdated, "g2")); got != "group.updated@g2" {
		t.Fatalf("carol saw %s", got)
	}
	if got := "group.updated@g2 " + types(t, ca.until(t, domain.EventGroupUpdated, "g2")); got != want {
		t.Fatalf("carol saw %s, want %s", got, want)
	}
	ca.none(t, 200*time.Millisecond)

	// Catching up, carol sees the same as live: her cursor before it all.
	c2, _, _ := e.open(e.userToken("carol"), nil, "?after=0")
	var all []string
	for _, m := range c2.until(t, domain.EventGroupUpdated, "g2") {
		all = append(all, m.Event+"@"+m.payload(t).GroupID)
	}
	all = append(all, types(t, c2.until(t, domain.EventGroupUpdated, "g2")))
	if got := strings.Join(all, " "); !strings.HasSuffix(got, want) || strings.Contains(strings.TrimSuffix(got, want), "g1") {
		t.Fatalf("carol catching up saw %s", got)
	}
}

// TestResume: a client that disconnects and comes back with Last-Event-ID
// loses nothing, also past events it does not see (the heartbeat carries
// its cursor).
func TestResume(t *testing.T) {
	e := newEnv(t, feed.Config{Heartbeat: 50 * time.Millisecond})
	e.users("alice", "bob")
	e.group("g1", "alice", "bob")
	e.group("g2", "bob")
	al, _, _ := e.open(e.userToken("alice"), nil, "")
	for i := range 5 {
		e.rename("g1", fmt.Sprint("a", i))
	}
	var seen []string
	for range 5 {
		seen = append(seen, string(al.next(t).payload(t).Data))
	}
	for i := range 3 {
		e.rename("g2", fmt.Sprint("other", i)) // alice does not see these
	}
	time.Sleep(200 * time.Millisecond) // a heartbeat moves her cursor past them
	last := al.last()
	al.close()
	for i := range 20 {
		e.rename("g1", fmt.Sprint("b", i))
	}
	al2, code, body := e.open(e.userToken("alice"), map[string]string{"Last-Event-ID": strconv.FormatInt(last, 10)}, "")
	if code != 200 {
		t.Fatalf("resume: %d %s", code, body)
	}
	prev := last
	for i := range 20 {
		m := al2.next(t)
		p := m.payload(t)
		if m.ID <= prev || p.GroupID != "g1" || !strings.Contains(m.Data, fmt.Sprintf(`"Name":"b%d"`, i)) {
			t.Fatalf("resumed event %d: %d (after %d) %s", i, m.ID, prev, m.Data)
		}
		prev = m.ID
	}
	al2.none(t, 100*time.Millisecond)
	// The same with ?after= (curl), and a live event after the catch-up.
	al3, _, _ := e.open(e.userToken("alice"), nil, fmt.Sprintf("?after=%d", last))
	for range 20 {
		al3.next(t)
	}
	e.rename("g1", "live")
	if m := al3.next(t); !strings.Contains(m.Data, `"Name":"live"`) {
		t.Fatalf("live after catch-up: %s", m.Data)
	}
}

// TestExpiredCursor: a cursor the log no longer keeps is answered 410.
func TestExpiredCursor(t *testing.T) {
	e := newEnv(t, feed.Config{})
	e.users("alice")
	e.group("g1", "alice")
	adm, _, _ := e.open(e.adminToken(), nil, "?after=0")
	first := adm.next(t).ID
	if _, err := e.srv.Store.PruneEvents(e.ctx, time.Now().Add(time.Minute).UnixMilli(), 1000); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{fmt.Sprintf("?after=%d", first), "?after=99999999"} {
		_, code, body := e.open(e.adminToken(), nil, q)
		if code != http.StatusGone || !strings.Contains(body, "CursorExpired") {
			t.Fatalf("%s: %d %s", q, code, body)
		}
	}
	_, code, _ := e.open(e.adminToken(), map[string]string{"Last-Event-ID": strconv.FormatInt(first, 10)}, "")
	if code != http.StatusGone {
		t.Fatalf("Last-Event-ID: %d", code)
	}
}

func TestMaxFeedsAndShutdown(t *testing.T) {
	e := newEnv(t, feed.Config{MaxFeeds: 2})
	tok := e.adminToken()
	a, _, _ := e.open(tok, nil, "")
	e.open(tok, nil, "")
	if _, code, _ := e.open(tok, nil, ""); code != 503 {
		t.Fatalf("third feed: %d", code)
	}
	e.feed.Shutdown()
	m := a.next(t)
	if m.Event != "feed.closed" || !strings.Contains(m.Data, feed.ReasonShutdown) {
		t.Fatalf("got %+v", m)
	}
}

var zeroPos domain.EventPos

// TestFanOut: many live feeds, one reader of the log; every feed gets
// every event. It logs the figure the README quotes.
func TestFanOut(t *testing.T) {
	const clients, changes = 300, 100
	e := newEnv(t, feed.Config{MaxFeeds: clients})
	e.users("alice")
	e.group("g1", "alice")
	tok := e.adminToken()
	feeds := make([]*sse, clients)
	for i := range feeds {
		feeds[i], _, _ = e.open(tok, nil, "")
	}
	start := time.Now()
	var wg sync.WaitGroup
	var failed sync.Once
	for _, s := range feeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range changes {
				select {
				case <-s.ch:
				case <-time.After(20 * time.Second):
					failed.Do(func() { t.Error("a feed missed events") })
					return
				}
			}
		}()
	}
	for i := range changes {
		e.rename("g1", fmt.Sprint("n", i))
	}
	writes := time.Since(start)
	wg.Wait()
	t.Logf("%d feeds × %d events = %d messages in %v (the writes took %v); cut off: %d",
		clients, changes, clients*changes, time.Since(start).Round(time.Millisecond), writes.Round(time.Millisecond), e.feed.Stats().CutOff)
}
