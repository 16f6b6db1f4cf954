package openim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupd/groupd/api/apitest"
	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/teststore"
)

const testSecret = "test-secret-0123456789"

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(ms int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = time.UnixMilli(ms)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is the real handler stack over a real SQLite file, served by httptest.
type env struct {
	srv    *httptest.Server
	client *http.Client
	clock  *clock
	svc    *domain.Service
	store  domain.Store
	admin  string // an app admin token
	logs   *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, domain.Options{})
}

// newEnvWith is newEnv with service options (its clock is always the env's).
func newEnvWith(t *testing.T, opts domain.Options) *env {
	t.Helper()
	db := teststore.Open(t, backend)
	clk := &clock{}
	clk.Set(1687700000000)
	opts.Now = clk.Now
	opts.ReservedUserIDs = []string{"imAdmin", "opsAdmin"}
	svc := domain.NewService(db, opts)
	if err := svc.EnsureReservedUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	h := NewHandler(svc, Config{Secret: testSecret, AdminUserIDs: []string{"imAdmin", "opsAdmin"}, Now: clk.Now},
		slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, nil)))
	srv := httptest.NewServer(apitest.Wrap(t, h))
	t.Cleanup(srv.Close)
	e := &env{srv: srv, clock: clk, svc: svc, store: db, logs: logs,
		client: &http.Client{Transport: &http.Transport{DisableCompression: true}}}
	e.admin = e.data(t, "/auth/get_admin_token", "", map[string]any{"secret": testSecret, "userID": "imAdmin"})["token"].(string)
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

// reply is a decoded envelope plus the raw body.
type reply struct {
	ErrCode int             `json:"errCode"`
	ErrMsg  string          `json:"errMsg"`
	ErrDlt  string          `json:"errDlt"`
	Data    json.RawMessage `json:"data"`
	raw     []byte
}

// do sends a request with the given headers (operationID is added unless
// headers sets it, even to "").
func (e *env) do(t *testing.T, path string, headers map[string]string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
		rd = strings.NewReader("{}")
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("operationID", fmt.Sprintf("op-%d", time.Now().UnixNano()))
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, raw
}

// post calls path with token (none when "") and decodes the envelope.
func (e *env) post(t *testing.T, path, token string, body any) reply {
	t.Helper()
	h := map[string]string{}
	if token != "" {
		h["token"] = token
	}
	resp, raw := e.do(t, path, h, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d: %s", path, resp.StatusCode, raw)
	}
	var r reply
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s: reply is not JSON: %v: %s", path, err, raw)
	}
	r.raw = raw
	return r
}

// ok calls path and fails unless errCode is 0; it returns the raw reply.
func (e *env) ok(t *testing.T, path, token string, body any) reply {
	t.Helper()
	r := e.post(t, path, token, body)
	if r.ErrCode != 0 || r.ErrMsg != "" || r.ErrDlt != "" {
		t.Fatalf("%s: want success, got %s", path, r.raw)
	}
	return r
}

// data calls path, requires success and returns data as a map.
func (e *env) data(t *testing.T, path, token string, body any) map[string]any {
	t.Helper()
	r := e.ok(t, path, token, body)
	var m map[string]any
	if err := json.Unmarshal(r.Data, &m); err != nil {
		t.Fatalf("%s: data is not an object: %s", path, r.raw)
	}
	return m
}

// fail calls path and requires errCode code; it returns the reply.
func (e *env) fail(t *testing.T, path, token string, body any, code int) reply {
	t.Helper()
	r := e.post(t, path, token, body)
	if r.ErrCode != code {
		t.Fatalf("%s: want errCode %d, got %s", path, code, r.raw)
	}
	if r.ErrMsg != codeNames[code] {
		t.Fatalf("%s: want errMsg %q, got %q", path, codeNames[code], r.ErrMsg)
	}
	if r.Data != nil {
		t.Fatalf("%s: error reply carries data: %s", path, r.raw)
	}
	return r
}

// register registers users (app admin).
func (e *env) register(t *testing.T, ids ...string) {
	t.Helper()
	users := make([]map[string]any, len(ids))
	for i, id := range ids {
		users[i] = map[string]any{"userID": id, "nickname": "nick-" + id, "faceURL": "", "ex": ""}
	}
	e.ok(t, "/user/user_register", e.admin, map[string]any{"users": users})
}

// userToken gets a token for userID on platform 1.
func (e *env) userToken(t *testing.T, userID string) string {
	t.Helper()
	return e.data(t, "/auth/get_user_token", e.admin, map[string]any{"platformID": 1, "userID": userID})["token"].(string)
}

// createGroup creates a group (as token) and returns its groupInfo.
func (e *env) createGroup(t *testing.T, token, groupID, owner string, admins, members []string) map[string]any {
	t.Helper()
	d := e.data(t, "/group/create_group", token, map[string]any{
		"ownerUserID": owner, "adminUserIDs": nonNil(admins), "memberUserIDs": nonNil(members),
		"groupInfo": map[string]any{"groupID": groupID, "groupName": "name-" + groupID, "groupType": 2},
	})
	return d["groupInfo"].(map[string]any)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// jsonEqual compares got (raw JSON) to want (JSON text) as values: names,
// nesting and types.
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v: %s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		gi, _ := json.MarshalIndent(g, "", "  ")
		wi, _ := json.MarshalIndent(w, "", "  ")
		t.Fatalf("JSON differs\n got: %s\nwant: %s", gi, wi)
	}
}

// world is a group g1 with an owner, an admin, two members, and an
// outsider, each with a token.
type world struct {
	*env
	owner, admin, member, member2, outsider string // tokens
}

func newWorld(t *testing.T) *world {
	t.Helper()
	e := newEnv(t)
	e.register(t, "owner", "admin", "member", "member2", "outsider", "fresh")
	e.createGroup(t, e.admin, "g1", "owner", []string{"admin"}, []string{"member", "member2"})
	return &world{env: e, owner: e.userToken(t, "owner"), admin: e.userToken(t, "admin"),
		member: e.userToken(t, "member"), member2: e.userToken(t, "member2"), outsider: e.userToken(t, "outsider")}
}

// tok names the world's tokens for tables.
func (w *world) tok(who string) string {
	switch who {
	case "owner":
		return w.owner
	case "admin":
		return w.admin
	case "member":
		return w.member
	case "member2":
		return w.member2
	case "outsider":
		return w.outsider
	case "appadmin":
		return w.env.admin
	}
	panic("unknown actor " + who)
}

// memberIDs lists g1's member IDs as the store has them.
func (w *world) memberIDs(t *testing.T) []string {
	t.Helper()
	ids, err := w.store.MemberUserIDs(context.Background(), "g1")
	if err != nil {
		t.Fatal(err)
	}
	return ids
}
