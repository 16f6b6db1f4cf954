package sdkcompat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/groupd/groupd/api/apitest"
	"github.com/jackc/pgx/v5"
	"github.com/openimsdk/tools/log"
)

const (
	// adminSecret is the --secret of every server the suite starts.
	adminSecret = "sdkcompat-admin-secret-0123456789"
	// pgAdminURL is the PostgreSQL the suite creates its databases on.
	pgAdminURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	// startTimeout bounds a server's start, stopTimeout its SIGTERM drain.
	startTimeout = 30 * time.Second
	stopTimeout  = 30 * time.Second
)

// backends are the running servers every test is run against: SQLite
// always, PostgreSQL when it answers.
var backends []*env

// pgSkipReason says why the PostgreSQL backend is not run ("" when it is).
var pgSkipReason string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	// The SDK's logger (openimsdk/tools/log) writes debug lines to stdout
	// and files under ./logs by default: silence it.
	if err := log.InitLoggerFromConfig("sdkcompat", "sdkcompat", "", "", log.LevelError,
		false, false, "", 1, 24, "sdkcompat", false); err != nil {
		fmt.Fprintln(os.Stderr, "sdkcompat: silencing the SDK logger:", err)
		return 1
	}
	tmp, err := os.MkdirTemp("", "sdkcompat-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkcompat:", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	// SDKCOMPAT_GROUPD_BIN runs a groupd built elsewhere (e.g. from another
	// commit) instead of building the working tree's.
	bin := os.Getenv("SDKCOMPAT_GROUPD_BIN")
	if bin == "" {
		bin = filepath.Join(tmp, "groupd")
		build := exec.Command("go", "build", "-o", bin, "./cmd/groupd")
		build.Dir = filepath.Join("..", "..")
		build.Env = append(os.Environ(), "CGO_ENABLED=1")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "sdkcompat: go build ./cmd/groupd: %v\n%s", err, out)
			return 1
		}
	}

	sqlite, err := startServer("sqlite", bin, filepath.Join(tmp, "sqlite"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkcompat:", err)
		return 1
	}
	servers := []*server{sqlite}
	backends = append(backends, sqlite.env)

	dropDB := func() error { return nil }
	pgURL, drop, err := createPGDatabase()
	switch {
	case err != nil && os.Getenv("CI") == "true":
		fmt.Fprintf(os.Stderr, "sdkcompat: FATAL: CI=true and PostgreSQL does not answer at %s: %v\n", pgAdminURL, err)
		stopAll(servers)
		return 1
	case err != nil:
		pgSkipReason = fmt.Sprintf("PostgreSQL does not answer at %s (%v): the PostgreSQL backend is skipped (with CI=true it fails)", pgAdminURL, err)
		fmt.Fprintln(os.Stderr, "sdkcompat:", pgSkipReason)
	default:
		dropDB = drop
		pg, err := startServer("postgres", bin, filepath.Join(tmp, "postgres"), "--db", pgURL)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sdkcompat:", err)
			stopAll(servers)
			_ = dropDB()
			return 1
		}
		servers = append(servers, pg)
		backends = append(backends, pg.env)
	}

	// Every answer the SDK receives is checked against groupd's
	// api/openapi.json: its HTTP caller (network.ApiPost) is an http.Client
	// without a Transport, so http.DefaultTransport carries it.
	code := apitest.Run(m)

	if err := stopAll(servers); err != nil {
		fmt.Fprintln(os.Stderr, "sdkcompat:", err)
		code = 1
	}
	if err := dropDB(); err != nil {
		fmt.Fprintln(os.Stderr, "sdkcompat: dropping the PostgreSQL database:", err)
		code = 1
	}
	return code
}

// TestPostgresBackend reports whether the PostgreSQL backend runs, so a
// skip shows in the test output and not only on stderr.
func TestPostgresBackend(t *testing.T) {
	if pgSkipReason != "" {
		t.Skip(pgSkipReason)
	}
}

// createPGDatabase makes a fresh database for this run and returns its URL
// and a function that drops it.
func createPGDatabase() (url string, drop func() error, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgAdminURL)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(context.Background())
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "sdkcompat_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("CREATE DATABASE %s: %w", name, err)
	}
	drop = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, pgAdminURL)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	return "postgres://postgres@127.0.0.1:5432/" + name + "?sslmode=disable", drop, nil
}

// server is one running groupd process.
type server struct {
	env  *env
	cmd  *exec.Cmd
	done chan error // the exit of cmd
	logs string     // path of its combined stdout and stderr
}

// startServer runs bin on a free port with its own data directory and
// waits until /readyz answers ok.
func startServer(name, bin, dataDir string, extra ...string) (*server, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logs := filepath.Join(dataDir, "..", name+".log")
	logf, err := os.Create(logs)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	args := append([]string{"--addr", addr, "--data", dataDir, "--secret", adminSecret,
		"--log-level", "warn"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// A GROUPD_* variable of the caller's shell must not reconfigure it.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GROUPD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan error, 1), logs: logs,
		env: &env{name: name, apiAddr: "http://" + addr}}
	go func() { s.done <- cmd.Wait() }()

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.After(startTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(s.env.apiAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("%s groupd exited while starting: %v\n%s", name, err, s.tail())
		case <-deadline:
			_ = cmd.Process.Kill()
			<-s.done
			return nil, fmt.Errorf("%s groupd not ready after %s\n%s", name, startTimeout, s.tail())
		case <-tick.C:
		}
	}
	if err := s.env.init(); err != nil {
		s.stop()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

// stop sends SIGTERM and requires a clean exit within stopTimeout.
func (s *server) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("%s: SIGTERM: %w", s.env.name, err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			return fmt.Errorf("%s groupd exited with %v after SIGTERM\n%s", s.env.name, err, s.tail())
		}
		return nil
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("%s groupd did not stop within %s of SIGTERM", s.env.name, stopTimeout)
	}
}

func stopAll(servers []*server) error {
	var errs []error
	for _, s := range servers {
		errs = append(errs, s.stop())
	}
	return errors.Join(errs...)
}

func (s *server) tail() string {
	b, _ := os.ReadFile(s.logs)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
