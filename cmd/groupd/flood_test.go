package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupd/groupd/api/apitest"
)

// slowFlood holds n connections that each send a request with a
// Content-Length: 100000 body to one of paths, one byte per tick: the
// anonymous slow-body flood of the audit. Loopback only; Stop closes them.
type slowFlood struct {
	mu    sync.Mutex
	conns []net.Conn
	stop  chan struct{}
	done  chan struct{}
}

func startSlowFlood(t *testing.T, addr string, n int, paths []string, tick time.Duration) *slowFlood {
	t.Helper()
	f := &slowFlood{stop: make(chan struct{}), done: make(chan struct{})}
	for i := range n {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			f.Stop()
			t.Fatalf("flood connection %d: %v", i, err)
		}
		head := "POST " + paths[i%len(paths)] + " HTTP/1.1\r\nHost: groupd\r\noperationID: flood-" + strconv.Itoa(i) +
			"\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
		if _, err := io.WriteString(c, head); err != nil {
			c.Close()
			f.Stop()
			t.Fatalf("flood connection %d: %v", i, err)
		}
		f.conns = append(f.conns, c)
	}
	go func() {
		defer close(f.done)
		tk := time.NewTicker(tick)
		defer tk.Stop()
		for {
			select {
			case <-f.stop:
				return
			case <-tk.C:
			}
			f.mu.Lock()
			for _, c := range f.conns {
				c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
				c.Write([]byte{' '}) // a closed connection just fails
			}
			f.mu.Unlock()
		}
	}()
	t.Cleanup(f.Stop)
	return f
}

func (f *slowFlood) Stop() {
	select {
	case <-f.stop:
		return
	default:
		close(f.stop)
	}
	if f.done != nil {
		select {
		case <-f.done:
		case <-time.After(5 * time.Second):
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		c.Close()
	}
}

// cutOff counts the flood connections the server has answered or closed.
func (f *slowFlood) cutOff() (answered int, statuses map[string]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	statuses = map[string]int{}
	for _, c := range f.conns {
		c.SetReadDeadline(time.Now().Add(time.Millisecond))
		line, err := bufio.NewReader(c).ReadString('\n')
		if line != "" {
			answered++
			statuses[strings.TrimSpace(line)]++
		} else if err != nil && !isTimeout(err) {
			answered++
			statuses["closed"]++
		}
	}
	return answered, statuses
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// metricValue sums the samples of name (with every label set) on /metrics;
// ok is false when /metrics did not answer 200.
func metricValue(t *testing.T, base, name string) (sum float64, ok bool) {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return 0, false
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if rest != "" && rest[0] != ' ' && rest[0] != '{' {
			continue
		}
		if v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64); err == nil {
			sum += v
		}
	}
	return sum, true
}

// normalClient is a well-behaved client: an app server with an admin
// token, a user, and a ZIM caller. Each probe sends one request of each
// kind and counts those answered with success.
type normalClient struct {
	t                 *testing.T
	addr, admin, user string
	hc                *http.Client
	ok, total         int
	failures          map[string]int
}

func (c *normalClient) probe() {
	type req struct {
		name string
		do   func() (int, []byte, error)
	}
	openim := func(path, token string, body any) func() (int, []byte, error) {
		return func() (int, []byte, error) {
			b, _ := json.Marshal(body)
			r, _ := http.NewRequest(http.MethodPost, "http://"+c.addr+path, bytes.NewReader(b))
			r.Header.Set("operationID", "normal")
			r.Header.Set("token", token)
			return c.do(r)
		}
	}
	for _, q := range []req{
		{"openim admin", openim("/group/get_groups_info", c.admin, map[string]any{"groupIDs": []string{"fg"}})},
		{"openim user", openim("/group/get_joined_group_list", c.user, map[string]any{"fromUserID": "fu1",
			"pagination": map[string]any{"pageNumber": 1, "showNumber": 10}})},
		{"zim", func() (int, []byte, error) {
			r, _ := http.NewRequest(http.MethodPost, zimURL(c.addr, "QueryGroupInfo", nil), strings.NewReader(`{"FromUserId":"fu1","GroupId":"fg"}`))
			return c.do(r)
		}},
	} {
		c.total++
		status, body, err := q.do()
		var env struct {
			ErrCode *int `json:"errCode"`
			Code    *int `json:"Code"`
		}
		switch {
		case err != nil:
			c.failures[q.name+": "+err.Error()]++
		case status != 200 || json.Unmarshal(body, &env) != nil:
			c.failures[fmt.Sprintf("%s: HTTP %d %.80s", q.name, status, body)]++
		case env.ErrCode != nil && *env.ErrCode == 0, env.Code != nil && *env.Code == 0:
			c.ok++
		default:
			c.failures[fmt.Sprintf("%s: %.80s", q.name, body)]++
		}
	}
}

func (c *normalClient) do(r *http.Request) (int, []byte, error) {
	resp, err := c.hc.Do(r)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// TestSlowBodyFloodDoesNotStarveAuthenticated is the audit's anonymous
// denial of service against the real binary: many connections send a
// Content-Length: 100000 body to the unauthenticated routes a byte at a
// time while a normal client (OpenIM admin, OpenIM user, ZIM) keeps
// working. Every normal request must be answered, and /readyz must stay
// ready: the flood holds no slot.
func TestSlowBodyFloodDoesNotStarveAuthenticated(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary under a connection flood")
	}
	conns, maxInflight := 300, 32
	if n, _ := strconv.Atoi(os.Getenv("GROUPD_FLOOD_CONNS")); n > 0 { // for measurements by hand
		conns = n
	}
	if n, _ := strconv.Atoi(os.Getenv("GROUPD_FLOOD_MAX_INFLIGHT")); n > 0 {
		maxInflight = n
	}
	p := startBinary(t, "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--secret", hardSecret,
		"--zim-app-id", strconv.Itoa(hardZIMAppID), "--zim-server-secret", hardZIMSecret, "--zim-qps", "0", "--zim-group-qps", "0",
		"--max-inflight", strconv.Itoa(maxInflight))
	base := "http://" + p.addr
	admin := adminToken(t, p.addr)
	mustOK(t, call(t, p.addr, "/user/user_register", admin, map[string]any{"users": []map[string]any{{"userID": "fu1"}, {"userID": "fu2"}}}))
	mustOK(t, call(t, p.addr, "/group/create_group", admin, map[string]any{"ownerUserID": "fu1", "memberUserIDs": []string{"fu2"},
		"groupInfo": map[string]any{"groupID": "fg", "groupName": "flood", "groupType": 2}}))
	user := mustOK(t, call(t, p.addr, "/auth/get_user_token", admin, map[string]any{"platformID": 1, "userID": "fu1"}))["token"].(string)

	flood := startSlowFlood(t, p.addr, conns, []string{"/auth/get_admin_token", "/auth/parse_token"}, 100*time.Millisecond)
	defer flood.Stop()
	// Wait until the server has every flood request in hand: each is
	// either in flight (reading its body) or already refused; or until the
	// server refuses even /metrics as busy.
	deadline := time.Now().Add(30 * time.Second)
	for {
		inflight, ok1 := metricValue(t, base, "groupd_requests_in_flight")
		refused, ok2 := metricValue(t, base, "groupd_rate_limited_total")
		if !ok1 || !ok2 {
			t.Logf("flood in place: /metrics refused")
			break
		}
		if inflight+refused >= float64(conns) {
			t.Logf("flood in place: %v in flight, %v refused", inflight, refused)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("flood not in place after 30s: %v in flight, %v refused", inflight, refused)
		}
		time.Sleep(50 * time.Millisecond)
	}

	c := &normalClient{t: t, addr: p.addr, admin: admin, user: user, failures: map[string]int{},
		hc: &http.Client{Timeout: 5 * time.Second, Transport: apitest.Transport(t, &http.Transport{MaxIdleConnsPerHost: 4})}}
	defer c.hc.CloseIdleConnections()
	notReady := 0
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); {
		c.probe()
		if code, _, _ := get(t, base+"/readyz"); code != 200 {
			notReady++
		}
	}
	share := float64(c.ok) / float64(c.total)
	t.Logf("slow-body flood of %d connections, --max-inflight %d: %d of %d normal requests answered (%.1f%%); /readyz not ready %d times",
		conns, maxInflight, c.ok, c.total, 100*share, notReady)
	if c.ok != c.total {
		t.Errorf("normal requests failed during the flood: %v", c.failures)
	}
	if notReady > 0 {
		t.Errorf("/readyz answered not ready %d times although the flood holds no slot", notReady)
	}
}
