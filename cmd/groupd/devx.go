package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"time"

	"github.com/groupd/groupd/admin"
	"github.com/groupd/groupd/api"
)

// version is set at build time with
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/groupd
//
// Without it, Version reads the module version that go install stamps
// (github.com/groupd/groupd/cmd/groupd@v1.2.3), else the VCS revision.
var version = ""

// Version is groupd's version string.
func Version() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if v == "(devel)" && rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " " + rev + dirty
		if when != "" {
			v += " " + when
		}
	}
	return v + " " + bi.GoVersion
}

// wantsVersion reports whether the command line asks for the version.
func wantsVersion(args []string) bool {
	for _, a := range args {
		switch a {
		case "--version", "-version", "version":
			return true
		case "--", "backup", "restore":
			return false
		}
	}
	return false
}

// stdout is where --version prints: standard output when run from main.
func stdout(stderr io.Writer) io.Writer {
	if stderr == os.Stderr {
		return os.Stdout
	}
	return stderr
}

// mountDevX adds the developer-experience routes: the OpenAPI spec, the
// Prometheus metrics (unless --metrics-addr serves them apart) and the
// admin page.
func (m *Main) mountDevX(mux *http.ServeMux) {
	mux.Handle("GET /openapi.json", api.Handler())
	mux.Handle("GET /openapi.html", api.ReferenceHandler()) // the spec as a readable page
	if m.Config.MetricsAddr == "" {
		mux.Handle("GET /metrics", m.metrics.Handler())
	}
	mux.Handle("/admin/", admin.Handler())
	// The console's dashboard: the in-memory history, to app admins' tokens.
	mux.Handle("GET /admin/api/history", admin.RequireAdminToken(mux, m.metrics.History().Handler()))
	mux.Handle("GET /admin", http.RedirectHandler("/admin/", http.StatusMovedPermanently))
}

// listenAdmin binds --metrics-addr and --pprof-addr (the same address
// twice is one listener); serveAdmin serves them once the API is up.
func (m *Main) listenAdmin() error {
	c := m.Config
	if c.MetricsAddr != "" {
		ln, err := net.Listen("tcp", c.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen on --metrics-addr: %w", err)
		}
		m.metricsLn = ln
	}
	if c.PprofAddr != "" && c.PprofAddr != c.MetricsAddr {
		ln, err := net.Listen("tcp", c.PprofAddr)
		if err != nil {
			return fmt.Errorf("listen on --pprof-addr: %w", err)
		}
		m.pprofLn = ln
	}
	return nil
}

func mountPprof(mux *http.ServeMux) {
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
}

// serveAdmin serves /metrics and pprof on --metrics-addr, and pprof on
// --pprof-addr, apart from the API so that they are never exposed with it.
func (m *Main) serveAdmin() {
	serve := func(ln net.Listener, mux *http.ServeMux, what string) *http.Server {
		// Addr is only for MetricsAddr and PprofAddr: Serve uses the listener.
		srv := &http.Server{Addr: ln.Addr().String(), Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				m.Logger.Error(what+" server stopped", "error", err)
			}
		}()
		m.Logger.Info(what+" listening", "addr", srv.Addr)
		return srv
	}
	if m.metricsLn != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.metrics.Handler())
		mountPprof(mux)
		m.metricsSrv = serve(m.metricsLn, mux, "metrics and pprof")
	}
	if m.pprofLn != nil {
		mux := http.NewServeMux()
		mountPprof(mux)
		m.pprof = serve(m.pprofLn, mux, "pprof")
	}
}

// MetricsAddr is the --metrics-addr listener's address ("" when off).
func (m *Main) MetricsAddr() string {
	if m.metricsLn == nil {
		return ""
	}
	return m.metricsLn.Addr().String()
}

// PprofAddr is the address pprof is served on ("" when off).
func (m *Main) PprofAddr() string {
	switch {
	case m.pprofLn != nil:
		return m.pprofLn.Addr().String()
	case m.Config.PprofAddr != "":
		return m.MetricsAddr() // the same address as --metrics-addr
	}
	return ""
}

// closeAdmin stops the metrics and pprof servers (or closes their
// listeners when Open failed before serving).
func (m *Main) closeAdmin() error {
	var errs []error
	for _, s := range []struct {
		srv **http.Server
		ln  *net.Listener
	}{{&m.metricsSrv, &m.metricsLn}, {&m.pprof, &m.pprofLn}} {
		if *s.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := (*s.srv).Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("shutdown %s: %w", (*s.srv).Addr, err))
			}
			cancel()
			*s.srv = nil
		} else if *s.ln != nil {
			(*s.ln).Close()
		}
	}
	return errors.Join(errs...)
}
