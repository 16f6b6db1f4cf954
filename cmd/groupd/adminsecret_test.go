package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groupd/groupd/api/apitest"
	"github.com/groupd/groupd/openim"
	"github.com/groupd/groupd/store/postgres"
)

// A secret shorter than 16 bytes is refused at start, however it is given.
func TestShortSecretRefused(t *testing.T) {
	sixteen := "0123456789abcdef"
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		file    string // content of <data>/secret, when set
		wantErr bool
	}{
		{"--secret of one byte", []string{"--secret", "a"}, nil, "", true},
		{"GROUPD_SECRET of 15 bytes", nil, map[string]string{"GROUPD_SECRET": sixteen[:15]}, "", true},
		{"secret file of 8 bytes", nil, nil, "12345678\n", true},
		{"--secret of 16 bytes", []string{"--secret", sixteen}, nil, "", false},
		{"secret file of 16 bytes", nil, nil, sixteen + "\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.file != "" {
				if err := os.WriteFile(filepath.Join(dir, "secret"), []byte(c.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"--addr", "127.0.0.1:0", "--data", dir}, c.args...)
			cfg, err := parseConfig(args, func(k string) string { return c.env[k] }, io.Discard)
			if err == nil {
				m := NewMain(cfg, io.Discard)
				err = m.Open(context.Background())
				m.Close()
			}
			if !c.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "at least 16 bytes") {
				t.Fatalf("err = %v, want one saying the secret must be at least 16 bytes", err)
			}
		})
	}
	// The binary says so and exits 1.
	err, out := runBinary(t, "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--secret", "a")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(out, "at least 16 bytes") {
		t.Fatalf("groupd --secret a: %v\n%s", err, out)
	}
}

// clientFrom is an HTTP client whose connections come from the loopback
// address ip (127.0.0.0/8 all reaches the server on Linux).
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// checkedFrom is clientFrom with its answers checked against
// api/openapi.json.
func checkedFrom(t *testing.T, ip string) *http.Client {
	hc := clientFrom(ip)
	hc.Transport = apitest.Transport(t, hc.Transport)
	return hc
}

type adminAttempt struct {
	status     int
	code       int
	dlt        string
	retryAfter string
	token      string
}

func tryAdminSecret(t *testing.T, hc *http.Client, addr, secret string) adminAttempt {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"secret": secret, "userID": "imAdmin"})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/auth/get_admin_token", bytes.NewReader(b))
	req.Header.Set("operationID", "guess")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		ErrCode int    `json:"errCode"`
		ErrDlt  string `json:"errDlt"`
		Data    struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("HTTP %d: %s", resp.StatusCode, raw)
	}
	return adminAttempt{resp.StatusCode, env.ErrCode, env.ErrDlt, resp.Header.Get("Retry-After"), env.Data.Token}
}

func (a adminAttempt) throttled() bool {
	return a.status == http.StatusTooManyRequests && a.code == 1002 && a.retryAfter != "" && strings.Contains(a.dlt, "too many failed")
}

// Wrong admin secrets are throttled per client address and overall; while
// an address is throttled even the right secret is refused from it (else
// the throttle would tell a right guess apart); other addresses go on.
func TestAdminSecretGuessingThrottled(t *testing.T) {
	m := startWith(t, hardConfig(t, t.TempDir()), io.Discard, nil)
	addr := m.Addr()

	// One address guessing as fast as it can for one second.
	guesser := checkedFrom(t, "127.0.0.2")
	wrong, throttled := 0, 0
	start := time.Now()
	for time.Since(start) < time.Second {
		a := tryAdminSecret(t, guesser, addr, "guess-"+strconv.Itoa(wrong+throttled)+"-0123456789")
		switch {
		case a.status == 200 && a.code == 1002:
			wrong++
		case a.throttled():
			throttled++
		default:
			t.Fatalf("wrong secret: %+v", a)
		}
	}
	t.Logf("one address guessing for 1s: %d guesses checked, %d throttled", wrong, throttled)
	if wrong > openim.AdminSecretFailuresPerAddress+1 || throttled == 0 {
		t.Fatalf("%d wrong guesses checked in 1s from one address (burst %d), %d throttled",
			wrong, openim.AdminSecretFailuresPerAddress, throttled)
	}
	if a := tryAdminSecret(t, guesser, addr, hardSecret); !a.throttled() {
		t.Fatalf("right secret from a throttled address: %+v", a)
	}
	// Another address is not held back by the first one's failures, and a
	// success costs nothing.
	other := checkedFrom(t, "127.0.0.3")
	var kept string
	for range openim.AdminSecretFailuresPerAddress + 5 {
		a := tryAdminSecret(t, other, addr, hardSecret)
		if a.status != 200 || a.code != 0 || a.token == "" {
			t.Fatalf("right secret from another address: %+v", a)
		}
		kept = a.token
	}

	// Overall: guesses spread over many addresses stop at the overall budget.
	checked, overall := wrong, false
	for i := 10; i < 250 && !overall; i++ {
		hc := checkedFrom(t, "127.0.0."+strconv.Itoa(i))
		for range openim.AdminSecretFailuresPerAddress {
			a := tryAdminSecret(t, hc, addr, "spread-guess-0123456789")
			if a.throttled() {
				overall = true
				break
			}
			checked++
		}
	}
	if !overall || checked > openim.AdminSecretFailuresOverall+openim.AdminSecretFailuresPerAddress {
		t.Fatalf("spread guessing: %d checked, throttled overall: %v (overall budget %d)", checked, overall, openim.AdminSecretFailuresOverall)
	}
	if a := tryAdminSecret(t, checkedFrom(t, "127.0.0.251"), addr, hardSecret); !a.throttled() {
		t.Fatalf("right secret while throttled overall: %+v", a)
	}
	// Tokens already issued keep working meanwhile.
	mustOK(t, call(t, addr, "/user/get_users_info", kept, map[string]any{"userIDs": []string{"x"}}))
}

// verifiesWith reports whether the HS256 JWT raw is signed with key.
func verifiesWith(raw string, key []byte) bool {
	i := strings.LastIndexByte(raw, '.')
	if i < 0 {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(raw[i+1:])
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(raw[:i]))
	return hmac.Equal(mac.Sum(nil), sig)
}

// The token signing key comes from the secret and a random salt of the
// installation kept in its database: a token says nothing about the secret
// without the salt, two installations with one secret do not accept each
// other's tokens, and the nodes of one installation accept each other's.
func TestTokenKeyIsSaltedPerInstallation(t *testing.T) {
	legacy := hmac.New(sha256.New, []byte(hardSecret))
	legacy.Write([]byte("groupd-openim-token"))
	secretOnlyKey := legacy.Sum(nil)

	a := startWith(t, hardConfig(t, t.TempDir()), io.Discard, nil)
	tokA := adminToken(t, a.Addr())
	if verifiesWith(tokA, secretOnlyKey) {
		t.Fatal("the token is signed with a key derived from the secret alone: it can be used to guess the secret offline")
	}
	b := startWith(t, hardConfig(t, t.TempDir()), io.Discard, nil)
	if env := call(t, b.Addr(), "/auth/parse_token", tokA, nil); env.ErrCode != 1502 {
		t.Fatalf("another installation with the same secret: errCode %d %s, want 1502", env.ErrCode, env.ErrDlt)
	}

	// Two nodes on one PostgreSQL, started at once (they race to create
	// the salt), and a restart of one.
	dbURL := postgres.CreateTestSchema(t)
	nodes := make([]*Main, 2)
	errs := make(chan error, 2)
	for i := range nodes {
		go func() {
			m := NewMain(hardConfig(t, t.TempDir(), "--db", dbURL), io.Discard)
			nodes[i] = m
			errs <- m.Open(context.Background())
		}()
	}
	for range nodes {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range nodes {
		t.Cleanup(func() { n.Close() })
	}
	tok := adminToken(t, nodes[0].Addr())
	mustOK(t, call(t, nodes[1].Addr(), "/auth/parse_token", tok, nil))
	if err := nodes[1].Close(); err != nil {
		t.Fatal(err)
	}
	again := startWith(t, hardConfig(t, t.TempDir(), "--db", dbURL), io.Discard, nil)
	mustOK(t, call(t, again.Addr(), "/auth/parse_token", tok, nil))
	if verifiesWith(tok, secretOnlyKey) {
		t.Fatal("PostgreSQL token signed with the secret alone")
	}
}
