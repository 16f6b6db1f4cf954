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
	"github.com/groupd/groupd/internal/logbuf"
	"github.com/groupd/groupd/internal/webhookconf"
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
	gcPercent, memLimit := applyGCDefaults(getenv) // perf.go
	m := NewMain(cfg, stderr)
	m.Logger.Info("memory settings", "GOGC", gcPercent, "GOMEMLIMIT", memLimit)
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

	stopEventsFn func() // events.go: stops the event dispatcher
	// openimWebhooks is the --openim-webhooks file (events.go): its
	// before-callbacks go to the OpenIM handler.
	openimWebhooks webhookconf.Config
	// evState (events.go): the dispatcher's sinks and counters.
	evState eventsState

	logOut *logbuf.Writer // under Logger; Close flushes it

	listenerClosed bool // by Close
	// devx.go: the --metrics-addr and --pprof-addr listeners (nil when
	// off), bound first in Open, and their servers once serving.
	metricsLn, pprofLn net.Listener
	metricsSrv, pprof  *http.Server
}

// NewMain returns a Main for cfg that logs to stderr.
func NewMain(cfg Config, stderr io.Writer) *Main {
	logOut := logbuf.New(stderr)
	return &Main{Config: cfg, Logger: newLogger(cfg, logOut), logOut: logOut, Now: time.Now, stderr: stderr, serveErr: make(chan error, 1)}
}

// newLogger logs to w; request lines are batched (see logbuf).
func newLogger(cfg Config, w *logbuf.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(logbuf.Handler{Handler: h, W: w})
}

// Open prepares the data directory, binds the listeners, prepares the
// secret, opens the store, and starts serving in the background.
func (m *Main) Open(ctx context.Context) (err error) {
	c := m.Config
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	lock, err := lockDataDir(filepath.Join(c.DataDir, lockFileName))
	if err != nil {
		return err
	}
	m.lock = lock
	// Every listener is bound before anything else is prepared: a start
	// that cannot serve (a port in use) fails here, before it generates
	// (and prints) an admin secret. Close closes them.
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on --addr: %w", err)
	}
	m.listener = ln
	if err := m.listenAdmin(); err != nil { // devx.go: --metrics-addr, --pprof-addr
		return err
	}
	secret := c.Secret
	generated := false
	if secret == "" {
		path := filepath.Join(c.DataDir, "secret")
		if secret, generated, err = m.loadOrCreateSecret(path); err != nil {
			return err
		}
		if generated {
			// A secret nothing was served with goes with the failed start:
			// the next start makes (and prints) its own.
			defer func() {
				if err != nil {
					os.Remove(path)
				}
			}()
		}
	} else if err := checkSecret(secret, "--secret (GROUPD_SECRET)"); err != nil {
		return err
	}
	b, err := m.openBackends(ctx) // scale.go: SQLite or PostgreSQL, Redis
	if err != nil {
		return err
	}
	db, revoker := b.db, b.revoker
	m.store, m.redis = db, b.redis
	salt, saltCreated, err := tokenSalt(ctx, db)
	if err != nil {
		return err
	}
	store := b.store
	if m.wrapStore != nil {
		store = m.wrapStore(store)
	}
	m.metrics = metrics.New()
	store = m.metrics.InstrumentStore(store)
	svc := domain.NewService(store, domain.Options{Now: m.Now})
	if err := m.startEvents(db); err != nil { // events.go
		return err
	}
	openimHandler := openim.NewHandler(svc, openim.Config{
		Secret: secret, TokenSalt: salt, TokenSaltCreated: saltCreated,
		AdminUserIDs: c.AdminUserIDs, TokenTTL: c.TokenTTL, Now: m.Now, Revoker: revoker,
		UserQPS: c.OpenIMUserQPS, GzipMinBytes: c.GzipMinBytes, Webhooks: m.openimWebhooks,
	}, m.Logger.With("dialect", "openim"))

	mux := http.NewServeMux()
	adm := newAdmission(mux, c.MaxInflight, c.BodyTimeout, m.Logger) // server.go
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
		if why, busy := adm.saturated(); busy {
			http.Error(w, why, http.StatusServiceUnavailable)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			m.Logger.Warn("readiness check failed", "error", err)
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	m.mountDevX(mux)              // devx.go: /openapi.json, /metrics, /admin/
	feedH := m.mountFeed(mux, db) // events.go: GET /events

	m.server = &http.Server{
		Handler:           m.metrics.Middleware(adm),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	m.server.RegisterOnShutdown(feedH.Shutdown) // streams do not end by themselves
	srv := m.server                             // Close sets m.server to nil, maybe before this goroutine runs
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			m.serveErr <- err
		}
	}()
	m.serveAdmin() // devx.go
	if generated {
		m.printSecret(filepath.Join(c.DataDir, "secret"), secret)
	}
	m.Logger.Info("groupd listening", append(b.describe(c), "addr", ln.Addr().String(), "data", c.DataDir,
		"adminUserIDs", strings.Join(c.AdminUserIDs, ","), "tokenTTL", c.TokenTTL.String(), "maxInflight", c.MaxInflight, "bodyTimeout", c.BodyTimeout.String())...)
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
		m.listenerClosed = true
	} else if m.listener != nil && !m.listenerClosed {
		m.listener.Close() // Open failed before serving
		m.listenerClosed = true
	}
	errs = append(errs, m.closeAdmin())
	m.stopEvents() // events.go, before the store closes
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
	if m.logOut != nil {
		_ = m.logOut.Flush()
	}
	return errors.Join(errs...)
}

// loadOrCreateSecret reads the secret kept in path, or makes a random one
// and saves it with mode 0600 (generated is then true; Open prints it once
// the server is up).
func (m *Main) loadOrCreateSecret(path string) (secret string, generated bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		secret := strings.TrimSpace(string(b))
		if secret == "" {
			return "", false, fmt.Errorf("secret file %s is empty; delete it to generate a new secret", path)
		}
		if err := checkSecret(secret, "secret file "+path); err != nil {
			return "", false, err
		}
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			m.Logger.Warn("secret file is readable by others; chmod 600 it", "path", path)
		}
		m.Logger.Info("admin secret read from file", "path", path)
		return secret, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("read secret: %w", err)
	}
	raw := make([]byte, 16)
	rand.Read(raw)
	secret = hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", false, fmt.Errorf("create secret file: %w", err)
	}
	_, werr := f.WriteString(secret + "\n")
	if werr == nil {
		werr = f.Sync()
	}
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(path)
		return "", false, fmt.Errorf("write secret file: %w", err)
	}
	return secret, true, nil
}

// printSecret shows a secret generated at this start, once.
func (m *Main) printSecret(path, secret string) {
	fmt.Fprintf(m.stderr, "\ngroupd: no --secret given; generated an admin secret and saved it in %s (mode 0600):\n\n    %s\n\n"+
		"Use it with /auth/get_admin_token. It is printed only now; later starts read it from the file.\n\n", path, secret)
}

// tokenSaltSetting names the installation's token signing salt in the
// settings table: "v1 <hex salt> <Unix seconds it was made>".
const tokenSaltSetting = "openim_token_salt"

// settingsStore is the settings table of both stores.
type settingsStore interface {
	Setting(ctx context.Context, name string) (string, bool, error)
	SwapSetting(ctx context.Context, name, old, value string) (bool, error)
}

// tokenSalt returns the installation's random token signing salt and when
// it was made, making it on the first start (nodes starting at once agree
// on one: the store's compare-and-swap picks it).
func tokenSalt(ctx context.Context, db domain.Store) ([]byte, time.Time, error) {
	ss, ok := db.(settingsStore)
	if !ok {
		return nil, time.Time{}, fmt.Errorf("token salt: the store %T keeps no settings", db)
	}
	for range 3 {
		v, ok, err := ss.Setting(ctx, tokenSaltSetting)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("read the token salt: %w", err)
		}
		if ok {
			var hexSalt string
			var made int64
			_, serr := fmt.Sscanf(v, "v1 %s %d", &hexSalt, &made)
			salt, herr := hex.DecodeString(hexSalt)
			if serr != nil || herr != nil || len(salt) < 16 || made <= 0 {
				return nil, time.Time{}, fmt.Errorf("the token salt in the settings table is malformed (%d bytes)", len(v))
			}
			return salt, time.Unix(made, 0), nil
		}
		raw := make([]byte, 32)
		rand.Read(raw)
		if _, err := ss.SwapSetting(ctx, tokenSaltSetting, "", fmt.Sprintf("v1 %s %d", hex.EncodeToString(raw), time.Now().Unix())); err != nil {
			return nil, time.Time{}, fmt.Errorf("save the token salt: %w", err)
		}
		// Read back what won: this node's or another's made at once.
	}
	return nil, time.Time{}, errors.New("token salt: could not be read back after saving it")
}
