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
// Prometheus metrics and the admin page.
func (m *Main) mountDevX(mux *http.ServeMux) {
	mux.Handle("GET /openapi.json", api.Handler())
	mux.Handle("GET /metrics", m.metrics.Handler())
	mux.Handle("GET /metrics/history", m.metrics.History().Handler()) // the admin dashboard's charts
	mux.Handle("/admin/", admin.Handler())
	mux.Handle("GET /admin", http.RedirectHandler("/admin/", http.StatusMovedPermanently))
}

// startPprof serves net/http/pprof on --pprof-addr, apart from the API so
// that it is never exposed with it.
func (m *Main) startPprof() error {
	if m.Config.PprofAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", m.Config.PprofAddr)
	if err != nil {
		return fmt.Errorf("listen on --pprof-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// Addr is only for PprofAddr: Serve uses the listener.
	srv := &http.Server{Addr: ln.Addr().String(), Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	m.pprof = srv
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("pprof server stopped", "error", err)
		}
	}()
	m.Logger.Info("pprof listening", "addr", ln.Addr().String())
	return nil
}

// PprofAddr is the pprof listener's address ("" when off).
func (m *Main) PprofAddr() string {
	if m.pprof == nil {
		return ""
	}
	return m.pprof.Addr
}

func (m *Main) closePprof() error {
	if m.pprof == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := m.pprof.Shutdown(ctx)
	m.pprof = nil
	if err != nil {
		return fmt.Errorf("shutdown pprof: %w", err)
	}
	return nil
}
