package main

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// A body that does not arrive within --body-timeout is answered 408 in its
// dialect and the connection closed; it never held a slot meanwhile.
func TestSlowBodyCutOff(t *testing.T) {
	m := startWith(t, hardConfig(t, t.TempDir(), "--body-timeout", "300ms", "--max-inflight", "1"), io.Discard, nil)
	cases := []struct {
		name, target string
		code         string // in the body
	}{
		{"OpenIM", "/auth/get_admin_token", `"errCode":1001`},
		{"ZIM", "/?Action=QueryGroupInfo", `"Code":660000002`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", m.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			io.WriteString(conn, "POST "+c.target+" HTTP/1.1\r\nHost: x\r\noperationID: slow\r\nContent-Length: 100\r\n\r\n{")
			// Meanwhile the one slot is free for others.
			mustOK(t, call(t, m.Addr(), "/auth/get_admin_token", "", map[string]any{"secret": hardSecret, "userID": "imAdmin"}))
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusRequestTimeout || !resp.Close || !strings.Contains(string(body), c.code) ||
				!strings.Contains(string(body), "not received within 300ms") {
				t.Fatalf("HTTP %d (close %v): %s", resp.StatusCode, resp.Close, body)
			}
			if n, err := conn.Read(make([]byte, 1)); err == nil {
				t.Fatalf("connection still open after the 408 (read %d bytes)", n)
			}
		})
	}
}

// The unauthenticated routes have a budget of their own, of which one
// client address holds a share: when it is spent, they are refused while
// authenticated routes are still served; and bodies in memory have a cap.
func TestAdmissionBudgets(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	defer open()
	entered := make(chan string, 64)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		if r.Header.Get("hold") != "" {
			entered <- r.URL.Path
			<-release
		}
		io.WriteString(w, `{"errCode":0}`)
	})
	const maxInflight = 64
	total, per := anonymousSlots(maxInflight)
	a := newAdmission(next, maxInflight, time.Second, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(a)
	defer srv.Close()
	defer open()
	do := func(from, path string, hold bool) (int, []byte, http.Header, error) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(`{}`))
		if hold {
			req.Header.Set("hold", "1")
		}
		resp, err := clientFrom(from).Do(req)
		if err != nil {
			return 0, nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, resp.Header, err
	}
	post := func(from, path string, hold bool) int {
		t.Helper()
		status, b, h, err := do(from, path, hold)
		if err != nil {
			t.Fatal(err)
		}
		if status == http.StatusServiceUnavailable {
			var e envelope
			if json.Unmarshal(b, &e) != nil || e.ErrCode != 500 || h.Get("Retry-After") != "1" {
				t.Fatalf("busy answer: %s", b)
			}
		}
		return status
	}
	held := 0
	hold := func(from, path string) {
		t.Helper()
		go do(from, path, true)
		select {
		case <-entered:
			held++
		case <-time.After(10 * time.Second):
			t.Fatalf("held request to %s from %s did not start", path, from)
		}
	}
	// One address holds its share; more from it are refused, another
	// address is served.
	for range per {
		hold("127.0.0.2", "/auth/get_admin_token")
	}
	if s := post("127.0.0.2", "/auth/parse_token", false); s != http.StatusServiceUnavailable {
		t.Fatalf("over one address's share: HTTP %d", s)
	}
	if s := post("127.0.0.3", "/auth/parse_token", false); s != 200 {
		t.Fatalf("another address: HTTP %d", s)
	}
	// Fill the whole unauthenticated budget from many addresses.
	for i := 0; held < total; i++ {
		hold("127.0.1."+string(rune('1'+i/per)), "/auth/get_admin_token")
	}
	if s := post("127.0.2.1", "/auth/get_admin_token", false); s != http.StatusServiceUnavailable {
		t.Fatalf("over the unauthenticated budget: HTTP %d", s)
	}
	// Authenticated routes and the probes are untouched, and the node is
	// not "saturated" for it.
	if s := post("127.0.2.1", "/group/get_groups_info", false); s != 200 {
		t.Fatalf("authenticated route while the unauthenticated budget is spent: HTTP %d", s)
	}
	if why, busy := a.saturated(); busy {
		t.Fatalf("saturated by unauthenticated requests: %s", why)
	}
	open()
	for deadline := time.Now().Add(10 * time.Second); post("127.0.0.2", "/auth/get_admin_token", false) != 200; {
		if time.Now().After(deadline) {
			t.Fatal("the unauthenticated budget did not come back")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Bodies in memory: over the cap a request is refused as busy.
	a.buffered.Add(maxBufferedBodyBytes)
	if s := post("127.0.0.4", "/group/get_groups_info", false); s != http.StatusServiceUnavailable {
		t.Fatalf("over the body memory cap: HTTP %d", s)
	}
	a.buffered.Add(-maxBufferedBodyBytes)
	if s := post("127.0.0.4", "/group/get_groups_info", false); s != 200 {
		t.Fatalf("under the body memory cap again: HTTP %d", s)
	}
}
