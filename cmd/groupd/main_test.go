package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupd/groupd/internal/ready"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
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

func testConfig(t *testing.T, dir string) Config {
	t.Helper()
	cfg, err := parseConfig([]string{"--addr", "127.0.0.1:0", "--data", dir}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// start runs a Main until the test ends (or Close).
func start(t *testing.T, cfg Config, stderr io.Writer) *Main {
	t.Helper()
	m := NewMain(cfg, stderr)
	if err := m.Open(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

type envelope struct {
	ErrCode int             `json:"errCode"`
	ErrDlt  string          `json:"errDlt"`
	Data    json.RawMessage `json:"data"`
}

func call(t *testing.T, addr, path, token string, body any) envelope {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+path, bytes.NewReader(b))
	req.Header.Set("operationID", "test")
	if token != "" {
		req.Header.Set("token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	return env
}

func mustOK(t *testing.T, env envelope) map[string]any {
	t.Helper()
	if env.ErrCode != 0 {
		t.Fatalf("errCode %d: %s", env.ErrCode, env.ErrDlt)
	}
	var m map[string]any
	json.Unmarshal(env.Data, &m)
	return m
}

func TestRestartKeepsDataAndSecret(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	var out1 syncBuffer
	m := start(t, cfg, &out1)

	secretPath := filepath.Join(dir, "secret")
	fi, err := os.Stat(secretPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(secretPath)
	secret := strings.TrimSpace(string(b))
	if len(secret) < 32 || !strings.Contains(out1.String(), secret) {
		t.Fatalf("secret %q not printed at first start:\n%s", secret, out1.String())
	}

	admin := mustOK(t, call(t, m.Addr(), "/auth/get_admin_token", "", map[string]any{"secret": secret, "userID": "imAdmin"}))["token"].(string)
	mustOK(t, call(t, m.Addr(), "/user/user_register", admin, map[string]any{"users": []map[string]any{{"userID": "alice"}, {"userID": "bob"}}}))
	mustOK(t, call(t, m.Addr(), "/group/create_group", admin, map[string]any{"ownerUserID": "alice", "memberUserIDs": []string{"bob"},
		"groupInfo": map[string]any{"groupID": "g1", "groupName": "G", "groupType": 2}}))
	bob := mustOK(t, call(t, m.Addr(), "/auth/get_user_token", admin, map[string]any{"platformID": 1, "userID": "bob"}))["token"].(string)
	mustOK(t, call(t, m.Addr(), "/auth/force_logout", admin, map[string]any{"platformID": 1, "userID": "bob"}))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	var out2 syncBuffer
	m2 := start(t, cfg, &out2)
	if strings.Contains(out2.String(), secret) {
		t.Fatalf("secret printed again at restart:\n%s", out2.String())
	}
	if b2, _ := os.ReadFile(secretPath); string(b2) != string(b) {
		t.Fatal("secret changed at restart")
	}
	// The old admin token still works: same secret, same signing key.
	d := mustOK(t, call(t, m2.Addr(), "/group/get_groups_info", admin, map[string]any{"groupIDs": []string{"g1"}}))
	g := d["groupInfos"].([]any)[0].(map[string]any)
	if g["groupName"] != "G" || g["memberCount"] != float64(2) {
		t.Fatalf("group after restart: %v", g)
	}
	// A forced-out token stays out.
	if env := call(t, m2.Addr(), "/auth/parse_token", bob, nil); env.ErrCode != 1506 {
		t.Fatalf("kicked token after restart: errCode %d", env.ErrCode)
	}
}

func TestSecretFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	cfg, err := parseConfig([]string{"--addr", "127.0.0.1:0"}, func(k string) string {
		return map[string]string{"GROUPD_DATA": dir, "GROUPD_SECRET": "s3cret-from-env-0123"}[k]
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	m := start(t, cfg, &out)
	if _, err := os.Stat(filepath.Join(dir, "secret")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("secret file written although a secret was given: %v", err)
	}
	mustOK(t, call(t, m.Addr(), "/auth/get_admin_token", "", map[string]any{"secret": "s3cret-from-env-0123", "userID": "imAdmin"}))
	if strings.Contains(out.String(), "s3cret-from-env-0123") {
		t.Fatal("configured secret was logged")
	}
}

func TestRunServesUntilCancelled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out syncBuffer
	go func() {
		done <- run(ctx, []string{"--addr", addr, "--data", t.TempDir(), "--log-format", "json"}, func(string) string { return "" }, &out)
	}()
	if err := ready.Wait(ctx, "http://"+addr+"/healthz", done, 10*time.Second); err != nil {
		t.Fatalf("server did not come up: %v\n%s", err, out.String())
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "ok" {
			t.Fatalf("%s: %d %q", path, resp.StatusCode, body)
		}
	}
	// Requests are logged as JSON with their operationID, without the token.
	env := call(t, addr, "/group/get_groups_info", "not-a-token", map[string]any{"groupIDs": []string{"x"}})
	if env.ErrCode != 1503 {
		t.Fatalf("errCode %d", env.ErrCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	logs := out.String()
	if !strings.Contains(logs, `"operationID":"test"`) || !strings.Contains(logs, `"errCode":1503`) || strings.Contains(logs, "not-a-token") {
		t.Fatalf("request log:\n%s", logs)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("server still up after run returned")
	}
}

func TestParseConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := parseConfig(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":10002" || cfg.DataDir != "./groupd-data" || cfg.Secret != "" || !slices.Equal(cfg.AdminUserIDs, []string{"imAdmin"}) ||
		cfg.TokenTTL != 90*24*time.Hour || cfg.LogFormat != "text" {
		t.Fatalf("defaults: %+v", cfg)
	}
	cfg, err = parseConfig([]string{"--addr", ":1", "--token-ttl", "36h"}, env(map[string]string{
		"GROUPD_ADDR": ":2", "GROUPD_ADMIN_USER_IDS": " a, b ,,", "GROUPD_TOKEN_TTL": "7d", "GROUPD_SECRET": "s-0123456789abcdef"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":1" || cfg.TokenTTL != 36*time.Hour || !slices.Equal(cfg.AdminUserIDs, []string{"a", "b"}) || cfg.Secret != "s-0123456789abcdef" {
		t.Fatalf("flags over env: %+v", cfg)
	}
	cfg, _ = parseConfig(nil, env(map[string]string{"GROUPD_TOKEN_TTL": "7d"}), io.Discard)
	if cfg.TokenTTL != 7*24*time.Hour {
		t.Fatalf("env ttl: %v", cfg.TokenTTL)
	}
	for _, args := range [][]string{
		{"--token-ttl", "0"}, {"--token-ttl", "-1h"}, {"--token-ttl", "x"}, {"--token-ttl", "1.5d"},
		{"--admin-user-ids", " , "}, {"--data", ""}, {"--log-format", "xml"}, {"--nope"}, {"extra"},
	} {
		if _, err := parseConfig(args, env(nil), io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if _, err := parseConfig([]string{"-h"}, env(nil), io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}
