package multinode

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/groupd/groupd/internal/teststore"
	"github.com/groupd/groupd/store/postgres"
)

// receiver records what a sink's HTTP receiver got: the path and event ID
// of every request (de-duplicated by the event ID header).
type receiver struct {
	mu    sync.Mutex
	byID  map[string]int // event ID -> deliveries
	paths []string
	srv   *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{byID: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		r.mu.Lock()
		r.byID[req.Header.Get("X-Groupd-Event-Id")]++
		r.paths = append(r.paths, req.URL.Path)
		r.mu.Unlock()
		// Both reply shapes a receiver may use: OpenIM's and ZIM's.
		io.WriteString(w, `{"actionCode":0,"errCode":0,"errMsg":"","nextCode":0,"code":0}`)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) has(path string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.paths {
		if strings.Contains(p, path) {
			return true
		}
	}
	return false
}

func (r *receiver) duplicates() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.byID {
		n += c - 1
	}
	return n
}

// TestEventSinksThroughTheBinary: two groupd nodes on one PostgreSQL, with
// every sink configured, deliver a change made through either dialect to
// the OpenIM webhook receiver, the ZIM callback receiver, NATS JetStream
// and the change feed, once per event in normal operation.
func TestEventSinksThroughTheBinary(t *testing.T) {
	natsURL := teststore.NATS(t)
	dbURL := postgres.CreateTestSchema(t)
	openimHooks, zimHooks := newReceiver(t), newReceiver(t)
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	stream, subject := "GROUPD_MN_"+strings.ToUpper(tag), "groupdmn"+tag+".events"
	bin := buildGroupd(t)
	args := []string{"--db", dbURL, "--secret", secret, "--zim-app-id", strconv.Itoa(zimAppID), "--zim-server-secret", zimSecret,
		"--zim-qps", "0", "--zim-group-qps", "0", "--max-inflight", "0",
		"--openim-webhook-url", openimHooks.srv.URL, "--zim-callback-url", zimHooks.srv.URL,
		"--events-nats", natsURL, "--events-nats-stream", stream, "--events-nats-subject", subject}
	nodes := make([]*node, 2)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { nodes[i] = startNode(t, bin, fmt.Sprintf("ev%d", i), args...) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	t.Cleanup(func() { js.DeleteStream(context.Background(), stream) })

	var tok struct{ Token string }
	nodes[0].ok(t, "/auth/get_admin_token", "", map[string]any{"secret": secret, "userID": "imAdmin"}, &tok)
	admin := tok.Token

	// The change feed on node 1, from the start of the log.
	feedIDs := make(chan string, 100)
	req, _ := http.NewRequest("GET", nodes[1].base+"/events?after=0", nil)
	req.Header.Set("token", admin)
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
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
				feedIDs <- id
			}
		}
	}()

	// Changes through both dialects and both nodes.
	nodes[0].ok(t, "/user/user_register", admin, map[string]any{"users": []map[string]any{
		{"userID": "e1", "nickname": "one"}, {"userID": "e2", "nickname": "two"}, {"userID": "e3", "nickname": "three"}}}, nil)
	nodes[0].ok(t, "/group/create_group", admin, map[string]any{"ownerUserID": "e1", "memberUserIDs": []string{"e2"},
		"groupInfo": map[string]any{"groupID": "evg", "groupName": "events", "groupType": 2}}, nil)
	if code, msg := nodes[1].zimCall(t, "InviteUsersIntoGroup", newNonce(), map[string]any{"FromUserId": "e1", "GroupId": "evg", "UserIds": []string{"e3"}}); code != 0 {
		t.Fatalf("InviteUsersIntoGroup: %d %s", code, msg)
	}

	deadline := time.Now().Add(60 * time.Second)
	// OpenIM has after-callbacks for registrations and creations (none for
	// invitations); ZIM has group_create and group_join.
	for !openimHooks.has("/callbackAfterUserRegisterCommand") || !openimHooks.has("/callbackAfterCreateGroupCommand") || zimHooks.seen() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("sinks after 60 s: openim %v, zim %v", openimHooks.list(), zimHooks.list())
		}
		time.Sleep(50 * time.Millisecond) // polling what the receivers saw
	}

	// NATS: the group's subject holds the group's events, in order.
	cons, err := js.OrderedConsumer(context.Background(), stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject + ".evg"}})
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	for got := 0; got < 2; got++ {
		msg, err := cons.Next(jetstream.FetchMaxWait(30 * time.Second))
		if err != nil {
			t.Fatalf("NATS message %d: %v", got+1, err)
		}
		var ev struct{ Seq int64 }
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			t.Fatalf("NATS message %q: %v", msg.Data(), err)
		}
		if msg.Headers().Get("Nats-Msg-Id") == "" || ev.Seq <= last {
			t.Fatalf("NATS message %d: id %q, seq %d after %d", got+1, msg.Headers().Get("Nats-Msg-Id"), ev.Seq, last)
		}
		last = ev.Seq
	}

	// The feed carries the same events.
	select {
	case <-feedIDs:
	case <-time.After(30 * time.Second):
		t.Fatal("no event on the change feed")
	}

	// One delivery per event while both nodes run.
	if d := openimHooks.duplicates() + zimHooks.duplicates(); d != 0 {
		t.Fatalf("%d repeated deliveries with two healthy nodes", d)
	}
}

func (r *receiver) seen() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.paths)
}

func (r *receiver) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.paths...)
}
