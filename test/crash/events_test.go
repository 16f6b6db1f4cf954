package crash

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/ready"
	"github.com/groupd/groupd/store/sqlite"
)

// receiver is an OpenIM webhook receiver that records every delivery, and
// answers 503 while down.
type receiver struct {
	down atomic.Bool
	mu   sync.Mutex
	got  []delivery // in arrival order, repeats included
	ids  map[int64]bool
	n503 atomic.Int64
}

type delivery struct {
	id      int64
	command string
	groupID string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if r.down.Load() {
		r.n503.Add(1)
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
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
	r.mu.Lock()
	r.got = append(r.got, delivery{id: id, command: filepath.Base(req.URL.Path), groupID: b.GroupID})
	r.ids[id] = true
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"actionCode":0,"errCode":0,"errMsg":"","errDlt":"","nextCode":0}`)
}

func (r *receiver) has(id int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[id]
}

func (r *receiver) count() (all, distinct int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got), len(r.ids)
}

// TestEventsSurviveCrashes runs the real binary with OpenIM webhooks to a
// receiver that is down at first, under a write load, SIGKILLs it during
// writes and during deliveries, restarts it, and checks that every event
// of the log (so every acknowledged change) reached the receiver at least
// once, each group's events in order (repeats allowed, with the same ID).
func TestEventsSurviveCrashes(t *testing.T) {
	bin := buildGroupd(t)
	rcv := &receiver{ids: map[int64]bool{}}
	rcv.down.Store(true)
	hs := httptest.NewServer(rcv)
	defer hs.Close()

	dir := t.TempDir()
	logs, err := os.Create(filepath.Join(t.TempDir(), "groupd.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	addr := freeAddr(t)
	var cmd *exec.Cmd
	var done chan error
	start := func() {
		t.Helper()
		cmd = exec.Command(bin, "--addr", addr, "--data", dir, "--secret", adminSecret, "--log-format", "json", "--log-level", "warn",
			"--openim-webhook-url", hs.URL+"/callbackExample")
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done = make(chan error, 1)
		go func(c *exec.Cmd, d chan error) { d <- c.Wait() }(cmd, done)
		if err := ready.Wait(context.Background(), "http://"+addr+"/healthz", done, 30*time.Second); err != nil {
			t.Fatalf("groupd: %v", err)
		}
	}
	kill := func() {
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
	tail := func() string {
		b, _ := os.ReadFile(logs.Name())
		if len(b) > 3000 {
			b = b[len(b)-3000:]
		}
		return string(b)
	}
	start()

	c := &client{addr: addr, http: &http.Client{Timeout: requestTimout}}
	env, err := c.openim("/auth/get_admin_token", map[string]any{"secret": adminSecret, "userID": "imAdmin"})
	if err != nil || env.ErrCode != 0 {
		t.Fatalf("admin token: %v %+v", err, env)
	}
	var tok struct{ Token string }
	json.Unmarshal(env.Data, &tok)
	c.admin = tok.Token
	mustOK := func(path string, body any) {
		t.Helper()
		env, err := c.openim(path, body)
		if err != nil || env.ErrCode != 0 {
			t.Fatalf("%s: %v %+v", path, err, env)
		}
	}
	var users []map[string]any
	for i := range 20 {
		users = append(users, map[string]any{"userID": userID(i), "nickname": userID(i)})
	}
	mustOK("/user/user_register", map[string]any{"users": users})
	const groups = 6
	for g := range groups {
		mustOK("/group/create_group", map[string]any{"ownerUserID": userID(0), "memberUserIDs": []string{userID(1 + g)},
			"adminUserIDs": []string{}, "groupInfo": map[string]any{"groupID": fmt.Sprint("eg", g), "groupName": "g", "groupType": 2}})
	}

	// The load: renames (and joins and kicks) until stopped; an answered
	// write is acknowledged, one without an answer (the kill) may or may
	// not have happened.
	var acked sync.Map // group name → true
	var nAcked, nLost atomic.Int64
	load := func(stop <-chan struct{}, wg *sync.WaitGroup, worker int) {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(uint64(worker), uint64(time.Now().UnixNano())))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			gid := fmt.Sprint("eg", rng.IntN(groups))
			var path string
			var body map[string]any
			name := fmt.Sprintf("w%d-%d", worker, i)
			switch rng.IntN(4) {
			case 0:
				path, body = "/group/invite_user_to_group", map[string]any{"groupID": gid, "invitedUserIDs": []string{userID(8 + rng.IntN(12))}, "reason": ""}
			case 1:
				path, body = "/group/kick_group", map[string]any{"groupID": gid, "kickedUserIDs": []string{userID(8 + rng.IntN(12))}, "reason": ""}
			default:
				path, body = "/group/set_group_info_ex", map[string]any{"groupID": gid, "groupName": name}
			}
			env, err := c.openim(path, body)
			if err != nil {
				nLost.Add(1)
				time.Sleep(50 * time.Millisecond) // the server is down: wait for the restart
				continue
			}
			if env.ErrCode == 0 {
				nAcked.Add(1)
				if path == "/group/set_group_info_ex" {
					acked.Store(name, true)
				}
			}
		}
	}
	phase := func(d time.Duration, mid func()) {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go load(stop, &wg, w)
		}
		time.Sleep(d)
		if mid != nil {
			mid()
		}
		close(stop)
		wg.Wait()
	}
	t0 := time.Now()
	// 1. Receiver down, writes, SIGKILL during the writes.
	phase(2*time.Second, func() { kill(); start() })
	if rcv.n503.Load() == 0 {
		t.Fatal("no delivery was attempted while the receiver was down")
	}
	// 2. Receiver back; a backlog is being delivered: SIGKILL during the
	// deliveries (and the writes), twice.
	rcv.down.Store(false)
	// The writers go on meanwhile, so there is always something to deliver
	// (with them stopped, the backlog could be gone before the wait began).
	for range 2 {
		phase(time.Second, func() {
			before, _ := rcv.count()
			waitUntil(t, 10*time.Second, "deliveries under way", func() bool { n, _ := rcv.count(); return n > before })
			kill()
			start()
		})
	}
	// 3. Writes while the receiver goes down and up again, then quiet.
	phase(time.Second, func() { rcv.down.Store(true); time.Sleep(500 * time.Millisecond); rcv.down.Store(false) })
	// Settled: nothing read is left to deliver (events that failed while
	// the receiver was down wait out their retry backoff, 2 s and more,
	// with no delivery meanwhile), and nothing new arrived for a while.
	_, lastDistinct := rcv.count()
	quiet := time.Now()
	waitUntil(t, 60*time.Second, "deliveries to settle", func() bool {
		_, d := rcv.count()
		if d != lastDistinct {
			lastDistinct, quiet = d, time.Now()
		}
		return time.Since(quiet) > 1500*time.Millisecond && backlog(t, addr) == 0
	})
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("groupd exited with %v after SIGTERM\n%s", err, tail())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("groupd did not stop within 30s of SIGTERM")
	}

	// Check against the log itself.
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "groupd.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open the data: %v", err)
	}
	defer db.Close()
	var log []domain.Event
	var pos domain.EventPos
	for {
		evs, err := db.ReadEvents(context.Background(), pos, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		log = append(log, evs...)
		pos = evs[len(evs)-1].Pos()
	}
	// Every acknowledged rename is in the log.
	inLog := map[string]bool{}
	for _, e := range log {
		if d, err := e.Decode(); err == nil && e.Type == domain.EventGroupUpdated && d.Group != nil {
			inLog[d.Group.Name] = true
		}
	}
	missingAck := 0
	acked.Range(func(k, _ any) bool {
		if !inLog[k.(string)] {
			missingAck++
		}
		return true
	})
	if missingAck > 0 {
		t.Fatalf("%d acknowledged renames have no event in the log", missingAck)
	}
	// Every event of the log that OpenIM has a callback for was delivered
	// (an invitation has none: OpenIM v3.8 sends no after-callback for it).
	var sent []domain.Event
	for _, e := range log {
		if d, _ := e.Decode(); e.Type == domain.EventMembersJoined && d.JoinKind != domain.JoinKindApply {
			continue
		}
		sent = append(sent, e)
	}
	missing := 0
	for _, e := range sent {
		if !rcv.has(e.ID) {
			missing++
			if missing <= 5 {
				t.Errorf("event %d (%s, %s seq %d) never delivered", e.ID, e.Type, e.Partition, e.Seq)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d events never delivered\n%s", missing, len(sent), tail())
	}
	// In order per group: events first arrive in their group's order (a
	// repeat after a crash may come later, with the same ID).
	index := map[int64]int{} // event ID → its place among its partition's sent events
	byPart := map[string]int{}
	part := map[int64]domain.Event{}
	for _, e := range sent {
		index[e.ID] = byPart[e.Partition]
		byPart[e.Partition]++
		part[e.ID] = e
	}
	next := map[string]int{} // partition → index of the next first arrival
	seen := map[int64]bool{}
	rcv.mu.Lock()
	got := slices.Clone(rcv.got)
	rcv.mu.Unlock()
	repeats := 0
	for _, d := range got {
		e, ok := part[d.id]
		if !ok {
			t.Fatalf("delivered event %d is not in the log (or has no callback)", d.id)
		}
		if e.GroupID != "" && d.groupID != e.GroupID {
			t.Fatalf("event %d of %s delivered as a callback about %q", d.id, e.GroupID, d.groupID)
		}
		if seen[d.id] {
			repeats++
			continue
		}
		seen[d.id] = true
		if index[d.id] != next[e.Partition] {
			t.Fatalf("%s: event seq %d (ID %d) arrived first as number %d of the group, want number %d", e.Partition, e.Seq, d.id,
				next[e.Partition]+1, index[d.id]+1)
		}
		next[e.Partition]++
	}
	t.Logf("%d events in the log (%d with a callback), %d acknowledged writes (%d without an answer), %d deliveries (%d repeats), "+
		"%d refused while the receiver was down; 3 SIGKILLs; %v", len(log), len(sent), nAcked.Load(), nLost.Load(), len(got), repeats,
		rcv.n503.Load(), time.Since(t0).Round(100*time.Millisecond))
}

// backlog reads groupd_events_backlog (events read and not yet delivered,
// all sinks) from the server's /metrics; -1 when it cannot.
func backlog(t *testing.T, addr string) int {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	n, found := 0, false
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "groupd_events_backlog{") {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			return -1
		}
		n, found = n+int(v), true
	}
	if !found {
		return -1
	}
	return n
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
