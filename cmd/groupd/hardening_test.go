package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/zim"
)

const (
	hardZIMAppID  = 4242
	hardZIMSecret = "zim-server-secret-0123456789abcdef"
	hardSecret    = "admin-secret-for-hardening-tests-42"
)

// gatedStore holds every Write until release is closed, and reports each
// Write that reached it on entered. With inside, the Write is held inside
// its transaction (which holds up the one SQLite writer); else before it.
type gatedStore struct {
	domain.Store
	inside  bool
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

// newGatedStore returns a gate that t's cleanup opens, so that a failing
// test does not leave the server waiting for it.
func newGatedStore(t *testing.T, s domain.Store, inside bool) *gatedStore {
	g := &gatedStore{Store: s, inside: inside, entered: make(chan struct{}, 64), release: make(chan struct{})}
	t.Cleanup(g.open)
	return g
}

func (g *gatedStore) open() { g.once.Do(func() { close(g.release) }) }

func (g *gatedStore) wait() {
	g.entered <- struct{}{}
	<-g.release
}

func (g *gatedStore) Write(ctx context.Context, fn func(domain.Tx) error) error {
	if !g.inside {
		g.wait()
		return g.Store.Write(ctx, fn)
	}
	var once sync.Once
	return g.Store.Write(ctx, func(tx domain.Tx) error {
		once.Do(g.wait)
		return fn(tx)
	})
}

// hardConfig is a test config with a known secret and the ZIM API on.
func hardConfig(t *testing.T, dir string, extra ...string) Config {
	t.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--data", dir, "--secret", hardSecret,
		"--zim-app-id", strconv.Itoa(hardZIMAppID), "--zim-server-secret", hardZIMSecret, "--zim-qps", "0", "--zim-group-qps", "0"}, extra...)
	cfg, err := parseConfig(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startWith opens a Main whose store is wrapped by wrap (nil: none).
func startWith(t *testing.T, cfg Config, logs io.Writer, wrap func(domain.Store) domain.Store) *Main {
	t.Helper()
	m := NewMain(cfg, logs)
	m.wrapStore = wrap
	if err := m.Open(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// rawPost posts body to an OpenIM path and returns status, headers and body.
func rawPost(t *testing.T, addr, path, token string, body any) (int, http.Header, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+path, bytes.NewReader(b))
	req.Header.Set("operationID", "hard-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if token != "" {
		req.Header.Set("token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw
}

func adminToken(t *testing.T, addr string) string {
	t.Helper()
	return mustOK(t, call(t, addr, "/auth/get_admin_token", "", map[string]any{"secret": hardSecret, "userID": "imAdmin"}))["token"].(string)
}

// zimURL is a signed ZIM request URL for action.
func zimURL(addr, action string, extra url.Values) string {
	nonce := make([]byte, 8)
	rand.Read(nonce)
	n := hex.EncodeToString(nonce)
	ts := time.Now().Unix()
	q := url.Values{"Action": {action}, "AppId": {strconv.Itoa(hardZIMAppID)}, "SignatureNonce": {n},
		"Timestamp": {strconv.FormatInt(ts, 10)}, "SignatureVersion": {"2.0"}, "Signature": {zim.Sign(hardZIMAppID, n, hardZIMSecret, ts)}}
	for k, v := range extra {
		q[k] = v
	}
	return "http://" + addr + "/?" + q.Encode()
}

func TestBusyAnswerPerDialect(t *testing.T) {
	dir := t.TempDir()
	var gate *gatedStore
	var logs syncBuffer
	m := startWith(t, hardConfig(t, dir, "--max-inflight", "2"), &logs, func(s domain.Store) domain.Store {
		gate = newGatedStore(t, s, false)
		return gate
	})
	addr := m.Addr()
	admin := adminToken(t, addr)

	// Two writes hold both slots.
	results := make(chan envelope, 2)
	for i := range 2 {
		go func() {
			results <- call(t, addr, "/user/user_register", admin, map[string]any{"users": []map[string]any{{"userID": "busy" + strconv.Itoa(i)}}})
		}()
	}
	for range 2 {
		select {
		case <-gate.entered:
		case <-time.After(10 * time.Second):
			t.Fatal("writes did not start")
		}
	}

	status, hdr, body := rawPost(t, addr, "/group/get_groups_info", admin, map[string]any{"groupIDs": []string{"x"}})
	if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") != "1" {
		t.Fatalf("OpenIM over the cap: HTTP %d, Retry-After %q: %s", status, hdr.Get("Retry-After"), body)
	}
	var oe struct {
		ErrCode int    `json:"errCode"`
		ErrMsg  string `json:"errMsg"`
		ErrDlt  string `json:"errDlt"`
	}
	if err := json.Unmarshal(body, &oe); err != nil || oe.ErrCode != 500 || oe.ErrMsg != "ServerInternalError" || !strings.Contains(oe.ErrDlt, "server busy") {
		t.Fatalf("OpenIM busy body: %s (%v)", body, err)
	}

	resp, err := http.Post(zimURL(addr, "QueryGroupInfo", nil), "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	var ze struct {
		Code      int    `json:"Code"`
		Message   string `json:"Message"`
		RequestID string `json:"RequestId"`
	}
	if resp.StatusCode != http.StatusServiceUnavailable || json.Unmarshal(body, &ze) != nil || ze.Code != 7 || ze.RequestID == "" ||
		!strings.Contains(ze.Message, "overload") {
		t.Fatalf("ZIM over the cap: HTTP %d: %s", resp.StatusCode, body)
	}

	// The probes are never refused; /readyz tells a load balancer the node
	// is saturated.
	if code, _, body := get(t, "http://"+addr+"/healthz"); code != 200 {
		t.Fatalf("/healthz under load: HTTP %d %s", code, body)
	}
	if code, _, body := get(t, "http://"+addr+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "saturated") {
		t.Fatalf("/readyz with every slot taken: HTTP %d %s, want 503 saturated", code, body)
	}

	gate.open()
	for range 2 {
		if env := <-results; env.ErrCode != 0 {
			t.Fatalf("held write: errCode %d %s", env.ErrCode, env.ErrDlt)
		}
	}
	// Slots are free again, and the node ready again a second after the
	// last refusal.
	mustOK(t, call(t, addr, "/user/get_users_info", admin, map[string]any{"userIDs": []string{"busy0", "busy1"}}))
	deadline := time.Now().Add(10 * time.Second)
	for code, _, body := get(t, "http://"+addr+"/readyz"); code != 200; code, _, body = get(t, "http://"+addr+"/readyz") {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz after the load: HTTP %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "server busy") {
		t.Fatalf("refusal not logged:\n%s", logs.String())
	}
}

func TestGracefulShutdownFinishesInflightWrite(t *testing.T) {
	dir := t.TempDir()
	cfg := hardConfig(t, dir)
	var gate *gatedStore
	var once sync.Once
	m := startWith(t, cfg, io.Discard, func(s domain.Store) domain.Store {
		once.Do(func() { gate = newGatedStore(t, s, true) })
		return gate
	})
	addr := m.Addr()
	admin := adminToken(t, addr)

	got := make(chan envelope, 1)
	go func() {
		got <- call(t, addr, "/user/user_register", admin, map[string]any{"users": []map[string]any{{"userID": "slow", "nickname": "in flight"}}})
	}()
	select {
	case <-gate.entered: // the write's transaction is open
	case <-time.After(10 * time.Second):
		t.Fatal("write did not start")
	}

	closed := make(chan error, 1)
	go func() { closed <- m.Close() }() // what SIGTERM does
	// New connections are refused once shutdown has begun.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			break
		}
		c.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("server still accepts connections during shutdown")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a write was in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	gate.open()
	if env := <-got; env.ErrCode != 0 {
		t.Fatalf("in-flight write during shutdown: errCode %d %s", env.ErrCode, env.ErrDlt)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}

	m2 := start(t, cfg, io.Discard)
	d := mustOK(t, call(t, m2.Addr(), "/user/get_users_info", adminToken(t, m2.Addr()), map[string]any{"userIDs": []string{"slow"}}))
	users, _ := d["usersInfo"].([]any)
	if len(users) != 1 || users[0].(map[string]any)["nickname"] != "in flight" {
		t.Fatalf("acknowledged write lost across shutdown: %v", d)
	}
}

func TestReadyzReportsClosedStore(t *testing.T) {
	m := startWith(t, hardConfig(t, t.TempDir()), io.Discard, nil)
	get := func(p string) int {
		resp, err := http.Get("http://" + m.Addr() + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get("/readyz"); s != 200 {
		t.Fatalf("readyz: %d", s)
	}
	if err := m.store.Close(); err != nil {
		t.Fatal(err)
	}
	if s := get("/readyz"); s != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the store closed: %d, want 503", s)
	}
	if s := get("/healthz"); s != 200 {
		t.Fatalf("healthz with the store closed: %d, want 200 (the process lives)", s)
	}
}

func TestSecondServerOnSameDataDirIsRefused(t *testing.T) {
	dir := t.TempDir()
	startWith(t, hardConfig(t, dir), io.Discard, nil)
	m2 := NewMain(hardConfig(t, dir), io.Discard)
	err := m2.Open(context.Background())
	m2.Close()
	if !errors.Is(err, errLocked) {
		t.Fatalf("second server on the same data directory: %v", err)
	}
}

func TestServerTimeouts(t *testing.T) {
	m := startWith(t, hardConfig(t, t.TempDir()), io.Discard, nil)
	s := m.server
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 {
		t.Fatalf("server limits: %+v", s)
	}
	if s.ReadHeaderTimeout > 30*time.Second || s.WriteTimeout < s.ReadTimeout {
		t.Fatalf("header timeout %v, read %v, write %v", s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout)
	}
	// Oversized headers are refused before any handler runs.
	req, _ := http.NewRequest(http.MethodPost, "http://"+m.Addr()+"/group/get_groups_info", strings.NewReader("{}"))
	req.Header.Set("token", strings.Repeat("x", 128<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("128 KiB header: HTTP %d", resp.StatusCode)
	}
	// Oversized bodies answer ArgsError, in both dialects.
	big := `{"groupIDs":["` + strings.Repeat("a", 2<<20) + `"]}`
	env := call(t, m.Addr(), "/group/get_groups_info", adminToken(t, m.Addr()), json.RawMessage(big))
	if env.ErrCode != 1001 || !strings.Contains(env.ErrDlt, "larger than") {
		t.Fatalf("2 MiB OpenIM body: %d %s", env.ErrCode, env.ErrDlt)
	}
	resp, err = http.Post(zimURL(m.Addr(), "QueryGroupInfo", nil), "application/json", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"Code":660000002`) {
		t.Fatalf("2 MiB ZIM body: %s", b)
	}
}

func TestOpenIMUserRateLimit(t *testing.T) {
	m := startWith(t, hardConfig(t, t.TempDir(), "--openim-user-qps", "1"), io.Discard, nil)
	addr := m.Addr()
	admin := adminToken(t, addr)
	mustOK(t, call(t, addr, "/user/user_register", admin, map[string]any{"users": []map[string]any{{"userID": "alice"}, {"userID": "bob"}}}))
	alice := mustOK(t, call(t, addr, "/auth/get_user_token", admin, map[string]any{"platformID": 1, "userID": "alice"}))["token"].(string)
	bob := mustOK(t, call(t, addr, "/auth/get_user_token", admin, map[string]any{"platformID": 1, "userID": "bob"}))["token"].(string)

	body := map[string]any{"fromUserID": "alice", "pagination": map[string]any{"pageNumber": 1, "showNumber": 10}}
	limited := 0
	for range 5 {
		status, hdr, raw := rawPost(t, addr, "/group/get_joined_group_list", alice, body)
		switch status {
		case 200:
		case http.StatusTooManyRequests:
			limited++
			var e envelope
			if json.Unmarshal(raw, &e) != nil || e.ErrCode != 500 || !strings.Contains(e.ErrDlt, "rate limited") || hdr.Get("Retry-After") == "" {
				t.Fatalf("429 body: %s", raw)
			}
		default:
			t.Fatalf("HTTP %d: %s", status, raw)
		}
	}
	if limited < 3 {
		t.Fatalf("5 quick requests at 1/s: %d limited", limited)
	}
	// Another user has a bucket of their own; app admins are not limited.
	if status, _, raw := rawPost(t, addr, "/group/get_joined_group_list", bob, map[string]any{"fromUserID": "bob", "pagination": map[string]any{"pageNumber": 1, "showNumber": 10}}); status != 200 {
		t.Fatalf("bob: HTTP %d %s", status, raw)
	}
	for range 10 {
		if status, _, raw := rawPost(t, addr, "/group/get_joined_group_list", admin, body); status != 200 {
			t.Fatalf("admin: HTTP %d %s", status, raw)
		}
	}
	if _, err := parseConfig([]string{"--openim-user-qps", "-1"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("negative --openim-user-qps accepted")
	}
	if _, err := parseConfig([]string{"--max-inflight", "x"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("--max-inflight x accepted")
	}
}

// Nothing secret reaches the log, at debug level, whatever the requests:
// not the admin secret, not the ZIM ServerSecret, not tokens, not signatures.
func TestSecretsAndTokensNeverLogged(t *testing.T) {
	dir := t.TempDir()
	var logs syncBuffer
	m := startWith(t, hardConfig(t, dir, "--log-level", "debug", "--log-format", "json"), &logs, nil)
	addr := m.Addr()
	admin := adminToken(t, addr)
	mustOK(t, call(t, addr, "/user/user_register", admin, map[string]any{"users": []map[string]any{{"userID": "alice"}}}))
	alice := mustOK(t, call(t, addr, "/auth/get_user_token", admin, map[string]any{"platformID": 1, "userID": "alice"}))["token"].(string)
	secrets := []string{hardSecret, hardZIMSecret, admin, alice}

	// Successes and failures of every kind.
	call(t, addr, "/auth/get_admin_token", "", map[string]any{"secret": hardSecret + "x", "userID": "imAdmin"})
	call(t, addr, "/auth/parse_token", "", map[string]any{"token": alice})
	call(t, addr, "/auth/parse_token", alice+"x", nil)
	call(t, addr, "/group/create_group", alice, map[string]any{"ownerUserID": "alice", "groupInfo": map[string]any{"groupID": "g1", "groupType": 2}})
	call(t, addr, "/auth/force_logout", admin, map[string]any{"platformID": 1, "userID": "alice"})
	call(t, addr, "/group/get_groups_info", alice, map[string]any{"groupIDs": []string{"g1"}})
	call(t, addr, "/group/get_groups_info", "", map[string]any{"groupIDs": []string{"g1"}})
	for _, u := range []string{
		zimURL(addr, "QueryGroupInfo", nil),
		zimURL(addr, "QueryGroupInfo", url.Values{"AppId": {"1"}}),
		zimURL(addr, "QueryGroupInfo", url.Values{"Signature": {strings.Repeat("0", 32)}}),
	} {
		resp, err := http.Post(u, "application/json", strings.NewReader(`{"FromUserId":"alice","GroupId":"g1"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		secrets = append(secrets, mustQuery(t, u).Get("Signature"))
	}
	m.Close()
	out := logs.String()
	if !strings.Contains(out, "request") {
		t.Fatalf("no request log at all:\n%s", out)
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("log holds a secret, token or signature %.12s…:\n%s", s, out)
		}
	}
	// Nor does the data directory, outside the secret file (not written
	// when --secret is given).
	if _, err := os.Stat(filepath.Join(dir, "secret")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("secret file written although --secret was given: %v", err)
	}
}

func mustQuery(t *testing.T, u string) url.Values {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Query()
}

// The generated secret file is 0600 in a 0700 directory, whatever the umask.
func TestGeneratedSecretFileMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cfg := testConfig(t, dir)
	var out syncBuffer
	m := start(t, cfg, &out)
	m.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "secret"): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), want)
		}
	}
	// A secret file others can read is used, with a warning naming the
	// file but not the secret.
	b, _ := os.ReadFile(filepath.Join(dir, "secret"))
	os.Chmod(filepath.Join(dir, "secret"), 0o644)
	var out2 syncBuffer
	m2 := start(t, cfg, &out2)
	m2.Close()
	if !strings.Contains(out2.String(), "readable by others") || strings.Contains(out2.String(), strings.TrimSpace(string(b))) {
		t.Fatalf("log at start with a 0644 secret file:\n%s", out2.String())
	}
}
