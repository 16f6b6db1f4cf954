// Command groupd is a self-hostable group service that speaks OpenIM's REST
// API (and ZIM's server API) over an embedded SQLite database.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/metrics"
	"github.com/groupd/groupd/openim"
	"github.com/groupd/groupd/redisx"
	"github.com/groupd/groupd/zim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "groupd:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, then drains requests and closes the store.
// "groupd backup …" and "groupd restore …" run those commands instead.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	if wantsVersion(args) { // devx.go
		fmt.Fprintln(stdout(stderr), "groupd", Version())
		return nil
	}
	if len(args) > 0 {
		switch args[0] {
		case "backup":
			return runBackup(ctx, args[1:], getenv, stderr)
		case "restore":
			return runRestore(ctx, args[1:], getenv, stderr)
		}
	}
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	m := NewMain(cfg, stderr)
	if err := m.Open(ctx); err != nil {
		return errors.Join(err, m.Close())
	}
	select {
	case <-ctx.Done():
		m.Logger.Info("shutting down")
	case err = <-m.serveErr:
		err = fmt.Errorf("serve: %w", err)
	}
	err = errors.Join(err, m.Close())
	m.Logger.Info("groupd stopped", "error", err)
	return err
}

// ShutdownTimeout bounds how long Close waits for in-flight requests.
const ShutdownTimeout = 30 * time.Second

// Main is a running groupd: the wiring and nothing else. Tests use it to
// start and stop real servers.
type Main struct {
	Config Config
	Logger *slog.Logger
	// Now is the clock of the service and the tokens (time.Now by default).
	Now func() time.Time

	stderr   io.Writer
	store    domain.Store
	redis    *redisx.Client // nil without --redis
	lock     *dataLock
	listener net.Listener
	server   *http.Server
	serveErr chan error

	// wrapStore, when set (by tests), wraps the store the service uses.
	wrapStore func(domain.Store) domain.Store

	metrics *metrics.Metrics // devx.go: /metrics, request and store metrics
	pprof   *http.Server     // devx.go: --pprof-addr, nil when off
}

// NewMain returns a Main for cfg that logs to stderr.
func NewMain(cfg Config, stderr io.Writer) *Main {
	return &Main{Config: cfg, Logger: newLogger(cfg, stderr), Now: time.Now, stderr: stderr, serveErr: make(chan error, 1)}
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Open prepares the data directory and the secret, opens the store, and
// starts serving in the background.
func (m *Main) Open(ctx context.Context) error {
	c := m.Config
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	lock, err := lockDataDir(filepath.Join(c.DataDir, lockFileName))
	if err != nil {
		return err
	}
	m.lock = lock
	secret := c.Secret
	if secret == "" {
		if secret, err = m.loadOrCreateSecret(filepath.Join(c.DataDir, "secret")); err != nil {
			return err
		}
	}
	b, err := m.openBackends(ctx) // scale.go: SQLite or PostgreSQL, Redis
	if err != nil {
		return err
	}
	db, revoker := b.db, b.revoker
	m.store, m.redis = db, b.redis
	store := b.store
	if m.wrapStore != nil {
		store = m.wrapStore(store)
	}
	m.metrics = metrics.New()
	store = m.metrics.InstrumentStore(store)
	svc := domain.NewService(store, domain.Options{Now: m.Now, ReservedUserIDs: c.AdminUserIDs})
	if err := svc.EnsureReservedUsers(ctx); err != nil {
		return fmt.Errorf("register the app admins' user IDs: %w", err)
	}
	openimHandler := openim.NewHandler(svc, openim.Config{
		Secret: secret, AdminUserIDs: c.AdminUserIDs, TokenTTL: c.TokenTTL, Now: m.Now, Revoker: revoker,
		UserQPS: c.OpenIMUserQPS,
	}, m.Logger.With("dialect", "openim"))

	mux := http.NewServeMux()
	for _, prefix := range []string{"/auth/", "/user/", "/group/"} {
		mux.Handle(prefix, openimHandler)
	}
	// The exact root path "/{$}" is the ZIM dialect's.
	mux.Handle("/{$}", zim.NewHandler(svc, zim.Config{
		AppID: c.ZIMAppID, ServerSecret: c.ZIMServerSecret, QPS: c.ZIMQPS, GroupQPS: c.ZIMGroupQPS, Now: m.Now,
		AppLimiter: b.zimApp, GroupLimiter: b.zimGroup, Nonces: b.nonces,
	}, m.Logger.With("dialect", "zim")))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			m.Logger.Warn("readiness check failed", "error", err)
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	m.mountDevX(mux) // devx.go: /openapi.json, /metrics, /admin/
	if err := m.startPprof(); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	m.listener = ln
	m.server = &http.Server{
		Handler:           m.metrics.Middleware(limitInflight(mux, c.MaxInflight, m.Logger)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	srv := m.server // Close sets m.server to nil, maybe before this goroutine runs
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			m.serveErr <- err
		}
	}()
	m.Logger.Info("groupd listening", append(b.describe(c), "addr", ln.Addr().String(), "data", c.DataDir,
		"adminUserIDs", strings.Join(c.AdminUserIDs, ","), "tokenTTL", c.TokenTTL.String(), "maxInflight", c.MaxInflight)...)
	return nil
}

// Addr is the address the server listens on ("" before Open).
func (m *Main) Addr() string {
	if m.listener == nil {
		return ""
	}
	return m.listener.Addr().String()
}

// Close drains in-flight requests, then closes the store.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
		}
		m.server = nil
	}
	errs = append(errs, m.closePprof())
	if m.store != nil {
		if err := m.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
		m.store = nil
	}
	if m.redis != nil {
		if err := m.redis.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close redis: %w", err))
		}
		m.redis = nil
	}
	if m.lock != nil {
		if err := m.lock.release(); err != nil {
			errs = append(errs, fmt.Errorf("release data directory lock: %w", err))
		}
		m.lock = nil
	}
	return errors.Join(errs...)
}

// loadOrCreateSecret reads the secret kept in path, or makes a random one,
// saves it with mode 0600 and prints it once.
func (m *Main) loadOrCreateSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		secret := strings.TrimSpace(string(b))
		if secret == "" {
			return "", fmt.Errorf("secret file %s is empty; delete it to generate a new secret", path)
		}
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			m.Logger.Warn("secret file is readable by others; chmod 600 it", "path", path)
		}
		m.Logger.Info("admin secret read from file", "path", path)
		return secret, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read secret: %w", err)
	}
	raw := make([]byte, 16)
	rand.Read(raw)
	secret := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create secret file: %w", err)
	}
	_, werr := f.WriteString(secret + "\n")
	if werr == nil {
		werr = f.Sync()
	}
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("write secret file: %w", err)
	}
	fmt.Fprintf(m.stderr, "\ngroupd: no --secret given; generated an admin secret and saved it in %s (mode 0600):\n\n    %s\n\n"+
		"Use it with /auth/get_admin_token. It is printed only now; later starts read it from the file.\n\n", path, secret)
	return secret, nil
}
