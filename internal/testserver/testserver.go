// Package testserver runs groupd's real handler stack (both dialects over
// a real SQLite file) on an httptest server, for the tests of the packages
// built on top of the API: the client, groupctl, the OpenAPI spec and the
// admin page.
package testserver

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/openim"
	"github.com/groupd/groupd/store/sqlite"
	"github.com/groupd/groupd/zim"
)

// Fixed credentials of every test server.
const (
	Secret          = "testserver-secret-0123456789"
	ZIMAppID        = 12345
	ZIMServerSecret = "9193cc662a4c0ec135ec71fb57194b38"
)

// Server is a running stack.
type Server struct {
	URL     string
	Service *domain.Service
	Store   domain.Store
	Mux     *http.ServeMux // add routes before the first request
	srv     *httptest.Server
}

// Check, when set, wraps the handler of every Server. The tests of the
// packages on top of the API set it to apitest.Wrap in an init function,
// so that every answer they receive is checked against api/openapi.json
// (testserver cannot import apitest: package api's own tests use it).
var Check func(testing.TB, http.Handler) http.Handler

// Options tune a Server.
type Options struct {
	// WrapStore wraps the store the service uses (e.g. with metrics).
	WrapStore func(domain.Store) domain.Store
	// Wrap wraps the whole handler (e.g. with middleware).
	Wrap func(http.Handler) http.Handler
	// NoSpecCheck leaves out Check.
	NoSpecCheck bool
	// ZIMQPS and ZIMGroupQPS are the ZIM rate limits; 0 turns them off.
	ZIMQPS, ZIMGroupQPS float64
}

// New starts a server for the test's lifetime.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "groupd.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	var store domain.Store = db
	if opts.WrapStore != nil {
		store = opts.WrapStore(store)
	}
	svc := domain.NewService(store, domain.Options{})
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	oh := openim.NewHandler(svc, openim.Config{Secret: Secret}, log)
	for _, prefix := range []string{"/auth/", "/user/", "/group/"} {
		mux.Handle(prefix, oh)
	}
	mux.Handle("/{$}", zim.NewHandler(svc, zim.Config{AppID: ZIMAppID, ServerSecret: ZIMServerSecret,
		QPS: opts.ZIMQPS, GroupQPS: opts.ZIMGroupQPS}, log))
	var h http.Handler = mux
	if opts.Wrap != nil {
		h = opts.Wrap(h)
	}
	if Check != nil && !opts.NoSpecCheck {
		h = Check(t, h) // e.g. every answer conforms to api/openapi.json
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Server{URL: srv.URL, Service: svc, Store: store, Mux: mux, srv: srv}
}
