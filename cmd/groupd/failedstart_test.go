package main

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A start that fails (here: the port is taken) neither generates nor
// prints the one-time admin secret; the next successful start does.
func TestFailedStartPrintsNoSecret(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cases := []struct {
		name string
		args []string
		want string // in the error output
	}{
		{"API port in use", []string{"--addr", ln.Addr().String()}, "listen"},
		{"metrics port in use", []string{"--addr", "127.0.0.1:0", "--metrics-addr", ln.Addr().String()}, "--metrics-addr"},
		{"pprof port in use", []string{"--addr", "127.0.0.1:0", "--pprof-addr", ln.Addr().String()}, "--pprof-addr"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			err, out := runBinary(t, append(c.args, "--data", dir)...)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit: %v, want status 1\n%s", err, out)
			}
			if !strings.Contains(out, c.want) || !strings.Contains(out, "address already in use") {
				t.Errorf("output does not say why (%q, address already in use):\n%s", c.want, out)
			}
			if strings.Contains(out, "generated an admin secret") {
				t.Errorf("a failed start printed a generated secret:\n%s", out)
			}
			if _, err := os.Stat(filepath.Join(dir, "secret")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a failed start left a secret file: %v", err)
			}
		})
	}
	// The same data directory then starts and prints its secret once.
	dir := filepath.Join(t.TempDir(), "data")
	if err, _ := runBinary(t, "--addr", ln.Addr().String(), "--data", dir); err == nil {
		t.Fatal("start on a taken port succeeded")
	}
	p := startBinary(t, "--addr", "127.0.0.1:0", "--data", dir)
	b, err := os.ReadFile(filepath.Join(dir, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	if secret := strings.TrimSpace(string(b)); !strings.Contains(p.logs.String(), secret) {
		t.Fatalf("first successful start did not print its secret:\n%s", p.logs.String())
	}
}
