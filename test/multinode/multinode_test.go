package multinode

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupd/groupd/internal/ready"
	"github.com/groupd/groupd/internal/tcpproxy"
	"github.com/groupd/groupd/redisx"
	"github.com/groupd/groupd/store/postgres"
	"github.com/groupd/groupd/zim"
)

// raceEnabled is set when the test runs under -race; the binary is then
// built with -race too.
var raceEnabled bool

const (
	secret    = "multinode-secret-0123456789"
	zimAppID  = 424242
	zimSecret = "0123456789abcdef0123456789abcdef"
	zimQPS    = 20

	codeTokenKicked  = 1506
	codeInternal     = 500
	zimRateLimited   = 660300005
	zimReplayed      = 100000005
	zimServerError   = 660000001
	startTimeout     = 60 * time.Second
	recoverTimeout   = 15 * time.Second
	requestTimeout   = 10 * time.Second
	failFastBound    = 3 * time.Second
	concurrentGroups = 6
	stepsPerGroup    = 25
	hotGroupInvitees = 30
	registeredUsers  = 60
	zimBurstRequests = 60
)

// node is one groupd process.
type node struct {
	name string
	base string // http://addr
	cmd  *exec.Cmd
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// buildGroupd builds the groupd binary (with -race when the test has it).
func buildGroupd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "groupd")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "github.com/groupd/groupd/cmd/groupd")
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startNode starts one groupd process and waits until /readyz answers.
func startNode(t *testing.T, bin, name string, args ...string) *node {
	t.Helper()
	n := &node{name: name, logs: &syncBuffer{}}
	n.cmd = exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), name), "--log-format", "json"}, args...)...)
	n.cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	stderr, err := n.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { n.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			n.cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("--- %s log (last 4 KiB) ---\n%s", name, tail(n.logs.String(), 4096))
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			n.logs.Write([]byte(line + "\n"))
			if !sent {
				var m struct{ Msg, Addr string }
				if json.Unmarshal([]byte(line), &m) == nil && m.Msg == "groupd listening" && m.Addr != "" {
					addr <- m.Addr
					sent = true
				}
			}
		}
	}()
	select {
	case a := <-addr:
		n.base = "http://" + a
	case <-time.After(startTimeout):
		t.Fatalf("%s did not start within %v:\n%s", name, startTimeout, n.logs.String())
	}
	if err := ready.Wait(context.Background(), n.base+"/readyz", nil, startTimeout); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, n.logs.String())
	}
	return n
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

var client = &http.Client{Timeout: requestTimeout}

// reply is an OpenIM answer.
type reply struct {
	ErrCode int             `json:"errCode"`
	ErrMsg  string          `json:"errMsg"`
	ErrDlt  string          `json:"errDlt"`
	Data    json.RawMessage `json:"data"`
}

var opID atomic.Int64

// call posts an OpenIM request to n.
func (n *node) call(t *testing.T, path, token string, body any) reply {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", n.base+path, bytes.NewReader(b))
	req.Header.Set("operationID", strconv.FormatInt(opID.Add(1), 10))
	if token != "" {
		req.Header.Set("token", token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", n.name, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r reply
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s %s: status %d body %s", n.name, path, resp.StatusCode, raw)
	}
	return r
}

// ok posts and requires errCode 0, decoding data into out (when not nil).
func (n *node) ok(t *testing.T, path, token string, body, out any) {
	t.Helper()
	r := n.call(t, path, token, body)
	if r.ErrCode != 0 {
		t.Fatalf("%s %s: errCode %d %s %s", n.name, path, r.ErrCode, r.ErrMsg, r.ErrDlt)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", n.name, path, r.Data, err)
		}
	}
}

// zimCall sends a signed ZIM POST Action to n with the given nonce.
func (n *node) zimCall(t *testing.T, action, nonce string, body any) (code int, msg string) {
	t.Helper()
	ts := time.Now().Unix()
	q := url.Values{"Action": {action}, "AppId": {strconv.Itoa(zimAppID)}, "SignatureNonce": {nonce},
		"Timestamp": {strconv.FormatInt(ts, 10)}, "SignatureVersion": {"2.0"}, "Signature": {zim.Sign(zimAppID, nonce, zimSecret, ts)}}
	b, _ := json.Marshal(body)
	resp, err := client.Post(n.base+"/?"+q.Encode(), "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s zim %s: %v", n.name, action, err)
	}
	defer resp.Body.Close()
	var r struct {
		Code    int
		Message string
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s zim %s: %s", n.name, action, raw)
	}
	return r.Code, r.Message
}

func newNonce() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

type groupInfo struct {
	GroupID     string `json:"groupID"`
	GroupName   string `json:"groupName"`
	MemberCount int64  `json:"memberCount"`
}

// cluster is three nodes and an admin token (valid on all: one secret).
type cluster struct {
	nodes []*node
	admin string
	proxy *tcpproxy.Proxy // in front of Redis
}

func (c *cluster) pick(r *mrand.Rand) *node { return c.nodes[r.IntN(len(c.nodes))] }

// others returns the nodes other than n.
func (c *cluster) others(n *node) []*node {
	var out []*node
	for _, m := range c.nodes {
		if m != n {
			out = append(out, m)
		}
	}
	return out
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	// A fresh, empty schema of its own on the test server (search_path in
	// the URL): as isolated as a new database, and dropped without the
	// checkpoint DROP DATABASE forces. Fails instead of skipping when CI=true.
	dbURL := postgres.CreateTestSchema(t)
	redisURL := redisx.RequireTestRedis(t)
	prefix := redisx.TestPrefix()
	t.Cleanup(func() { redisx.DeletePrefix(context.Background(), redisURL, prefix) })
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	p := tcpproxy.Start(t, u.Host)
	u.Host = p.Addr()
	bin := buildGroupd(t)
	args := []string{"--db", dbURL, "--redis", u.String(), "--redis-prefix", prefix, "--secret", secret,
		"--zim-app-id", strconv.Itoa(zimAppID), "--zim-server-secret", zimSecret,
		"--zim-qps", strconv.Itoa(zimQPS), "--zim-group-qps", "0", "--max-inflight", "0"}
	c := &cluster{proxy: p}
	// Start the three at once: they migrate the fresh database concurrently.
	var wg sync.WaitGroup
	c.nodes = make([]*node, 3)
	for i := range c.nodes {
		wg.Go(func() { c.nodes[i] = startNode(t, bin, fmt.Sprintf("node%d", i), args...) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	var tok struct{ Token string }
	c.nodes[0].ok(t, "/auth/get_admin_token", "", map[string]any{"secret": secret, "userID": "imAdmin"}, &tok)
	c.admin = tok.Token
	return c
}

func userID(i int) string { return fmt.Sprintf("u%02d", i) }

func TestMultiNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three groupd processes")
	}
	start := time.Now()
	c := startCluster(t)
	t.Logf("cluster up in %v", time.Since(start))

	// Users, registered on node 1, known everywhere.
	var users []map[string]any
	for i := range registeredUsers {
		users = append(users, map[string]any{"userID": userID(i), "nickname": "user " + userID(i)})
	}
	c.nodes[1].ok(t, "/user/user_register", c.admin, map[string]any{"users": users}, nil)

	t.Run("ReadYourWritesAcrossNodes", func(t *testing.T) { readYourWrites(t, c) })
	t.Run("ExactCountsUnderConcurrentWrites", func(t *testing.T) { exactCounts(t, c) })
	t.Run("ForceLogoutSeenByAllNodes", func(t *testing.T) { forceLogout(t, c) })
	t.Run("ZIMNonceSharedAcrossNodes", func(t *testing.T) { zimReplay(t, c) })
	t.Run("ZIMRateLimitIsClusterWide", func(t *testing.T) { zimRateLimit(t, c) })
	t.Run("RedisDownAndBack", func(t *testing.T) { redisDownAndBack(t, c) })
	t.Logf("total %v", time.Since(start))
}

// readYourWrites runs one goroutine per group; each applies random writes
// on a random node and, as soon as the write is acknowledged, reads the
// group from the two other nodes: name, exact member count, member IDs,
// and the joined-group list of a user the write changed.
func readYourWrites(t *testing.T, c *cluster) {
	var wg sync.WaitGroup
	for gi := range concurrentGroups {
		wg.Go(func() {
			r := mrand.New(mrand.NewPCG(uint64(gi), uint64(time.Now().UnixNano())))
			gid := fmt.Sprintf("10000000%02d", gi)
			owner := userID(0)
			c.pick(r).ok(t, "/group/create_group", c.admin, map[string]any{
				"ownerUserID": owner, "groupInfo": map[string]any{"groupID": gid, "groupName": "g", "groupType": 2}}, nil)
			members := map[string]bool{owner: true}
			name := "g"
			for step := range stepsPerGroup {
				w := c.pick(r)
				var changed string // a user whose joined list the write changed
				switch op := r.IntN(10); {
				case op < 5: // invite 1–3 non-members
					var invite []string
					for len(invite) < 1+r.IntN(3) {
						u := userID(1 + r.IntN(registeredUsers-1))
						if !members[u] && !slices.Contains(invite, u) {
							invite = append(invite, u)
						}
					}
					w.ok(t, "/group/invite_user_to_group", c.admin, map[string]any{"groupID": gid, "invitedUserIDs": invite}, nil)
					for _, u := range invite {
						members[u] = true
					}
					changed = invite[0]
				case op < 8 && len(members) > 1: // kick one
					var cands []string
					for u := range members {
						if u != owner {
							cands = append(cands, u)
						}
					}
					slices.Sort(cands)
					u := cands[r.IntN(len(cands))]
					w.ok(t, "/group/kick_group", c.admin, map[string]any{"groupID": gid, "kickedUserIDs": []string{u}}, nil)
					delete(members, u)
					changed = u
				default: // rename
					name = fmt.Sprintf("g%d-%d", gi, step)
					w.ok(t, "/group/set_group_info_ex", c.admin, map[string]any{"groupID": gid, "groupName": name}, nil)
				}
				for _, rd := range c.others(w) {
					var info struct{ GroupInfos []groupInfo }
					rd.ok(t, "/group/get_groups_info", c.admin, map[string]any{"groupIDs": []string{gid}}, &info)
					if len(info.GroupInfos) != 1 || info.GroupInfos[0].MemberCount != int64(len(members)) || info.GroupInfos[0].GroupName != name {
						t.Errorf("step %d: wrote on %s, %s reads %+v; want name %q, %d members", step, w.name, rd.name, info.GroupInfos, name, len(members))
						return
					}
					var ids struct{ UserIDs []string }
					rd.ok(t, "/group/get_group_member_user_id", c.admin, map[string]any{"groupID": gid}, &ids)
					if len(ids.UserIDs) != len(members) {
						t.Errorf("step %d: %s reads %d member IDs, want %d", step, rd.name, len(ids.UserIDs), len(members))
						return
					}
					for _, u := range ids.UserIDs {
						if !members[u] {
							t.Errorf("step %d: %s lists %s, who is not a member", step, rd.name, u)
							return
						}
					}
					if changed != "" {
						var joined struct{ GroupIDs []string }
						rd.ok(t, "/group/get_full_join_group_ids", c.admin, map[string]any{"userID": changed}, &joined)
						if slices.Contains(joined.GroupIDs, gid) != members[changed] {
							t.Errorf("step %d: %s says %s joined %s: %v, want %v", step, rd.name, changed, gid, !members[changed], members[changed])
							return
						}
					}
				}
			}
		})
	}
	wg.Wait()
}

// exactCounts invites distinct users into one group from all nodes at once:
// the count is exact everywhere afterwards.
func exactCounts(t *testing.T, c *cluster) {
	const gid = "2000000001"
	c.nodes[0].ok(t, "/group/create_group", c.admin, map[string]any{
		"ownerUserID": userID(0), "groupInfo": map[string]any{"groupID": gid, "groupName": "hot", "groupType": 2}}, nil)
	var wg sync.WaitGroup
	for i := range hotGroupInvitees {
		wg.Go(func() {
			c.nodes[i%3].ok(t, "/group/invite_user_to_group", c.admin, map[string]any{"groupID": gid, "invitedUserIDs": []string{userID(1 + i)}}, nil)
		})
	}
	wg.Wait()
	for _, n := range c.nodes {
		var info struct{ GroupInfos []groupInfo }
		n.ok(t, "/group/get_groups_info", c.admin, map[string]any{"groupIDs": []string{gid}}, &info)
		if len(info.GroupInfos) != 1 || info.GroupInfos[0].MemberCount != hotGroupInvitees+1 {
			t.Fatalf("%s reads %+v, want %d members", n.name, info.GroupInfos, hotGroupInvitees+1)
		}
	}
	// Concurrent kicks of the same members from every node: each removed once.
	var kicked atomic.Int64
	for i := range hotGroupInvitees {
		for _, n := range c.nodes {
			wg.Go(func() {
				r := n.call(t, "/group/kick_group", c.admin, map[string]any{"groupID": gid, "kickedUserIDs": []string{userID(1 + i)}})
				if r.ErrCode == 0 {
					kicked.Add(1)
				}
			})
		}
	}
	wg.Wait()
	for _, n := range c.nodes {
		var info struct{ GroupInfos []groupInfo }
		n.ok(t, "/group/get_groups_info", c.admin, map[string]any{"groupIDs": []string{gid}}, &info)
		if info.GroupInfos[0].MemberCount != 1 {
			t.Fatalf("%s reads %d members after kicking all, want 1 (%d kicks answered ok)", n.name, info.GroupInfos[0].MemberCount, kicked.Load())
		}
	}
}

// forceLogout: a logout acknowledged on one node is refused on the others
// at once.
func forceLogout(t *testing.T, c *cluster) {
	var tok struct{ Token string }
	c.nodes[0].ok(t, "/auth/get_user_token", c.admin, map[string]any{"userID": userID(5), "platformID": 1}, &tok)
	for _, n := range c.nodes {
		n.ok(t, "/auth/parse_token", tok.Token, nil, nil) // cached as valid on every node
	}
	c.nodes[2].ok(t, "/auth/force_logout", c.admin, map[string]any{"userID": userID(5), "platformID": 1}, nil)
	for _, n := range c.nodes {
		if r := n.call(t, "/auth/parse_token", tok.Token, nil); r.ErrCode != codeTokenKicked {
			t.Fatalf("%s accepts a token logged out on node2: errCode %d %s", n.name, r.ErrCode, r.ErrDlt)
		}
	}
	var fresh struct{ Token string }
	c.nodes[1].ok(t, "/auth/get_user_token", c.admin, map[string]any{"userID": userID(5), "platformID": 1}, &fresh)
	for _, n := range c.nodes {
		n.ok(t, "/auth/parse_token", fresh.Token, nil, nil)
	}
}

// zimReplay: a signed request used on one node is refused on another.
func zimReplay(t *testing.T, c *cluster) {
	nonce := newNonce()
	body := map[string]any{"FromUserId": userID(0), "GroupId": "2000000001"}
	if code, msg := c.nodes[0].zimCall(t, "QueryGroupInfo", nonce, body); code != 0 {
		t.Fatalf("first use: %d %s", code, msg)
	}
	for _, n := range c.others(c.nodes[0]) {
		if code, msg := n.zimCall(t, "QueryGroupInfo", nonce, body); code != zimReplayed {
			t.Fatalf("replay on %s: %d %s, want %d", n.name, code, msg, zimReplayed)
		}
	}
}

// zimRateLimit: 60 quick requests spread over 3 nodes against a 20/s limit
// pass about 20 times (the burst, plus what refills while they run), not 60.
func zimRateLimit(t *testing.T, c *cluster) {
	// An Action no other test calls, so its budget is whole.
	var passed, limited, other atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for i := range zimBurstRequests {
		wg.Go(func() {
			code, _ := c.nodes[i%3].zimCall(t, "QueryGroupsInfoOfUser", newNonce(), map[string]any{"FromUserId": userID(0), "Limit": 10})
			switch code {
			case 0:
				passed.Add(1)
			case zimRateLimited:
				limited.Add(1)
			default:
				other.Add(1)
				t.Errorf("unexpected code %d", code)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	maxPass := int64(zimQPS) + int64(elapsed.Seconds()*zimQPS) + 1
	t.Logf("%d passed, %d rate-limited, in %v over 3 nodes (limit %d/s)", passed.Load(), limited.Load(), elapsed, zimQPS)
	if passed.Load() < zimQPS || passed.Load() > maxPass {
		t.Fatalf("%d of %d passed in %v, want %d..%d: the limit is not cluster-wide", passed.Load(), zimBurstRequests, elapsed, zimQPS, maxPass)
	}
}

// redisDownAndBack: with Redis unreachable, writes fail fast with errCode
// 500 and a message saying so, reads (and token checks) still work from the
// database, ZIM answers 660000001; when Redis is back every node recovers
// by itself.
func redisDownAndBack(t *testing.T, c *cluster) {
	const gid = "3000000001"
	c.nodes[0].ok(t, "/group/create_group", c.admin, map[string]any{
		"ownerUserID": userID(0), "groupInfo": map[string]any{"groupID": gid, "groupName": "before", "groupType": 2}}, nil)
	c.proxy.Stop()
	for _, n := range c.nodes {
		start := time.Now()
		r := n.call(t, "/group/set_group_info_ex", c.admin, map[string]any{"groupID": gid, "groupName": "during"})
		if r.ErrCode != codeInternal || !strings.Contains(r.ErrDlt, "unavailable") {
			t.Fatalf("%s: write with Redis down: errCode %d %q, want 500 saying unavailable", n.name, r.ErrCode, r.ErrDlt)
		}
		if d := time.Since(start); d > failFastBound {
			t.Fatalf("%s: the failing write took %v", n.name, d)
		}
		var info struct{ GroupInfos []groupInfo }
		n.ok(t, "/group/get_groups_info", c.admin, map[string]any{"groupIDs": []string{gid}}, &info)
		if info.GroupInfos[0].GroupName != "before" {
			t.Fatalf("%s: a refused write was kept: %q", n.name, info.GroupInfos[0].GroupName)
		}
		if code, msg := n.zimCall(t, "QueryGroupInfo", newNonce(), map[string]any{"FromUserId": userID(0), "GroupId": gid}); code != zimServerError {
			t.Fatalf("%s: ZIM with Redis down: %d %s, want %d", n.name, code, msg, zimServerError)
		}
	}
	c.proxy.Start()
	for i, n := range c.nodes {
		deadline := time.Now().Add(recoverTimeout)
		for {
			r := n.call(t, "/group/set_group_info_ex", c.admin, map[string]any{"groupID": gid, "groupName": fmt.Sprintf("after%d", i)})
			if r.ErrCode == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not recover within %v: %d %s", n.name, recoverTimeout, r.ErrCode, r.ErrDlt)
			}
			time.Sleep(50 * time.Millisecond)
		}
		for _, rd := range c.others(n) {
			var info struct{ GroupInfos []groupInfo }
			rd.ok(t, "/group/get_groups_info", c.admin, map[string]any{"groupIDs": []string{gid}}, &info)
			if want := fmt.Sprintf("after%d", i); info.GroupInfos[0].GroupName != want {
				t.Fatalf("after recovery %s reads %q, want %q", rd.name, info.GroupInfos[0].GroupName, want)
			}
		}
	}
}
