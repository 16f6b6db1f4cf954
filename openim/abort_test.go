package openim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/teststore"
)

// panickingStore is a real store that panics when asked for the users
// "abort-me" (with http.ErrAbortHandler) or "panic-me" (with a plain value).
type panickingStore struct{ domain.Store }

func (s panickingStore) GetUsers(ctx context.Context, ids []string) ([]domain.User, error) {
	switch {
	case slices.Contains(ids, "abort-me"):
		panic(http.ErrAbortHandler)
	case slices.Contains(ids, "panic-me"):
		panic("boom")
	}
	return s.Store.GetUsers(ctx, ids)
}

// A panic with http.ErrAbortHandler inside an endpoint aborts the
// connection, as net/http defines it (the client sees no answer at all),
// rather than becoming an errCode 500 envelope; any other panic still does.
func TestAbortHandlerPanicAbortsTheConnection(t *testing.T) {
	svc := domain.NewService(panickingStore{teststore.Open(t, backend)}, domain.Options{ReservedUserIDs: []string{"imAdmin"}})
	if err := svc.EnsureReservedUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := NewHandler(svc, Config{Secret: testSecret, AdminUserIDs: []string{"imAdmin"}},
		slog.New(slog.NewTextHandler(&lockedWriter{w: &logs}, nil)))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	post := func(path, token, body string) (*http.Response, error) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("operationID", "abort-test")
		if token != "" {
			req.Header.Set("token", token)
		}
		// A fresh connection per request, so that a broken one is not reused.
		return (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	}
	envelope := func(path, token, body string) (code int, data json.RawMessage) {
		t.Helper()
		resp, err := post(path, token, body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var env struct {
			ErrCode int             `json:"errCode"`
			Data    json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatalf("%s: %v: %s", path, err, raw)
		}
		return env.ErrCode, env.Data
	}

	code, data := envelope("/auth/get_admin_token", "", `{"secret":"`+testSecret+`","userID":"imAdmin"}`)
	var tok struct{ Token string }
	if err := json.Unmarshal(data, &tok); code != 0 || err != nil {
		t.Fatalf("get_admin_token: errCode %d, %v", code, err)
	}

	// The panic reaches the real store through the real service: a plain
	// panic is an internal error, logged.
	if code, _ := envelope("/user/get_users_info", tok.Token, `{"userIDs":["panic-me"]}`); code != codeInternal {
		t.Fatalf("plain panic: errCode %d, want %d", code, codeInternal)
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Fatalf("plain panic not logged:\n%s", logs.String())
	}

	// http.ErrAbortHandler: no response at all.
	resp, err := post("/user/get_users_info", tok.Token, `{"userIDs":["abort-me"]}`)
	if err == nil {
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("ErrAbortHandler answered HTTP %d %s, want an aborted connection", resp.StatusCode, raw)
	}

	// The server goes on serving.
	if code, _ := envelope("/user/get_users_info", tok.Token, `{"userIDs":["imAdmin"]}`); code != 0 {
		t.Fatalf("after the abort: errCode %d", code)
	}
}
