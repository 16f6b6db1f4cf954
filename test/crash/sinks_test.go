package crash

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/groupd/groupd/internal/teststore"
)

const (
	zimCallbackSecret = "crash-test-zim-callback-secret"
	sinksWait         = 30 * time.Second
)

// feedEvent is one event of the change feed (GET /events).
type feedEvent struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Partition string `json:"partition"`
	Seq       int64  `json:"seq"`
	GroupID   string `json:"groupID"`
}

// zimCallback is one ZIM callback the receiver got.
type zimCallback struct {
	eventID int64
	body    map[string]any
}

// zimReceiver records ZIM callbacks.
type zimReceiver struct {
	mu  sync.Mutex
	got []zimCallback
}

func (z *zimReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	raw, _ := io.ReadAll(req.Body)
	id, _ := strconv.ParseInt(req.Header.Get("X-Groupd-Event-Id"), 10, 64)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		body = map[string]any{"unparsable": string(raw)}
	}
	z.mu.Lock()
	z.got = append(z.got, zimCallback{eventID: id, body: body})
	z.mu.Unlock()
	io.WriteString(w, `{"code":0}`)
}

func (z *zimReceiver) callbacks() []zimCallback {
	z.mu.Lock()
	defer z.mu.Unlock()
	return slices.Clone(z.got)
}

// zimEvents maps event types to the ZIM callback they produce.
var zimEvents = map[string]string{
	"group.created":   "group_create",
	"group.dismissed": "group_destroy",
	"member.joined":   "group_join",
	"member.quit":     "group_exit",
	"member.kicked":   "group_exit",
}

// zimSignature is sha1 (hex) of the callback secret, timestamp and nonce,
// sorted as strings and concatenated (ZIM's callback authentication).
func zimSignature(secret, timestamp, nonce string) string {
	parts := []string{secret, timestamp, nonce}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// TestEverySinkOnSQLite runs the real binary on SQLite with the ZIM
// callback sink, the NATS JetStream sink and the change feed, makes
// changes through both dialects' HTTP APIs, and checks that each sink
// gets them in its own format: the feed every event in log order, ZIM
// signed callbacks for creations, joins, exits and dismissals (whichever
// dialect made them), NATS one message per event with the event ID as its
// message ID, on the group's subject, in order.
func TestEverySinkOnSQLite(t *testing.T) {
	natsURL := teststore.NATS(t)
	zr := &zimReceiver{}
	hs := httptest.NewServer(zr)
	defer hs.Close()
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	stream, subject := "GROUPD_CRASH_"+strings.ToUpper(tag), "groupdcrash"+tag+".events"
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { js.DeleteStream(context.Background(), stream) })

	// The sinks through their environment variables (the flags'
	// equivalents), so the server helper starts the binary unchanged.
	t.Setenv("GROUPD_ZIM_CALLBACK_URL", hs.URL+"/zim/callback")
	t.Setenv("GROUPD_ZIM_CALLBACK_SECRET", zimCallbackSecret)
	t.Setenv("GROUPD_EVENTS_NATS", natsURL)
	t.Setenv("GROUPD_EVENTS_NATS_STREAM", stream)
	t.Setenv("GROUPD_EVENTS_NATS_SUBJECT", subject)
	logs, err := os.Create(t.TempDir() + "/groupd.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	s := &server{t: t, bin: buildGroupd(t), dir: t.TempDir(), addr: freeAddr(t), logs: logs}
	s.start()
	defer s.stop()
	base := "http://" + s.addr

	// A new sink starts at the head of the log: wait until both have
	// started (their series show in /metrics) before writing.
	deadline := time.Now().Add(sinksWait)
	for {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := string(raw)
		if strings.Contains(m, `groupd_events_backlog{sink="zim-callbacks"}`) && strings.Contains(m, `groupd_events_backlog{sink="nats"}`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sinks did not start within %v:\n%s", sinksWait, s.tail())
		}
		time.Sleep(20 * time.Millisecond) // polling /metrics
	}

	c := &client{addr: s.addr, http: &http.Client{Timeout: requestTimout}}
	env, err := c.openim("/auth/get_admin_token", map[string]any{"secret": adminSecret, "userID": "imAdmin"})
	if err != nil || env.ErrCode != 0 {
		t.Fatalf("admin token: %v %+v", err, env)
	}
	var tok struct{ Token string }
	json.Unmarshal(env.Data, &tok)
	c.admin = tok.Token

	// The change feed, from the start of the log.
	feedCh := make(chan feedEvent, 1000)
	feedErr := make(chan string, 1)
	req, _ := http.NewRequest("GET", base+"/events?after=0", nil)
	req.Header.Set("token", c.admin)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /events: HTTP %d", resp.StatusCode)
	}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var typ, data string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				typ = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			case line == "":
				if typ == "feed.closed" {
					feedErr <- data
					return
				}
				if typ != "" {
					var e feedEvent
					if err := json.Unmarshal([]byte(data), &e); err != nil || e.Type != typ {
						feedErr <- "bad event " + typ + " " + data
						return
					}
					feedCh <- e
				}
				typ, data = "", ""
			}
		}
	}()

	// Changes through the OpenIM API.
	mustOpenIM := func(path string, body any) {
		t.Helper()
		env, err := c.openim(path, body)
		if err != nil || env.ErrCode != 0 {
			t.Fatalf("%s: %v %+v", path, err, env)
		}
	}
	mustOpenIM("/user/user_register", map[string]any{"users": []map[string]any{
		{"userID": "s1", "nickname": "one"}, {"userID": "s2", "nickname": "two"}, {"userID": "s3", "nickname": "three"}, {"userID": "s4", "nickname": "four"}}})
	mustOpenIM("/group/create_group", map[string]any{"ownerUserID": "s1", "memberUserIDs": []string{"s2"}, "adminUserIDs": []string{},
		"groupInfo": map[string]any{"groupID": "og", "groupName": "openim", "groupType": 2}})
	mustOpenIM("/group/set_group_info_ex", map[string]any{"groupID": "og", "groupName": "openim2"})
	mustOpenIM("/group/invite_user_to_group", map[string]any{"groupID": "og", "invitedUserIDs": []string{"s3"}, "reason": ""})
	mustOpenIM("/group/kick_group", map[string]any{"groupID": "og", "kickedUserIDs": []string{"s2"}, "reason": ""})
	// And through the ZIM API.
	mustZIM := func(method, action string, params url.Values, body any) {
		t.Helper()
		r, err := c.zim(method, action, params, body)
		if err != nil || r.Code != 0 {
			t.Fatalf("ZIM %s: %v %+v", action, err, r)
		}
	}
	mustZIM(http.MethodPost, "CreateGroup", nil, map[string]any{"GroupId": "zg", "GroupName": "zim", "GroupOwner": "s1", "UserId": []string{"s2"}})
	mustZIM(http.MethodPost, "InviteUsersIntoGroup", nil, map[string]any{"FromUserId": "s1", "GroupId": "zg", "UserIds": []string{"s3", "s4"}})
	mustZIM(http.MethodPost, "KickoutGroupUser", nil, map[string]any{"FromUserId": "s1", "GroupId": "zg", "UserId": []string{"s4"}})
	mustZIM(http.MethodGet, "DismissGroup", url.Values{"FromUserId": {"s1"}, "GroupId": {"zg"}}, nil)

	// The feed: every event, in log order, each partition's Seqs 1, 2, 3…
	var feed []feedEvent
	timeout := time.After(sinksWait)
	for done := false; !done; {
		select {
		case e := <-feedCh:
			feed = append(feed, e)
			done = e.Type == "group.dismissed" && e.GroupID == "zg" // the last change
		case msg := <-feedErr:
			t.Fatalf("the feed ended: %s", msg)
		case <-timeout:
			t.Fatalf("the feed did not show the last change within %v; got %+v", sinksWait, feed)
		}
	}
	lastSeq := map[string]int64{}
	byID := map[int64]feedEvent{}
	for i, e := range feed {
		if i > 0 && e.ID <= feed[i-1].ID {
			t.Fatalf("feed: event %d after %d", e.ID, feed[i-1].ID)
		}
		if e.Seq != lastSeq[e.Partition]+1 {
			t.Fatalf("feed: %s seq %d after %d", e.Partition, e.Seq, lastSeq[e.Partition])
		}
		lastSeq[e.Partition] = e.Seq
		byID[e.ID] = e
	}
	for _, want := range []string{"user.registered", "group.created", "group.updated", "member.joined", "member.kicked", "group.dismissed"} {
		if !slices.ContainsFunc(feed, func(e feedEvent) bool { return e.Type == want }) {
			t.Fatalf("feed: no %s event in %+v", want, feed)
		}
	}

	// ZIM: one signed callback per creation, join, exit and dismissal, of
	// either dialect, first arrivals in each group's order.
	var wantZIM []feedEvent
	for _, e := range feed {
		if zimEvents[e.Type] != "" && e.GroupID != "" {
			wantZIM = append(wantZIM, e)
		}
	}
	deadline = time.Now().Add(sinksWait)
	for {
		seen := map[int64]bool{}
		for _, cb := range zr.callbacks() {
			seen[cb.eventID] = true
		}
		n := 0
		for _, e := range wantZIM {
			if seen[e.ID] {
				n++
			}
		}
		if n == len(wantZIM) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ZIM callbacks: %d of %d within %v: %+v", n, len(wantZIM), sinksWait, zr.callbacks())
		}
		time.Sleep(20 * time.Millisecond) // polling the receiver
	}
	firstSeen := map[int64]bool{}
	nextZIM := map[string]int{} // group → index into its wanted callbacks
	perGroup := map[string][]int64{}
	for _, e := range wantZIM {
		perGroup[e.GroupID] = append(perGroup[e.GroupID], e.ID)
	}
	byEvent := map[int64]map[string]any{}
	for _, cb := range zr.callbacks() {
		e, ok := byID[cb.eventID]
		if !ok || zimEvents[e.Type] == "" {
			t.Fatalf("ZIM callback for event %d, which is not one with a callback: %v", cb.eventID, cb.body)
		}
		b := cb.body
		ts, _ := b["timestamp"].(float64)
		nonce, _ := b["nonce"].(string)
		if b["appid"] != strconv.Itoa(zimAppID) || b["event"] != zimEvents[e.Type] || b["group_id"] != e.GroupID || nonce == "" ||
			b["signature"] != zimSignature(zimCallbackSecret, strconv.FormatInt(int64(ts), 10), nonce) {
			t.Fatalf("ZIM callback for event %d (%s of %s): %v", e.ID, e.Type, e.GroupID, b)
		}
		if firstSeen[e.ID] {
			continue
		}
		firstSeen[e.ID] = true
		byEvent[e.ID] = b
		if i := nextZIM[e.GroupID]; perGroup[e.GroupID][i] != e.ID {
			t.Fatalf("ZIM: event %d of %s arrived first as number %d of its group, want %d", e.ID, e.GroupID, i+1,
				slices.Index(perGroup[e.GroupID], e.ID)+1)
		}
		nextZIM[e.GroupID]++
	}
	// The content of the callbacks, as ZIM's docs define it.
	find := func(groupID, event string) map[string]any {
		t.Helper()
		for _, e := range wantZIM {
			if b := byEvent[e.ID]; e.GroupID == groupID && b["event"] == event {
				return b
			}
		}
		t.Fatalf("no %s callback for %s", event, groupID)
		return nil
	}
	ids := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	for _, chk := range []struct {
		group, event string
		fields       map[string]string
	}{
		{"og", "group_create", map[string]string{"owner_account": `"s1"`, "group_name": `"openim"`}},
		{"og", "group_join", map[string]string{"join_type": `"Invited"`, "new_user_ids": `["s3"]`}},
		{"og", "group_exit", map[string]string{"exit_type": `"Kickout"`, "exit_user_ids": `["s2"]`}},
		{"zg", "group_create", map[string]string{"owner_account": `"s1"`, "group_name": `"zim"`}},
		{"zg", "group_join", map[string]string{"join_type": `"Invited"`, "operator_account": `"s1"`, "new_user_ids": `["s3","s4"]`}},
		{"zg", "group_exit", map[string]string{"exit_type": `"Kickout"`, "exit_user_ids": `["s4"]`}},
		{"zg", "group_destroy", map[string]string{"operator_account": `"s1"`, "owner_account": `"s1"`}},
	} {
		b := find(chk.group, chk.event)
		for k, want := range chk.fields {
			if got := ids(b[k]); got != want {
				t.Errorf("ZIM %s of %s: %s = %s, want %s", chk.event, chk.group, k, got, want)
			}
		}
	}

	// NATS: every event of the feed once, with its ID as the message ID,
	// on its group's (or user's) subject, in order per subject.
	cons, err := js.OrderedConsumer(context.Background(), stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject + ".>"}})
	if err != nil {
		t.Fatalf("NATS consumer: %v\n%s", err, s.tail())
	}
	got := map[int64]bool{}
	lastBySubject := map[string]int64{}
	deadline = time.Now().Add(sinksWait)
	for len(got) < len(feed) {
		wait := time.Until(deadline)
		if wait <= 0 {
			t.Fatalf("NATS: %d of %d events within %v", len(got), len(feed), sinksWait)
		}
		msg, err := cons.Next(jetstream.FetchMaxWait(wait))
		if err != nil {
			t.Fatalf("NATS: %d of %d events: %v", len(got), len(feed), err)
		}
		var p feedEvent
		if err := json.Unmarshal(msg.Data(), &p); err != nil {
			t.Fatalf("NATS message %q: %v", msg.Data(), err)
		}
		e, ok := byID[p.ID]
		if !ok || p != e {
			t.Fatalf("NATS message %+v is not the feed's event %+v", p, e)
		}
		if id := msg.Headers().Get(jetstream.MsgIDHeader); id != strconv.FormatInt(e.ID, 10) {
			t.Fatalf("NATS message of event %d has Nats-Msg-Id %q", e.ID, id)
		}
		wantSubject := subject + "." + e.GroupID
		if e.GroupID == "" {
			wantSubject = subject + ".user." + strings.TrimPrefix(e.Partition, "u:")
		}
		if msg.Subject() != wantSubject {
			t.Fatalf("NATS message of event %d (%s) on %s, want %s", e.ID, e.Partition, msg.Subject(), wantSubject)
		}
		if got[e.ID] {
			t.Fatalf("NATS: event %d stored twice", e.ID)
		}
		if e.Seq <= lastBySubject[msg.Subject()] {
			t.Fatalf("NATS: %s seq %d after %d", msg.Subject(), e.Seq, lastBySubject[msg.Subject()])
		}
		lastBySubject[msg.Subject()] = e.Seq
		got[e.ID] = true
	}
	t.Logf("%d events on the feed, %d ZIM callbacks (%d distinct), %d NATS messages", len(feed), len(zr.callbacks()), len(firstSeen), len(got))
}
