package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/groupd/groupd/zim"
)

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// request is one HTTP request of an endpoint.
type request struct {
	method string
	path   string // with the query for ZIM
	body   []byte
	header http.Header
}

// endpoint is one measured call: a generator of requests (each may differ,
// e.g. a random group) and a check of one answer's body.
type endpoint struct {
	name  string
	read  bool // reads get a ceiling; writes do not
	next  func() request
	okPfx string // an answer's body must start with this
}

var opSeq atomic.Int64

func openimRequest(path, token string, body any) request {
	b, _ := json.Marshal(body)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("operationID", "bench-"+strconv.FormatInt(opSeq.Add(1), 10))
	h.Set("token", token)
	return request{method: http.MethodPost, path: path, body: b, header: h}
}

func zimRequest(action string, body any) request {
	b, _ := json.Marshal(body)
	nonce := strconv.FormatUint(rand.Uint64(), 16)
	ts := time.Now().Unix()
	q := "Action=" + action + "&AppId=" + strconv.Itoa(benchZIMAppID) + "&SignatureNonce=" + nonce +
		"&Timestamp=" + strconv.FormatInt(ts, 10) + "&SignatureVersion=2.0&Signature=" +
		zim.Sign(benchZIMAppID, nonce, benchZIMSecret, ts)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return request{method: http.MethodPost, path: "/?" + q, body: b, header: h}
}

// call sends one request with a plain client and returns the decoded body.
func call(base string, req request) (map[string]any, error) {
	r, err := http.NewRequest(req.method, base+req.path, bytes.NewReader(req.body))
	if err != nil {
		return nil, err
	}
	r.Header = req.header.Clone()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("%s: HTTP %d: %w", req.path, resp.StatusCode, err)
	}
	return out, nil
}

// openimToken gets a token through the OpenIM API.
func openimTokens(base string, users []string) (admin string, user map[string]string, err error) {
	out, err := call(base, openimRequest("/auth/get_admin_token", "", map[string]any{"secret": benchSecret, "userID": benchAdmin}))
	if err != nil {
		return "", nil, err
	}
	admin, _ = dig(out, "data", "token").(string)
	if admin == "" {
		return "", nil, fmt.Errorf("get_admin_token: %v", out)
	}
	user = map[string]string{}
	for _, u := range users {
		out, err := call(base, openimRequest("/auth/get_user_token", admin, map[string]any{"platformID": 1, "userID": u}))
		if err != nil {
			return "", nil, err
		}
		tok, _ := dig(out, "data", "token").(string)
		if tok == "" {
			return "", nil, fmt.Errorf("get_user_token %s: %v", u, out)
		}
		user[u] = tok
	}
	return admin, user, nil
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// captured is one answer exactly as the server sent it.
type captured struct {
	status int
	header http.Header
	body   []byte // as sent (gzip-compressed when the server compressed it)
	plain  []byte // decompressed
}

// capture sends req the way the load client does (a Go client: it asks
// for gzip) and keeps the answer's bytes as they came.
func capture(base string, req request) (*captured, error) {
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	r, err := http.NewRequest(req.method, base+req.path, bytes.NewReader(req.body))
	if err != nil {
		return nil, err
	}
	r.Header = req.header.Clone()
	r.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: tr}).Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	c := &captured{status: resp.StatusCode, header: resp.Header.Clone(), body: body, plain: body}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if c.plain, err = io.ReadAll(zr); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// ceiling is a minimal net/http server that answers every request with the
// bytes of one captured answer: what serving costs with no work at all.
type ceiling struct {
	addr string
	srv  *http.Server
	cur  atomic.Pointer[captured]
}

func startCeiling() (*ceiling, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &ceiling{addr: ln.Addr().String()}
	c.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		a := c.cur.Load()
		h := w.Header()
		for _, k := range []string{"Content-Type", "Content-Encoding", "Content-Length", "Vary", "X-Request-Id", "Retry-After"} {
			if v := a.header.Get(k); v != "" {
				h[k] = []string{v}
			}
		}
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	})}
	go c.srv.Serve(ln)
	return c, nil
}

// result is one attack's numbers.
type result struct {
	requests   uint64
	throughput float64 // successful answers per second
	p50, p99   time.Duration
	errors     uint64
	firstError string
	cpu        time.Duration // server CPU time used during the attack (exec mode)
	written    int64         // bytes the server wrote to storage during the attack (exec mode)
}

// attacker accumulates the results of one or more attacks.
type attacker struct {
	m         vegeta.Metrics
	res       result
	successes float64
	elapsed   time.Duration
}

// run attacks base with ep for du: closed loop with workers when rate is
// 0, else at a constant rate.
func (a *attacker) run(base string, ep endpoint, rate float64, workers int, du time.Duration) {
	opts := []func(*vegeta.Attacker){vegeta.MaxBody(int64(len(ep.okPfx))), vegeta.KeepAlive(true),
		vegeta.Connections(max(workers, 64)), vegeta.Timeout(30 * time.Second)}
	pacer := vegeta.Pacer(vegeta.ConstantPacer{}) // zero: as fast as the workers go
	if rate > 0 {
		pacer = vegeta.ConstantPacer{Freq: int(rate), Per: time.Second}
		opts = append(opts, vegeta.Workers(uint64(workers)))
	} else {
		opts = append(opts, vegeta.Workers(uint64(workers)), vegeta.MaxWorkers(uint64(workers)))
	}
	atk := vegeta.NewAttacker(opts...)
	targeter := func(t *vegeta.Target) error {
		r := ep.next()
		t.Method, t.URL, t.Body, t.Header = r.method, base+r.path, r.body, r.header
		return nil
	}
	begin := time.Now()
	var ok float64
	for r := range atk.Attack(targeter, pacer, du, ep.name) {
		if r.Error == "" && r.Code == http.StatusOK && !bytes.HasPrefix(r.Body, []byte(ep.okPfx)) {
			r.Error = "answer does not start with " + ep.okPfx + ": " + string(r.Body)
		}
		if r.Error != "" && a.res.firstError == "" {
			a.res.firstError = fmt.Sprintf("HTTP %d %s", r.Code, r.Error)
		}
		if r.Error != "" {
			a.res.errors++
			r.Code = 0 // counted as failed by Metrics
		} else {
			ok++
		}
		a.m.Add(r)
	}
	a.successes += ok
	a.elapsed += time.Since(begin) // until the last answer
}

// result returns the totals: throughput over the attacks' summed time.
func (a *attacker) result() result {
	a.m.Close()
	res := a.res
	res.requests = a.m.Requests
	if a.elapsed > 0 {
		res.throughput = a.successes / a.elapsed.Seconds()
	}
	res.p50, res.p99 = a.m.Latencies.P50, a.m.Latencies.P99
	return res
}

// attack is one attack's result.
func attack(base string, ep endpoint, rate float64, workers int, du time.Duration) result {
	var a attacker
	a.run(base, ep, rate, workers, du)
	return a.result()
}

// warm sends a few requests so connections and caches are up.
func warm(base string, ep endpoint, n int) {
	for range n {
		r := ep.next()
		req, _ := http.NewRequestWithContext(context.Background(), r.method, base+r.path, bytes.NewReader(r.body))
		req.Header = r.header
		if resp, err := http.DefaultClient.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}

func shortBody(b []byte) string {
	s := string(b)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return strings.TrimSpace(s)
}
