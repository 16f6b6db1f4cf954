package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/ready"
	"github.com/groupd/groupd/metrics"
	"github.com/groupd/groupd/openim"
	"github.com/groupd/groupd/store/sqlite"
	"github.com/groupd/groupd/storecache"
	"github.com/groupd/groupd/zim"
)

// Credentials the benchmark starts groupd with.
const (
	benchSecret    = "groupd-bench-admin-secret"
	benchZIMAppID  = 1234567
	benchZIMSecret = "0123456789abcdef0123456789abcdef"
	benchAdmin     = "imAdmin"
)

// server is a running groupd under test.
type server struct {
	addr    string
	startup time.Duration // exec (or open) to the first ready answer
	cmd     *exec.Cmd     // nil in process
	stop    func() error
	// stats, in process only, reads the store's writer counters.
	stats func() sqlite.Stats
	// pprofAddr is groupd's --pprof-addr (exec mode with --server-profile).
	pprofAddr string
}

// profile starts a CPU profile of the exec'd server for the max attack of
// endpoint name (which, for a read, alternates with the ceiling: twice
// d), written to dir/<name>.prof; the returned func waits for it. A no-op
// without dir or in process.
func (s *server) profile(dir, name string, d time.Duration, read bool) (wait func()) {
	if dir == "" || s.pprofAddr == "" {
		return func() {}
	}
	if read {
		d *= 2
	}
	secs := max(1, int((d+time.Second/2)/time.Second))
	done := make(chan struct{})
	go func() {
		defer close(done)
		path := filepath.Join(dir, strings.ReplaceAll(name, "/", "_")+".prof")
		c := &http.Client{Timeout: time.Duration(secs)*time.Second + time.Minute}
		resp, err := c.Get("http://" + s.pprofAddr + "/debug/pprof/profile?seconds=" + strconv.Itoa(secs))
		if err != nil {
			logf("%s: server profile: %v", name, err)
			return
		}
		defer resp.Body.Close()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			logf("%s: server profile: %v", name, err)
			return
		}
		f, err := os.Create(path)
		if err == nil {
			_, err = io.Copy(f, resp.Body)
			err = errors.Join(err, f.Close())
		}
		if err != nil {
			logf("%s: server profile: %v", name, err)
		}
	}()
	return func() { <-done }
}

// freeAddr picks a free loopback port.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// buildGroupd builds ./cmd/groupd into dir.
func buildGroupd(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "groupd")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/groupd")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/groupd (run groupd-bench from the repository root, or pass --groupd): %w", err)
	}
	return bin, nil
}

// groupdArgs are the flags groupd runs with: the defaults but for the
// credentials and the ZIM rate limits (a load test would trip them).
func groupdArgs(addr, dataDir, dbURL string) []string {
	args := []string{
		"--addr", addr, "--data", dataDir, "--secret", benchSecret,
		"--zim-app-id", strconv.Itoa(benchZIMAppID), "--zim-server-secret", benchZIMSecret,
		"--zim-qps", "0", "--zim-group-qps", "0",
	}
	if dbURL != "" {
		args = append(args, "--db", dbURL)
	}
	return args
}

// startExec runs the groupd binary and waits until it answers /readyz.
func startExec(ctx context.Context, bin, dataDir, dbURL, logPath string, pprof bool, extra []string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := append(groupdArgs(addr, dataDir, dbURL), extra...)
	var pprofAddr string
	if pprof {
		if pprofAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		args = append(args, "--pprof-addr", pprofAddr)
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logf.Close() }()
	s := &server{addr: addr, cmd: cmd, pprofAddr: pprofAddr}
	s.stop = func() error {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			return errors.New("groupd did not stop within 60s; killed")
		}
	}
	if err := ready.Wait(ctx, "http://"+addr+"/readyz", exited, 2*time.Minute); err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("%w (log: %s)", err, logPath)
	}
	s.startup = time.Since(begin)
	return s, nil
}

// startInProcess serves groupd's handlers in this process, wired as
// cmd/groupd wires them for the embedded store (store, read cache, metrics,
// service, both dialects, request logging to logPath), so that a CPU
// profile of the run covers the server. Its RSS is
// the benchmark's too, so it is not reported.
func startInProcess(ctx context.Context, dataDir, logPath string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(logf, 1<<16)
	lw := &lockedWriter{w: bw}
	logger := slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelInfo}))
	begin := time.Now()
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, "groupd.db"), sqlite.Options{Logger: logger.With("component", "sqlite")})
	if err != nil {
		logf.Close()
		return nil, err
	}
	// As cmd/groupd wires the embedded store: an in-memory read cache,
	// store metrics, HTTP metrics.
	mt := metrics.New()
	store := mt.InstrumentStore(storecache.New(db, storecache.NewMemory(0), storecache.Options{Logger: logger.With("component", "cache")}))
	svc := domain.NewService(store, domain.Options{})
	oh := openim.NewHandler(svc, openim.Config{Secret: benchSecret, AdminUserIDs: []string{benchAdmin}},
		logger.With("dialect", "openim"))
	mux := http.NewServeMux()
	for _, p := range []string{"/auth/", "/user/", "/group/"} {
		mux.Handle(p, oh)
	}
	mux.Handle("/{$}", zim.NewHandler(svc, zim.Config{AppID: benchZIMAppID, ServerSecret: benchZIMSecret},
		logger.With("dialect", "zim")))
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := db.Ping(r.Context()); err != nil {
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		db.Close()
		logf.Close()
		return nil, err
	}
	hs := &http.Server{Handler: mt.Middleware(mux), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go hs.Serve(ln)
	if err := ready.Wait(ctx, "http://"+addr+"/readyz", nil, 2*time.Minute); err != nil {
		return nil, err
	}
	s := &server{addr: addr, startup: time.Since(begin)}
	s.stop = func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := errors.Join(hs.Shutdown(sctx), db.Close())
		lw.mu.Lock()
		err = errors.Join(err, bw.Flush(), logf.Close())
		lw.mu.Unlock()
		return err
	}
	s.stats = db.Stats
	return s, nil
}

// procStatus reads fields (in kB) of /proc/<pid>/status.
func procStatus(pid int, fields ...string) map[string]int64 {
	out := map[string]int64{}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return out
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		for _, f := range fields {
			if name == f {
				v, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				out[f] = v
			}
		}
	}
	return out
}

// cpuTicks is the process's user+system CPU time.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+2:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// ioBytes reads write_bytes (bytes the process caused to be written to
// storage) from /proc/<pid>/io.
func ioBytes(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/io")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}
