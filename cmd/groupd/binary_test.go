package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupd/groupd/api/apitest"
)

// The tests that need the real binary share one build per test process.
var groupdBinary struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

// TestMain checks every answer the tests receive through
// http.DefaultTransport (http.Get, http.DefaultClient, clients without a
// Transport of their own) against api/openapi.json.
func TestMain(m *testing.M) {
	code := apitest.Run(m)
	if groupdBinary.dir != "" {
		os.RemoveAll(groupdBinary.dir)
	}
	os.Exit(code)
}

// buildBinary builds cmd/groupd once (without -race: the binary under test
// is the one operators run) and returns its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	b := &groupdBinary
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "groupd-bin-"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "groupd")
		cmd := exec.Command("go", "build", "-o", b.path, "github.com/groupd/groupd/cmd/groupd")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		b.out, b.err = cmd.CombinedOutput()
	})
	if b.err != nil {
		t.Fatalf("go build: %v\n%s", b.err, b.out)
	}
	return b.path
}

// proc is one running groupd process.
type proc struct {
	cmd  *exec.Cmd
	addr string
	logs *syncBuffer
	done chan error
}

// startBinary runs the binary with args (plus --log-format json) and waits
// for its "groupd listening" line. The process is stopped (SIGINT, then
// SIGKILL) when the test ends.
func startBinary(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{logs: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(buildBinary(t), append(args, "--log-format", "json")...)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			p.logs.Write([]byte(line + "\n"))
			var m struct{ Msg, Addr string }
			if !sent && json.Unmarshal([]byte(line), &m) == nil && m.Msg == "groupd listening" && m.Addr != "" {
				addr <- m.Addr
				sent = true
			}
		}
		io.Copy(io.Discard, stderr)
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.done:
		case <-time.After(40 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("--- groupd log (last 4 KiB) ---\n%s", tailString(p.logs.String(), 4096))
		}
	})
	select {
	case p.addr = <-addr:
	case err := <-p.done:
		t.Fatalf("groupd exited while starting: %v\n%s", err, p.logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("groupd did not start within 60s:\n%s", p.logs.String())
	}
	return p
}

// runBinary runs the binary to its end (at most 60 s) and returns its exit
// error and everything it printed.
func runBinary(t *testing.T, args ...string) (error, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, buildBinary(t), args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("groupd %s did not exit within 60s:\n%s", strings.Join(args, " "), out)
	}
	return err, string(out)
}

func tailString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
