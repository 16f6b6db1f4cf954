package multinode

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/redisx"
	"github.com/groupd/groupd/store/postgres"
)

// Failover test bounds.
const (
	failoverGroups   = 6
	failoverUsers    = 20
	failoverWriters  = 3
	receiverDelay    = 50 * time.Millisecond // a slow receiver: deliveries stay in flight
	writePause       = 20 * time.Millisecond // between one writer's writes
	takeoverBound    = 15 * time.Second      // a dead holder's lease is taken over
	failoverDrainMax = 40 * time.Second      // the survivor delivers the whole log
)

// arrival is one delivery the webhook receiver got.
type arrival struct {
	id      int64
	groupID string
	at      time.Time
}

// slowReceiver is an OpenIM webhook receiver that answers 503 while down
// and, when up, takes receiverDelay to answer each delivery, so that the
// delivering node always has deliveries in flight.
type slowReceiver struct {
	up       atomic.Bool
	inflight atomic.Int64
	n503     atomic.Int64
	mu       sync.Mutex
	got      []arrival // in arrival order, repeats included
	ids      map[int64]bool
	srv      *httptest.Server
}

func newSlowReceiver(t *testing.T) *slowReceiver {
	r := &slowReceiver{ids: map[int64]bool{}}
	r.srv = httptest.NewServer(r)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *slowReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if !r.up.Load() {
		r.n503.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	id, err := strconv.ParseInt(req.Header.Get("X-Groupd-Event-Id"), 10, 64)
	if err != nil {
		http.Error(w, "no event ID", http.StatusBadRequest)
		return
	}
	var b struct {
		GroupID string `json:"groupID"`
	}
	json.Unmarshal(body, &b)
	r.inflight.Add(1)
	defer r.inflight.Add(-1)
	r.mu.Lock()
	r.got = append(r.got, arrival{id: id, groupID: b.GroupID, at: time.Now()})
	r.ids[id] = true
	r.mu.Unlock()
	select {
	case <-time.After(receiverDelay):
	case <-req.Context().Done(): // the sender died
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"actionCode":0,"errCode":0,"errMsg":"","errDlt":"","nextCode":0}`)
}

func (r *slowReceiver) has(id int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[id]
}

func (r *slowReceiver) arrivals() []arrival {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *slowReceiver) arrivedSince(t time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, a := range r.got {
		if !a.at.Before(t) {
			n++
		}
	}
	return n
}

// leaseHeld reports whether n's /metrics says it is the node delivering
// events (groupd_events_lease_held 1); false when n does not answer.
func (n *node) leaseHeld() bool {
	resp, err := client.Get(n.base + "/metrics")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "groupd_events_lease_held "); ok {
			return strings.TrimSpace(v) == "1"
		}
	}
	return false
}

// tryCall posts an OpenIM request; an error means no answer (the node may
// be dead), so the outcome of a write is unknown.
func (n *node) tryCall(path, token string, body any) (reply, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", n.base+path, bytes.NewReader(b))
	req.Header.Set("operationID", strconv.FormatInt(opID.Add(1), 10))
	req.Header.Set("token", token)
	resp, err := client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	var r reply
	if err := json.Unmarshal(raw, &r); err != nil {
		return reply{}, fmt.Errorf("%s %s: HTTP %d %s", n.name, path, resp.StatusCode, raw)
	}
	return r, nil
}

// TestEventDeliveryFailover: two groupd nodes on one PostgreSQL deliver
// OpenIM after-webhooks to a receiver that is down at first and slow when
// up, under a write load through both nodes. The node holding the
// delivery lease is SIGKILLed while its deliveries are in flight; the
// other takes the lease over and delivers; the killed node comes back,
// and then the other one is SIGKILLed mid-delivery too. The node left
// must deliver every event of the log (at least once, each group's events
// first arriving in order) within a bounded time.
func TestEventDeliveryFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills groupd processes")
	}
	dbURL := postgres.CreateTestSchema(t)
	redisURL := redisx.RequireTestRedis(t)
	prefix := redisx.TestPrefix()
	t.Cleanup(func() { redisx.DeletePrefix(context.Background(), redisURL, prefix) })
	rcv := newSlowReceiver(t)
	bin := buildGroupd(t)
	args := []string{"--db", dbURL, "--redis", redisURL, "--redis-prefix", prefix, "--secret", secret,
		"--zim-app-id", strconv.Itoa(zimAppID), "--zim-server-secret", zimSecret, "--zim-qps", "0", "--zim-group-qps", "0",
		"--max-inflight", "0", "--openim-webhook-url", rcv.srv.URL}

	var (
		mu    sync.Mutex
		nodes = make([]*node, 2)
		alive = []bool{true, true}
	)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { nodes[i] = startNode(t, bin, fmt.Sprintf("fo%d", i), args...) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t0 := time.Now()
	// holder waits for exactly one live node to say it holds the lease.
	holder := func(within time.Duration) int {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			var held []int
			mu.Lock()
			ns, up := slices.Clone(nodes), slices.Clone(alive)
			mu.Unlock()
			for i, n := range ns {
				if up[i] && n.leaseHeld() {
					held = append(held, i)
				}
			}
			if len(held) == 1 {
				return held[0]
			}
			if len(held) > 1 {
				t.Fatalf("nodes %v all say they hold the delivery lease", held)
			}
			if time.Now().After(deadline) {
				t.Fatalf("no live node took the delivery lease within %v", within)
			}
			time.Sleep(50 * time.Millisecond) // polling /metrics
		}
	}
	holder(takeoverBound) // a sink's start is its first run under the lease

	var tok struct{ Token string }
	nodes[0].ok(t, "/auth/get_admin_token", "", map[string]any{"secret": secret, "userID": "imAdmin"}, &tok)
	admin := tok.Token
	var users []map[string]any
	for i := range failoverUsers {
		users = append(users, map[string]any{"userID": userID(i), "nickname": userID(i)})
	}
	nodes[0].ok(t, "/user/user_register", admin, map[string]any{"users": users}, nil)
	for g := range failoverGroups {
		nodes[g%2].ok(t, "/group/create_group", admin, map[string]any{"ownerUserID": userID(0),
			"memberUserIDs": []string{userID(1 + g)}, "groupInfo": map[string]any{"groupID": fmt.Sprint("fo", g), "groupName": "g", "groupType": 2}}, nil)
	}

	// The load: renames, invitations and kicks through whichever nodes are
	// alive. An answered rename is acknowledged; a write without an answer
	// (its node was killed) may or may not have happened.
	var acked sync.Map // group name → true
	var nAcked, nLost atomic.Int64
	stop := make(chan struct{})
	var load sync.WaitGroup
	for w := range failoverWriters {
		load.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				var live []*node
				for j, n := range nodes {
					if alive[j] {
						live = append(live, n)
					}
				}
				mu.Unlock()
				n := live[rng.IntN(len(live))]
				gid := fmt.Sprint("fo", rng.IntN(failoverGroups))
				name := fmt.Sprintf("w%d-%d", w, i)
				path, body := "/group/set_group_info_ex", map[string]any{"groupID": gid, "groupName": name}
				switch rng.IntN(4) {
				case 0:
					path, body = "/group/invite_user_to_group", map[string]any{"groupID": gid, "invitedUserIDs": []string{userID(8 + rng.IntN(12))}, "reason": ""}
				case 1:
					path, body = "/group/kick_group", map[string]any{"groupID": gid, "kickedUserIDs": []string{userID(8 + rng.IntN(12))}, "reason": ""}
				}
				time.Sleep(writePause) // a steady load, not a flood the slow receiver cannot drain in time
				r, err := n.tryCall(path, admin, body)
				if err != nil {
					nLost.Add(1)
					time.Sleep(20 * time.Millisecond) // the node is gone: the next pick may be too
					continue
				}
				if r.ErrCode == 0 {
					nAcked.Add(1)
					if path == "/group/set_group_info_ex" {
						acked.Store(name, true)
					}
				}
			}
		})
	}
	stopLoad := sync.OnceFunc(func() { close(stop); load.Wait() })
	defer stopLoad()

	waitFor := func(d time.Duration, what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(d)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("after %v: %s", d, what)
			}
			time.Sleep(20 * time.Millisecond) // polling the receiver
		}
	}
	// 1. The receiver is down: deliveries fail and a backlog builds.
	waitFor(10*time.Second, "no delivery was attempted while the receiver was down", func() bool {
		return rcv.n503.Load() >= 3 && time.Since(t0) > time.Second
	})
	rcv.up.Store(true)

	// 2. Kill the node delivering, while its deliveries are in flight; the
	// other takes over. Then bring the killed one back and do it again the
	// other way round.
	var killedAt time.Time
	for round := range 2 {
		h := holder(takeoverBound)
		since := time.Now()
		waitFor(20*time.Second, fmt.Sprintf("round %d: no deliveries in flight from %s", round+1, nodes[h].name), func() bool {
			return rcv.inflight.Load() > 0 && rcv.arrivedSince(since) >= 5
		})
		mu.Lock()
		alive[h] = false
		mu.Unlock()
		inflight := rcv.inflight.Load()
		if err := nodes[h].cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		nodes[h].cmd.Wait()
		killedAt = time.Now()
		t.Logf("round %d: SIGKILLed %s (the lease holder) with %d deliveries in flight, %v in", round+1, nodes[h].name, inflight,
			killedAt.Sub(t0).Round(10*time.Millisecond))
		s := holder(takeoverBound)
		waitFor(takeoverBound, fmt.Sprintf("round %d: %s holds the lease but delivers nothing", round+1, nodes[s].name), func() bool {
			return rcv.arrivedSince(killedAt) > 0
		})
		t.Logf("round %d: %s took over and delivers, %v after the kill", round+1, nodes[s].name, time.Since(killedAt).Round(10*time.Millisecond))
		if round == 0 {
			n := startNode(t, bin, fmt.Sprintf("fo%d-again", h), args...)
			mu.Lock()
			nodes[h], alive[h] = n, true
			mu.Unlock()
		}
	}
	// 3. A little more load on the one node left, then quiet.
	time.Sleep(500 * time.Millisecond)
	stopLoad()
	writesDone := time.Now()

	// Every event of the log reaches the receiver, from the survivor.
	db, err := postgres.Open(context.Background(), dbURL, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatalf("open the database: %v", err)
	}
	defer db.Close()
	readLog := func() []domain.Event {
		t.Helper()
		var log []domain.Event
		var pos domain.EventPos
		for {
			evs, err := db.ReadEvents(context.Background(), pos, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				return log
			}
			log = append(log, evs...)
			pos = evs[len(evs)-1].Pos()
		}
	}
	log := readLog()
	// The events OpenIM has an after-callback for (none for invitations).
	var sent []domain.Event
	for _, e := range log {
		if d, _ := e.Decode(); e.Type == domain.EventMembersJoined && d.JoinKind != domain.JoinKindApply {
			continue
		}
		sent = append(sent, e)
	}
	for deadline := time.Now().Add(failoverDrainMax); ; {
		var missing []domain.Event
		for _, e := range sent {
			if !rcv.has(e.ID) {
				missing = append(missing, e)
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, e := range missing[:min(5, len(missing))] {
				t.Errorf("event %d (%s, %s seq %d) never delivered", e.ID, e.Type, e.Partition, e.Seq)
			}
			t.Fatalf("%d of %d events not delivered %v after the writes stopped", len(missing), len(sent), failoverDrainMax)
		}
		time.Sleep(50 * time.Millisecond) // polling the receiver
	}
	drained := time.Since(writesDone)

	// Every acknowledged rename is in the log.
	inLog := map[string]bool{}
	for _, e := range log {
		if d, err := e.Decode(); err == nil && e.Type == domain.EventGroupUpdated && d.Group != nil {
			inLog[d.Group.Name] = true
		}
	}
	acked.Range(func(k, _ any) bool {
		if !inLog[k.(string)] {
			t.Errorf("acknowledged rename %q has no event in the log", k)
		}
		return true
	})

	// In order per group: each event first arrives after the one before it
	// in its partition (a repeat after a kill may come later, same ID).
	index, byPart, part := map[int64]int{}, map[string]int{}, map[int64]domain.Event{}
	for _, e := range sent {
		index[e.ID] = byPart[e.Partition]
		byPart[e.Partition]++
		part[e.ID] = e
	}
	next, seen := map[string]int{}, map[int64]bool{}
	got := rcv.arrivals()
	repeats, afterLastKill := 0, 0
	for _, a := range got {
		e, ok := part[a.id]
		if !ok {
			t.Fatalf("delivered event %d is not in the log (or has no callback)", a.id)
		}
		if e.GroupID != "" && a.groupID != e.GroupID {
			t.Fatalf("event %d of %s delivered as a callback about %q", a.id, e.GroupID, a.groupID)
		}
		if !a.at.Before(killedAt) {
			afterLastKill++
		}
		if seen[a.id] {
			repeats++
			continue
		}
		seen[a.id] = true
		if index[a.id] != next[e.Partition] {
			t.Fatalf("%s: event seq %d (ID %d) arrived first as number %d of its partition, want number %d",
				e.Partition, e.Seq, a.id, next[e.Partition]+1, index[a.id]+1)
		}
		next[e.Partition]++
	}
	t.Logf("%d events in the log (%d with a callback), %d acknowledged writes (%d without an answer), %d deliveries "+
		"(%d repeats, %d after the last kill), %d refused while the receiver was down; log drained %v after the writes stopped; %v in all",
		len(log), len(sent), nAcked.Load(), nLost.Load(), len(got), repeats, afterLastKill, rcv.n503.Load(),
		drained.Round(10*time.Millisecond), time.Since(t0).Round(100*time.Millisecond))
}
