// Package crash holds the crash-safety test of the real groupd binary: a
// concurrent write load through the OpenIM (and ZIM) API, SIGKILL at random
// moments, restart, and a check that every acknowledged change survived,
// that no unacknowledged change is half-applied, and that the invariants
// hold.
package crash

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/groupd/groupd/api/apitest"
	"github.com/groupd/groupd/internal/ready"
	"github.com/groupd/groupd/zim"
)

const (
	adminSecret   = "crash-test-admin-secret-0123456789"
	zimAppID      = 777
	zimSecret     = "crash-test-zim-server-secret"
	numUsers      = 120
	numWorkers    = 8
	ownedGroups   = 3 // live groups each worker keeps
	sharedGroups  = 3 // groups every worker hammers
	sharedLimit   = 25
	kills         = 5
	minPhase      = 1200 * time.Millisecond
	maxPhase      = 3 * time.Second
	sampledUsers  = 40 // users whose joined lists and versions are checked
	requestTimout = 20 * time.Second
)

func userID(i int) string { return fmt.Sprintf("u%03d", i) }

// ---- the server process ----

type server struct {
	t    *testing.T
	bin  string
	dir  string
	addr string
	cmd  *exec.Cmd
	done chan error
	logs *os.File
}

func buildGroupd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "groupd")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "github.com/groupd/groupd/cmd/groupd")...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs the binary and waits until /healthz answers.
func (s *server) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "--addr", s.addr, "--data", s.dir, "--secret", adminSecret,
		"--zim-app-id", strconv.Itoa(zimAppID), "--zim-server-secret", zimSecret, "--zim-qps", "0", "--zim-group-qps", "0",
		"--log-format", "json", "--log-level", "warn")
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.done = make(chan error, 1)
	go func(cmd *exec.Cmd, done chan error) { done <- cmd.Wait() }(s.cmd, s.done)
	if err := ready.Wait(context.Background(), "http://"+s.addr+"/healthz", s.done, 30*time.Second); err != nil {
		s.t.Fatalf("groupd: %v\n%s", err, s.tail())
	}
}

func (s *server) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatal(err)
	}
	<-s.done
}

// stop sends SIGTERM and requires a clean exit.
func (s *server) stop() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Fatalf("groupd exited with %v after SIGTERM\n%s", err, s.tail())
		}
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		s.t.Fatal("groupd did not stop within 60s of SIGTERM")
	}
}

func (s *server) tail() string {
	b, _ := os.ReadFile(s.logs.Name())
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// ---- the client ----

type client struct {
	addr  string
	http  *http.Client
	tr    *http.Transport
	admin string
}

type envelope struct {
	ErrCode int             `json:"errCode"`
	ErrMsg  string          `json:"errMsg"`
	ErrDlt  string          `json:"errDlt"`
	Data    json.RawMessage `json:"data"`
}

var opSeq atomic.Int64

// openim posts body to path. A non-nil error means no answer: the outcome
// of a write is unknown.
func (c *client) openim(path string, body any) (envelope, error) {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+c.addr+path, bytes.NewReader(b))
	req.Header.Set("operationID", "crash-"+strconv.FormatInt(opSeq.Add(1), 10))
	req.Header.Set("token", c.admin)
	resp, err := c.http.Do(req)
	if err != nil {
		return envelope{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return envelope{}, err
	}
	if resp.StatusCode != 200 {
		return envelope{}, fmt.Errorf("HTTP %d: %s", resp.StatusCode, raw)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return envelope{}, fmt.Errorf("%s: %v: %s", path, err, raw)
	}
	return env, nil
}

type zimReply struct {
	Code         int    `json:"Code"`
	Message      string `json:"Message"`
	GroupDataSeq int64  `json:"GroupDataSeq"`
	LimitInfo    struct {
		MemberCountLimit int64 `json:"MemberCountLimit"`
	} `json:"LimitInfo"`
}

func (c *client) zim(method, action string, params url.Values, body any) (zimReply, error) {
	nonce := strconv.FormatInt(opSeq.Add(1), 10) + "-" + strconv.FormatUint(rand.Uint64(), 16)
	ts := time.Now().Unix()
	q := url.Values{"Action": {action}, "AppId": {strconv.Itoa(zimAppID)}, "SignatureNonce": {nonce},
		"Timestamp": {strconv.FormatInt(ts, 10)}, "SignatureVersion": {"2.0"}, "Signature": {zim.Sign(zimAppID, nonce, zimSecret, ts)}}
	for k, v := range params {
		q[k] = v
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+c.addr+"/?"+q.Encode(), rd)
	resp, err := c.http.Do(req)
	if err != nil {
		return zimReply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return zimReply{}, err
	}
	var r zimReply
	if err := json.Unmarshal(raw, &r); err != nil {
		return zimReply{}, fmt.Errorf("%s: %v: %s", action, err, raw)
	}
	return r, nil
}

// ---- the model ----

// groupState is what the test knows of one group.
type groupState struct {
	Exists    bool
	Dismissed bool
	Owner     string
	Name      string
	Intro     string
	Limit     int64
	DataSeq   int64
	Members   map[string]int // user → roleLevel
}

func (s groupState) clone() groupState {
	s.Members = maps(s.Members)
	return s
}

func maps(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (s groupState) equal(o groupState) bool {
	if s.Exists != o.Exists || s.Dismissed != o.Dismissed {
		return false
	}
	if !s.Exists || s.Dismissed {
		return true
	}
	if s.Owner != o.Owner || s.Name != o.Name || s.Intro != o.Intro || s.Limit != o.Limit || s.DataSeq != o.DataSeq || len(s.Members) != len(o.Members) {
		return false
	}
	for k, v := range s.Members {
		if o.Members[k] != v {
			return false
		}
	}
	return true
}

func (s groupState) String() string {
	if !s.Exists {
		return "absent"
	}
	if s.Dismissed {
		return "dismissed"
	}
	ids := make([]string, 0, len(s.Members))
	for id, r := range s.Members {
		ids = append(ids, id+":"+strconv.Itoa(r))
	}
	slices.Sort(ids)
	return fmt.Sprintf("owner=%s name=%q intro=%q limit=%d dataSeq=%d members(%d)=%v", s.Owner, s.Name, s.Intro, s.Limit, s.DataSeq, len(ids), ids)
}

// op is one planned write on an owned group.
type op struct {
	kind          string
	group         string
	before, after groupState
	expectReject  bool
	send          func(c *client) (code int, dlt string, err error)
}

type stats struct {
	acked, rejected, unknown, sharedAcked, sharedRefused atomic.Int64
	unknownApplied, unknownNotApplied                    int
}

// worker drives writes on the groups it owns (so that the expected state is
// exact) and on the shared groups (contention; invariants only).
type worker struct {
	id      int
	rng     *rand.Rand
	state   map[string]*groupState // every group this worker ever created (or tried to)
	live    []string
	next    int
	pending *op // an op whose outcome is unknown (no answer)
}

func (w *worker) randomUsers(n int, exclude map[string]int) []string {
	var out []string
	for tries := 0; len(out) < n && tries < 50*n; tries++ {
		id := userID(w.rng.IntN(numUsers))
		if _, ok := exclude[id]; ok || slices.Contains(out, id) {
			continue
		}
		out = append(out, id)
	}
	return out
}

func pickMember(rng *rand.Rand, s groupState, exceptOwner bool) (string, bool) {
	ids := make([]string, 0, len(s.Members))
	for id := range s.Members {
		if exceptOwner && id == s.Owner {
			continue
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return "", false
	}
	slices.Sort(ids)
	return ids[rng.IntN(len(ids))], true
}

func openimSend(path string, body any) func(c *client) (int, string, error) {
	return func(c *client) (int, string, error) {
		env, err := c.openim(path, body)
		return env.ErrCode, env.ErrDlt, err
	}
}

// plan picks the next op on an owned group.
func (w *worker) plan() *op {
	if len(w.live) < ownedGroups {
		gid := fmt.Sprintf("w%d-%d", w.id, w.next)
		w.next++
		picked := w.randomUsers(10, nil)
		owner, admin, members := picked[0], picked[1], picked[2:]
		name := fmt.Sprintf("n-%x", w.rng.Uint32())
		after := groupState{Exists: true, Owner: owner, Name: name, DataSeq: 1, Members: map[string]int{owner: 100, admin: 60}}
		for _, m := range members {
			after.Members[m] = 20
		}
		w.state[gid] = &groupState{}
		w.live = append(w.live, gid)
		return &op{kind: "create_group", group: gid, after: after, send: openimSend("/group/create_group", map[string]any{
			"ownerUserID": owner, "adminUserIDs": []string{admin}, "memberUserIDs": members,
			"groupInfo": map[string]any{"groupID": gid, "groupName": name, "groupType": 2}})}
	}
	gid := w.live[w.rng.IntN(len(w.live))]
	before := w.state[gid].clone()
	after := before.clone()
	o := &op{group: gid, before: before}
	switch r := w.rng.IntN(1000); {
	case r < 300: // invite
		add := w.randomUsers(1+w.rng.IntN(3), before.Members)
		if len(add) == 0 {
			break
		}
		o.kind = "invite_user_to_group"
		if before.Limit > 0 && int64(len(before.Members)+len(add)) > before.Limit {
			o.expectReject = true
		} else {
			for _, id := range add {
				after.Members[id] = 20
			}
		}
		o.send = openimSend("/group/invite_user_to_group", map[string]any{"groupID": gid, "invitedUserIDs": add, "reason": "crash test"})
	case r < 470: // kick
		var kick []string
		for range 1 + w.rng.IntN(2) {
			if id, ok := pickMember(w.rng, after, true); ok {
				kick = append(kick, id)
				delete(after.Members, id)
			}
		}
		if len(kick) == 0 {
			break
		}
		o.kind = "kick_group"
		o.send = openimSend("/group/kick_group", map[string]any{"groupID": gid, "kickedUserIDs": kick, "reason": "crash test"})
	case r < 620: // quit
		id, ok := pickMember(w.rng, before, true)
		if !ok {
			break
		}
		delete(after.Members, id)
		o.kind = "quit_group"
		o.send = openimSend("/group/quit_group", map[string]any{"groupID": gid, "userID": id})
	case r < 820: // set_group_info
		after.Name = fmt.Sprintf("n-%x", w.rng.Uint32())
		after.Intro = fmt.Sprintf("i-%x", w.rng.Uint32())
		after.DataSeq++
		o.kind = "set_group_info"
		o.send = openimSend("/group/set_group_info", map[string]any{"groupInfoForSet": map[string]any{
			"groupID": gid, "groupName": after.Name, "introduction": after.Intro}})
	case r < 930: // transfer
		id, ok := pickMember(w.rng, before, true)
		if !ok {
			break
		}
		after.Members[before.Owner] = before.Members[id]
		after.Members[id] = 100
		after.Owner = id
		after.DataSeq++
		o.kind = "transfer_group"
		o.send = openimSend("/group/transfer_group", map[string]any{"groupID": gid, "oldOwnerUserID": before.Owner, "newOwnerUserID": id})
	case r < 995: // ZIM ModifyGroupLimit: at least the current size
		limit := int64(len(before.Members) + w.rng.IntN(5))
		if limit == before.Limit {
			limit++
		}
		after.Limit = limit
		after.DataSeq++
		o.kind = "ModifyGroupLimit"
		o.send = func(c *client) (int, string, error) {
			r, err := c.zim(http.MethodGet, "ModifyGroupLimit", url.Values{"FromUserId": {userID(0)}, "GroupId": {gid},
				"MemberCountLimit": {strconv.FormatInt(limit, 10)}}, nil)
			return r.Code, r.Message, err
		}
	default: // dismiss, members deleted
		after = groupState{Exists: true, Dismissed: true}
		o.kind = "dismiss_group"
		o.send = openimSend("/group/dismiss_group", map[string]any{"groupID": gid, "deleteMember": true})
	}
	if o.kind == "" { // nothing to do on this group: rename it
		after = before.clone()
		after.Name = fmt.Sprintf("n-%x", w.rng.Uint32())
		after.DataSeq++
		o.kind = "set_group_info"
		o.send = openimSend("/group/set_group_info", map[string]any{"groupInfoForSet": map[string]any{"groupID": gid, "groupName": after.Name}})
	}
	if o.expectReject {
		after = before.clone()
	}
	o.after = after
	return o
}

// apply records the definite answer to o.
func (w *worker) apply(t *testing.T, o *op, code int, dlt string, st *stats) {
	switch {
	case code == 0 && o.expectReject:
		t.Errorf("%s on %s was accepted, but the model says it exceeds the limit (%s)", o.kind, o.group, o.before)
	case code != 0 && !o.expectReject:
		t.Errorf("%s on %s refused with %d %s; model: %s", o.kind, o.group, code, dlt, o.before)
	}
	if code == 0 {
		*w.state[o.group] = o.after
		st.acked.Add(1)
		if o.after.Dismissed {
			w.live = slices.DeleteFunc(w.live, func(g string) bool { return g == o.group })
		}
		return
	}
	st.rejected.Add(1)
	if o.kind == "create_group" {
		w.live = slices.DeleteFunc(w.live, func(g string) bool { return g == o.group })
	}
}

// shared sends a random write to a shared group, where many workers race;
// any answer but a server error is fine.
func (w *worker) shared(t *testing.T, c *client, st *stats) error {
	gid := fmt.Sprintf("shared-%d", w.rng.IntN(sharedGroups))
	u := userID(w.rng.IntN(numUsers))
	var send func(*client) (int, string, error)
	switch w.rng.IntN(6) {
	case 0, 1:
		send = openimSend("/group/invite_user_to_group", map[string]any{"groupID": gid, "invitedUserIDs": w.randomUsers(1+w.rng.IntN(4), nil)})
	case 2:
		send = openimSend("/group/kick_group", map[string]any{"groupID": gid, "kickedUserIDs": []string{u}})
	case 3:
		send = openimSend("/group/quit_group", map[string]any{"groupID": gid, "userID": u})
	case 4:
		send = openimSend("/group/transfer_group", map[string]any{"groupID": gid, "newOwnerUserID": u})
	default:
		send = openimSend("/group/set_group_info", map[string]any{"groupInfoForSet": map[string]any{"groupID": gid, "groupName": fmt.Sprintf("s-%x", w.rng.Uint32())}})
	}
	code, dlt, err := send(c)
	if err != nil {
		return err
	}
	if code == 500 {
		t.Errorf("shared group %s: server error %s", gid, dlt)
	}
	if code == 0 {
		st.sharedAcked.Add(1)
	} else {
		st.sharedRefused.Add(1)
	}
	return nil
}

// run drives writes until an answer fails to come (the server was killed)
// or stop is closed with no request in flight.
func (w *worker) run(t *testing.T, c *client, st *stats, stop <-chan struct{}, killed *atomic.Bool) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		if w.rng.IntN(4) == 0 {
			if err := w.shared(t, c, st); err != nil {
				if !killed.Load() {
					t.Errorf("worker %d: shared write failed with the server up: %v", w.id, err)
				}
				return
			}
			continue
		}
		o := w.plan()
		code, dlt, err := o.send(c)
		if err != nil {
			if !killed.Load() {
				t.Errorf("worker %d: %s on %s failed with the server up: %v", w.id, o.kind, o.group, err)
			}
			w.pending = o
			st.unknown.Add(1)
			return
		}
		w.apply(t, o, code, dlt, st)
	}
}

// ---- reading back and checking ----

type checker struct {
	t        *testing.T
	c        *client
	versions map[string]struct { // owner → last (versionID, version) seen
		id string
		v  uint64
	}
}

// read reads a group through both dialects and checks the invariants of
// every group: memberCount equals the member rows, exactly one owner and it
// is ownerUserID, no more members than MemberCountLimit.
func (k *checker) read(gid string) groupState {
	t := k.t
	t.Helper()
	env, err := k.c.openim("/group/get_groups_info", map[string]any{"groupIDs": []string{gid}})
	if err != nil {
		t.Fatalf("read %s: %v", gid, err)
	}
	if env.ErrCode == 1004 {
		return groupState{}
	}
	if env.ErrCode != 0 {
		t.Fatalf("get_groups_info %s: %d %s", gid, env.ErrCode, env.ErrDlt)
	}
	var gi struct {
		GroupInfos []struct {
			GroupID      string `json:"groupID"`
			GroupName    string `json:"groupName"`
			Introduction string `json:"introduction"`
			OwnerUserID  string `json:"ownerUserID"`
			MemberCount  int64  `json:"memberCount"`
			Status       int    `json:"status"`
		} `json:"groupInfos"`
	}
	if err := json.Unmarshal(env.Data, &gi); err != nil || len(gi.GroupInfos) != 1 || gi.GroupInfos[0].GroupID != gid {
		t.Fatalf("get_groups_info %s: %v %s", gid, err, env.Data)
	}
	g := gi.GroupInfos[0]
	s := groupState{Exists: true, Owner: g.OwnerUserID, Name: g.GroupName, Intro: g.Introduction, Members: map[string]int{}}
	if g.Status == 2 {
		s.Dismissed = true
		if g.MemberCount != 0 {
			t.Errorf("dismissed group %s (members deleted) has memberCount %d", gid, g.MemberCount)
		}
		return s
	}
	env, err = k.c.openim("/group/get_group_member_list", map[string]any{"groupID": gid, "pagination": map[string]any{"pageNumber": 1, "showNumber": 1000}})
	if err != nil || env.ErrCode != 0 {
		t.Fatalf("get_group_member_list %s: %v %d %s", gid, err, env.ErrCode, env.ErrDlt)
	}
	var ml struct {
		Total   int64 `json:"total"`
		Members []struct {
			UserID    string `json:"userID"`
			RoleLevel int    `json:"roleLevel"`
		} `json:"members"`
	}
	if err := json.Unmarshal(env.Data, &ml); err != nil {
		t.Fatal(err)
	}
	owners := 0
	for _, m := range ml.Members {
		if _, dup := s.Members[m.UserID]; dup {
			t.Errorf("group %s lists member %s twice", gid, m.UserID)
		}
		s.Members[m.UserID] = m.RoleLevel
		if m.RoleLevel == 100 {
			owners++
			if m.UserID != g.OwnerUserID {
				t.Errorf("group %s: member %s has roleLevel 100 but ownerUserID is %s", gid, m.UserID, g.OwnerUserID)
			}
		}
	}
	if owners != 1 {
		t.Errorf("group %s has %d owners (roleLevel 100)", gid, owners)
	}
	if g.MemberCount != ml.Total || int64(len(ml.Members)) != ml.Total {
		t.Errorf("group %s: memberCount %d, member list total %d, list length %d", gid, g.MemberCount, ml.Total, len(ml.Members))
	}
	z, err := k.c.zim(http.MethodPost, "QueryGroupInfo", nil, map[string]any{"FromUserId": userID(0), "GroupId": gid})
	if err != nil || z.Code != 0 {
		t.Fatalf("QueryGroupInfo %s: %v %d %s", gid, err, z.Code, z.Message)
	}
	s.DataSeq, s.Limit = z.GroupDataSeq, z.LimitInfo.MemberCountLimit
	if s.Limit > 0 && g.MemberCount > s.Limit {
		t.Errorf("group %s has %d members, over its MemberCountLimit %d", gid, g.MemberCount, s.Limit)
	}
	return s
}

// version checks that an incremental-sync version never goes back.
func (k *checker) version(owner, path string, body map[string]any) {
	t := k.t
	env, err := k.c.openim(path, body)
	if err != nil || env.ErrCode != 0 {
		t.Fatalf("%s %v: %v %d %s", path, body, err, env.ErrCode, env.ErrDlt)
	}
	var v struct {
		VersionID string `json:"versionID"`
		Version   uint64 `json:"version"`
	}
	json.Unmarshal(env.Data, &v)
	prev, ok := k.versions[owner]
	if ok && (prev.id != v.VersionID || v.Version < prev.v) {
		t.Errorf("%s: version went from %s/%d to %s/%d", owner, prev.id, prev.v, v.VersionID, v.Version)
	}
	k.versions[owner] = struct {
		id string
		v  uint64
	}{v.VersionID, v.Version}
}

// verify resolves every op whose answer was lost (the group must be in its
// state before or after, nothing in between), then compares every owned
// group with the model and checks invariants, joined lists and versions.
func (k *checker) verify(workers []*worker, st *stats) (groups int) {
	t := k.t
	for _, w := range workers {
		o := w.pending
		if o == nil {
			continue
		}
		w.pending = nil
		got := k.read(o.group)
		switch {
		case got.equal(o.after):
			st.unknownApplied++
			*w.state[o.group] = o.after
			if o.after.Dismissed {
				w.live = slices.DeleteFunc(w.live, func(g string) bool { return g == o.group })
			}
		case got.equal(o.before):
			st.unknownNotApplied++
			if o.kind == "create_group" {
				w.live = slices.DeleteFunc(w.live, func(g string) bool { return g == o.group })
			}
		default:
			t.Errorf("unacknowledged %s on %s is half-applied:\n got    %s\n before %s\n after  %s", o.kind, o.group, got, o.before, o.after)
			*w.state[o.group] = got
		}
	}
	memberships := map[string]int{}
	for _, w := range workers {
		for gid, want := range w.state {
			got := k.read(gid)
			groups++
			if !got.equal(*want) {
				t.Errorf("group %s lost acknowledged changes:\n got  %s\n want %s", gid, got, *want)
			}
			for u := range got.Members {
				memberships[u]++
			}
			if got.Exists && !got.Dismissed {
				k.version("gm/"+gid, "/group/get_incremental_group_members", map[string]any{"groupID": gid})
			}
		}
	}
	for i := range sharedGroups {
		gid := fmt.Sprintf("shared-%d", i)
		got := k.read(gid)
		groups++
		if !got.Exists || got.Dismissed || got.Limit != sharedLimit {
			t.Errorf("shared group %s: %s", gid, got)
		}
		for u := range got.Members {
			memberships[u]++
		}
		k.version("gm/"+gid, "/group/get_incremental_group_members", map[string]any{"groupID": gid})
	}
	// Each user's joined list agrees with the member lists.
	for i := range sampledUsers {
		u := userID(i)
		env, err := k.c.openim("/group/get_joined_group_list", map[string]any{"fromUserID": u, "pagination": map[string]any{"pageNumber": 1, "showNumber": 1}})
		if err != nil || env.ErrCode != 0 {
			t.Fatalf("get_joined_group_list %s: %v %d %s", u, err, env.ErrCode, env.ErrDlt)
		}
		var jl struct {
			Total int `json:"total"`
		}
		json.Unmarshal(env.Data, &jl)
		if jl.Total != memberships[u] {
			t.Errorf("user %s: joined list total %d, member of %d groups", u, jl.Total, memberships[u])
		}
		k.version("ug/"+u, "/group/get_incremental_join_groups", map[string]any{"userID": u})
	}
	return groups
}

func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("GROUPD_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (GROUPD_CRASH_SEED reproduces the schedule of kills and ops, not the interleaving)", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	dir := t.TempDir()
	logs, err := os.Create(filepath.Join(dir, "groupd.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	srv := &server{t: t, bin: buildGroupd(t), dir: filepath.Join(dir, "data"), addr: freeAddr(t), logs: logs}
	tr := &http.Transport{MaxIdleConnsPerHost: 4 * numWorkers, DisableCompression: true}
	c := &client{addr: srv.addr, tr: tr, http: &http.Client{Transport: apitest.Transport(t, tr), Timeout: requestTimout}}
	srv.start()
	t.Cleanup(func() {
		if srv.cmd != nil && srv.cmd.ProcessState == nil {
			srv.cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("groupd log tail:\n%s", srv.tail())
		}
	})

	env, err := c.openim("/auth/get_admin_token", map[string]any{"secret": adminSecret, "userID": "imAdmin"})
	if err != nil || env.ErrCode != 0 {
		t.Fatalf("get_admin_token: %v %+v", err, env)
	}
	var tok struct {
		Token string `json:"token"`
	}
	json.Unmarshal(env.Data, &tok)
	c.admin = tok.Token
	users := make([]map[string]any, numUsers)
	for i := range users {
		users[i] = map[string]any{"userID": userID(i), "nickname": "user " + strconv.Itoa(i)}
	}
	mustAck := func(env envelope, err error) {
		t.Helper()
		if err != nil || env.ErrCode != 0 {
			t.Fatalf("setup: %v %d %s", err, env.ErrCode, env.ErrDlt)
		}
	}
	mustAck(c.openim("/user/user_register", map[string]any{"users": users}))
	for i := range sharedGroups {
		gid := fmt.Sprintf("shared-%d", i)
		var members []string
		for j := 1; j <= 15; j++ {
			members = append(members, userID((i*15+j)%numUsers))
		}
		mustAck(c.openim("/group/create_group", map[string]any{"ownerUserID": userID(0), "memberUserIDs": members,
			"groupInfo": map[string]any{"groupID": gid, "groupName": gid, "groupType": 2}}))
		z, err := c.zim(http.MethodGet, "ModifyGroupLimit", url.Values{"FromUserId": {userID(0)}, "GroupId": {gid}, "MemberCountLimit": {strconv.Itoa(sharedLimit)}}, nil)
		if err != nil || z.Code != 0 {
			t.Fatalf("ModifyGroupLimit: %v %+v", err, z)
		}
	}

	workers := make([]*worker, numWorkers)
	for i := range workers {
		workers[i] = &worker{id: i, rng: rand.New(rand.NewPCG(seed, uint64(i)+2)), state: map[string]*groupState{}}
	}
	k := &checker{t: t, c: c, versions: map[string]struct {
		id string
		v  uint64
	}{}}
	var st stats
	killsSurvived := 0
	for phase := 0; phase <= kills; phase++ {
		if phase > 0 {
			srv.start()
			tr.CloseIdleConnections()
			n := k.verify(workers, &st)
			killsSurvived++
			t.Logf("restart %d: %d groups verified; so far %d writes acknowledged (+%d shared), %d refused as the model expected, %d unanswered",
				phase, n, st.acked.Load(), st.sharedAcked.Load(), st.rejected.Load(), st.unknown.Load())
			if t.Failed() {
				t.FailNow()
			}
		}
		stop := make(chan struct{})
		var killed atomic.Bool
		var wg sync.WaitGroup
		for _, w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.run(t, c, &st, stop, &killed)
			}()
		}
		time.Sleep(minPhase + time.Duration(rng.Int64N(int64(maxPhase-minPhase))))
		killed.Store(true)
		if phase < kills {
			srv.kill()
		} else {
			srv.stop() // the last stop is graceful: in-flight writes finish
		}
		close(stop)
		wg.Wait()
	}
	srv.start()
	tr.CloseIdleConnections()
	n := k.verify(workers, &st)
	srv.stop()
	t.Logf("crash safety: %d writes acknowledged on owned groups (+%d on shared groups), %d refused as expected, "+
		"%d unanswered (%d found applied whole, %d not at all, none half), %d SIGKILLs survived, %d groups verified at the end, race detector %v",
		st.acked.Load(), st.sharedAcked.Load(), st.rejected.Load(), st.unknown.Load(), st.unknownApplied, st.unknownNotApplied,
		killsSurvived, n, raceEnabled)
	if st.acked.Load() < 500 {
		t.Errorf("only %d writes acknowledged: the load did not run", st.acked.Load())
	}
}
