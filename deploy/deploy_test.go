// Package deploy holds the Dockerfile and the systemd unit; its test keeps
// them in step with the code and checks that versions are stamped.
package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDockerfile(t *testing.T) {
	df := read(t, "Dockerfile")
	gomod := read(t, "../go.mod")
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(gomod)
	if goVersion == nil || !strings.Contains(df, "FROM golang:"+goVersion[1]+"-bookworm AS build") {
		t.Errorf("the build stage's Go is not go.mod's go %v", goVersion)
	}
	for _, want := range []string{
		"CGO_ENABLED=1 go build", "./cmd/groupd", "./cmd/groupctl", "-X main.version=${VERSION}",
		"FROM gcr.io/distroless/base-debian12:nonroot", "USER nonroot:nonroot", "GROUPD_DATA=/var/lib/groupd",
		`ENTRYPOINT ["/usr/local/bin/groupd"]`,
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	for _, dir := range []string{"../cmd/groupd", "../cmd/groupctl"} {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("Dockerfile builds %s: %v", dir, err)
		}
	}
}

func TestSystemdUnit(t *testing.T) {
	unit := read(t, "groupd.service")
	for _, want := range []string{
		"ExecStart=/usr/local/bin/groupd", "DynamicUser=yes", "StateDirectory=groupd", "Environment=GROUPD_DATA=/var/lib/groupd",
		"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service", "KillSignal=SIGTERM",
		"WantedBy=multi-user.target",
	} {
		if !strings.Contains(unit, want+"\n") {
			t.Errorf("groupd.service lacks %q", want)
		}
	}
	if out, err := exec.Command("systemd-analyze", "verify", "groupd.service").CombinedOutput(); err == nil {
		t.Logf("systemd-analyze verify: ok %s", out)
	}
}

// TestVersionStamp builds groupd the way the Dockerfile does and runs
// --version.
func TestVersionStamp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds groupd")
	}
	bin := filepath.Join(t.TempDir(), "groupd")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v1.2.3-test", "-o", bin, "../cmd/groupd")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || string(out) != "groupd v1.2.3-test\n" {
		t.Fatalf("groupd --version: %q %v", out, err)
	}
}
