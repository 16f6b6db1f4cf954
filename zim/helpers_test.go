package zim_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/groupd/groupd/api/apitest"
	zimclient "github.com/groupd/groupd/client/zim"
	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/teststore"
	"github.com/groupd/groupd/zim"
)

const (
	testAppID  = 12345
	testSecret = "9193cc662a4c0ec135ec71fb57194b38"
)

// clock is a fake clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a ZIM handler over a real store (SQLite or PostgreSQL), behind a real HTTP server
// mounted as cmd/groupd mounts it.
type env struct {
	t     *testing.T
	clock *clock
	db    domain.Store
	svc   *domain.Service
	srv   *httptest.Server
	logs  *bytes.Buffer
}

type envOption func(*zim.Config, *domain.Options)

// noLimits turns both rate limits off.
func noLimits(c *zim.Config, _ *domain.Options) { c.QPS, c.GroupQPS = 0, 0 }

// withDomain edits the domain options.
func withDomain(f func(*domain.Options)) envOption {
	return func(_ *zim.Config, o *domain.Options) { f(o) }
}

// openDB opens a fresh store of the backend the tests run on (see main_test.go).
func openDB(t *testing.T) domain.Store {
	t.Helper()
	return teststore.Open(t, backend)
}

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, clock: newClock(), logs: &bytes.Buffer{}}
	e.db = openDB(t)
	cfg := zim.Config{AppID: testAppID, ServerSecret: testSecret, QPS: zim.DefaultQPS, GroupQPS: zim.DefaultGroupQPS, Now: e.clock.Now}
	dopts := domain.Options{Now: e.clock.Now}
	for _, o := range opts {
		o(&cfg, &dopts)
	}
	e.svc = domain.NewService(e.db, dopts)
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: e.logs}, nil))
	mux := http.NewServeMux()
	mux.Handle("/{$}", zim.NewHandler(e.svc, cfg, logger))
	e.srv = httptest.NewServer(apitest.Wrap(t, mux))
	t.Cleanup(e.srv.Close)
	return e
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func newNonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// signed returns the common parameters of a request signed now, as a ZIM
// client makes them: by the client package's signer (client/zim), not the
// server's own Sign, so that a wrong server signature cannot agree with
// itself. TestReferenceSampleRequest checks the signer against the
// reference's sample.
func (e *env) signed(action string) url.Values {
	s := zimclient.Signer{AppID: testAppID, ServerSecret: testSecret, Now: e.clock.Now, Nonce: newNonce}
	return s.Query(action, nil)
}

// result is a decoded response.
type result struct {
	t      *testing.T
	status int
	body   []byte
	m      map[string]any
}

func (r *result) Code() int {
	n, _ := r.m["Code"].(json.Number).Int64()
	return int(n)
}

func (r *result) Message() string { s, _ := r.m["Message"].(string); return s }

// into decodes the body into v.
func (r *result) into(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		r.t.Fatalf("decode %s: %v", r.body, err)
	}
}

// wantCode fails the test unless the response has code.
func (r *result) wantCode(code int) *result {
	r.t.Helper()
	if got := r.Code(); got != code {
		r.t.Fatalf("Code = %d, want %d; body %s", got, code, r.body)
	}
	return r
}

func (r *result) ok() *result {
	r.t.Helper()
	r.wantCode(0)
	if r.Message() != "success" {
		r.t.Fatalf("Message = %q, want success", r.Message())
	}
	return r
}

// send sends a request with the given query and body to the server.
func (e *env) send(method, rawQuery string, body []byte) *result {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+"/?"+rawQuery, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := &result{t: e.t, status: resp.StatusCode, body: b}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&r.m); err != nil {
		e.t.Fatalf("response is not JSON: %q", b)
	}
	if r.status != http.StatusOK {
		e.t.Fatalf("HTTP status %d, want 200", r.status)
	}
	for _, k := range []string{"Code", "Message", "RequestId"} {
		if _, ok := r.m[k]; !ok {
			e.t.Fatalf("response lacks %s: %s", k, b)
		}
	}
	if id, _ := r.m["RequestId"].(string); id == "" {
		e.t.Fatalf("empty RequestId: %s", b)
	}
	return r
}

// get calls a GET Action with params in the query.
func (e *env) get(action string, params url.Values) *result {
	e.t.Helper()
	q := e.signed(action)
	for k, v := range params {
		q[k] = v
	}
	return e.send(http.MethodGet, q.Encode(), nil)
}

// post calls a POST Action with body as JSON (a string or []byte is sent as is).
func (e *env) post(action string, body any) *result {
	e.t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	return e.send(http.MethodPost, e.signed(action).Encode(), b)
}

type obj = map[string]any

// register registers users named by their IDs (UserName "name-<id>").
func (e *env) register(ids ...string) {
	e.t.Helper()
	infos := make([]obj, len(ids))
	for i, id := range ids {
		infos[i] = obj{"UserId": id, "UserName": "name-" + id, "UserAvatar": "https://a/" + id}
	}
	e.post("UserRegister", obj{"UserInfo": infos}).ok()
}

// group creates group id owned by owner with members.
func (e *env) group(id, owner string, members ...string) {
	e.t.Helper()
	if members == nil {
		members = []string{}
	}
	r := e.post("CreateGroup", obj{"GroupId": id, "GroupName": "name-" + id, "GroupOwner": owner, "UserId": members}).ok()
	if n := len(r.m["ErrorUsers"].([]any)); n != 0 {
		e.t.Fatalf("CreateGroup %s: ErrorUsers %s", id, r.body)
	}
}

type groupInfo struct {
	Code             int
	GroupName        string
	GroupNotice      string
	GroupDataSeq     int64
	GroupAvatar      string
	IsAllForbid      bool
	ForbidList       []int
	LimitInfo        struct{ MemberCountLimit, JoinMode, InviteMode, BeInvitedMode, NumberMessage int64 }
	ForbidExpireTime int64
	GroupCreateTime  int64
	GroupId          string
	GroupAttributes  []struct{ Key, Value string }
}

func (e *env) info(groupID string) groupInfo {
	e.t.Helper()
	var gi groupInfo
	e.post("QueryGroupInfo", obj{"FromUserId": "admin", "GroupId": groupID}).ok().into(&gi)
	return gi
}

type memberList struct {
	TotalCount int64
	Next       int64
	MemberList []struct {
		UserId, UserName, UserNickName string
		Role                           int
	}
}

func (e *env) members(groupID string) memberList {
	e.t.Helper()
	var ml memberList
	e.post("QueryGroupMemberList", obj{"GroupId": groupID}).ok().into(&ml)
	return ml
}

// roles maps member IDs to ZIM roles.
func (ml memberList) roles() map[string]int {
	out := map[string]int{}
	for _, m := range ml.MemberList {
		out[m.UserId] = m.Role
	}
	return out
}

// errorUsers returns the UserId → SubCode of a partial response's list.
func (r *result) errorUsers(field string) map[string]int {
	r.t.Helper()
	list, ok := r.m[field].([]any)
	if !ok {
		r.t.Fatalf("%s is not an array: %s", field, r.body)
	}
	out := map[string]int{}
	for _, it := range list {
		m := it.(map[string]any)
		n, _ := m["SubCode"].(json.Number).Int64()
		out[m["UserId"].(string)] = int(n)
	}
	return out
}
