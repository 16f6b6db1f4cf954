package deploy

import (
	"bufio"
	"debug/elf"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// This machine has no Docker engine (and no registry to pull the base
// images from), so the image is checked another way, step by step:
//
//  1. the build context is made as docker would, by .dockerignore, and
//     must hold what the build needs and nothing secret;
//  2. the build stage's RUN steps run as written in that context, on the
//     same Debian 12 (glibc 2.36) the golang:*-bookworm image has;
//  3. the binaries are checked against the run stage: groupctl is static,
//     groupd needs no glibc newer than distroless/base-debian12's 2.36;
//  4. groupd runs as the image runs it: the ENTRYPOINT with the image's
//     environment, as the nonroot user 65532, on a data directory it owns.

// ignorePatterns reads .dockerignore as docker does: one pattern a line,
// # comments, a leading / dropped.
func ignorePatterns(t *testing.T) []*regexp.Regexp {
	t.Helper()
	var out []*regexp.Regexp
	sc := bufio.NewScanner(strings.NewReader(read(t, "../.dockerignore")))
	for sc.Scan() {
		p := strings.TrimSpace(sc.Text())
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		if strings.HasPrefix(p, "!") {
			t.Fatalf(".dockerignore: exceptions (%s) are not handled by this test", p)
		}
		p = strings.TrimPrefix(filepath.Clean(p), "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(p); i++ {
			switch {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case p[i] == '*':
				re.WriteString("[^/]*")
			case p[i] == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(p[i : i+1]))
			}
		}
		re.WriteString("$")
		out = append(out, regexp.MustCompile(re.String()))
	}
	return out
}

// ignored: docker leaves out a path that a pattern matches, and everything
// under a directory that one matches.
func ignored(patterns []*regexp.Regexp, rel string) bool {
	parts := strings.Split(rel, "/")
	for i := range parts {
		prefix := strings.Join(parts[:i+1], "/")
		for _, re := range patterns {
			if re.MatchString(prefix) {
				return true
			}
		}
	}
	return false
}

// buildContext copies the repository to dir as docker would send it.
func buildContext(t *testing.T, dir string) []string {
	t.Helper()
	patterns := ignorePatterns(t)
	root, _ := filepath.Abs("..")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if ignored(patterns, rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		dst := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files = append(files, rel)
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestDockerIgnore(t *testing.T) {
	patterns := ignorePatterns(t)
	for _, p := range []string{".git", ".git/config", "groupd-data", "groupd-data/secret", "groupd-data/groupd.db",
		"cmd/groupd/groupd-data/groupd.db", "groupd", "groupctl", "groupd-bench", "bench-data/x", "openim/openim.test"} {
		if !ignored(patterns, p) {
			t.Errorf(".dockerignore lets %s into the build context", p)
		}
	}
	for _, p := range []string{"go.mod", "go.sum", "cmd/groupd/main.go", "cmd/groupctl/main.go", "admin/static/app.js",
		"api/openapi.json", "store/sqlite/migrations/0001_init.sql", "deploy/Dockerfile"} {
		if ignored(patterns, p) {
			t.Errorf(".dockerignore keeps %s, which the build needs, out of the context", p)
		}
	}
}

// runSteps are the build stage's RUN instructions, continuation lines joined.
func runSteps(t *testing.T, df string) []string {
	t.Helper()
	var steps []string
	var cur strings.Builder
	inBuild := false
	for _, line := range strings.Split(df, "\n") {
		if strings.HasPrefix(line, "FROM ") {
			inBuild = strings.HasSuffix(strings.TrimSpace(line), " AS build")
		}
		if !inBuild {
			continue
		}
		if cur.Len() > 0 {
			cur.WriteString(strings.TrimSuffix(strings.TrimSpace(line), "\\") + " ")
			if !strings.HasSuffix(strings.TrimSpace(line), "\\") {
				steps = append(steps, strings.TrimSpace(cur.String()))
				cur.Reset()
			}
			continue
		}
		if rest, ok := strings.CutPrefix(line, "RUN "); ok {
			cur.WriteString(strings.TrimSuffix(strings.TrimSpace(rest), "\\") + " ")
			if !strings.HasSuffix(strings.TrimSpace(rest), "\\") {
				steps = append(steps, strings.TrimSpace(cur.String()))
				cur.Reset()
			}
		}
	}
	return steps
}

// TestDockerfileSteps runs the image's build steps without Docker (see the
// comment at the top of this file).
func TestDockerfileSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("builds groupd as the Dockerfile does")
	}
	if os.Getenv("CI") != "true" && os.Getenv("GROUPD_TEST_DOCKERFILE") != "1" {
		t.Skip("set GROUPD_TEST_DOCKERFILE=1 (CI=true does): the Dockerfile's -trimpath build compiles the cgo SQLite driver anew, about 4 minutes on a cold cache")
	}
	df := read(t, "Dockerfile")
	work := t.TempDir()
	ctxDir, out := filepath.Join(work, "src"), filepath.Join(work, "out")
	files := buildContext(t, ctxDir)
	t.Logf("build context: %d files", len(files))

	steps := runSteps(t, df)
	if len(steps) != 2 || steps[0] != "go mod download" {
		t.Fatalf("the build stage's RUN steps changed; update this test: %q", steps)
	}
	for _, step := range steps {
		// /out is the stage's output directory; here it is under work.
		step = strings.ReplaceAll(step, "/out/", out+"/")
		step = strings.ReplaceAll(step, "/out ", out+" ")
		cmd := exec.Command("bash", "-ec", step)
		cmd.Dir = ctxDir
		cmd.Env = append(os.Environ(), "VERSION=v0.0.0-dockerfile-test")
		start := time.Now()
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("RUN %s: %v\n%s", step, err, b)
		}
		t.Logf("RUN %s (%s)", step, time.Since(start).Round(time.Second))
	}

	// groupctl is static; groupd needs no glibc newer than the run stage's.
	if f, err := elf.Open(filepath.Join(out, "groupctl")); err != nil {
		t.Fatal(err)
	} else {
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("groupctl is dynamically linked; the Dockerfile builds it with CGO_ENABLED=0")
			}
		}
		f.Close()
	}
	f, err := elf.Open(filepath.Join(out, "groupd"))
	if err != nil {
		t.Fatal(err)
	}
	syms, err := f.ImportedSymbols()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if v, ok := strings.CutPrefix(s.Version, "GLIBC_"); ok && newerThan(v, "2.36") {
			t.Errorf("groupd needs %s@%s, newer than distroless/base-debian12's glibc 2.36", s.Name, s.Version)
		}
	}

	// The run stage: ENTRYPOINT and ENV as the image has them, user 65532.
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`(GROUPD_[A-Z_]+)=(\S+)`).FindAllStringSubmatch(df, -1) {
		env[m[1]] = m[2]
	}
	if env["GROUPD_DATA"] != "/var/lib/groupd" {
		t.Fatalf("the image's environment: %v", env)
	}
	data := filepath.Join(work, "var-lib-groupd")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := []string{filepath.Join(out, "groupd")}
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("setpriv"); err == nil {
			if err := os.Chown(data, 65532, 65532); err != nil {
				t.Fatal(err)
			}
			// t.TempDir's directories are 0700: let user 65532 reach its own.
			for _, d := range []string{filepath.Dir(work), work, out} {
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			args = append([]string{"setpriv", "--reuid=65532", "--regid=65532", "--clear-groups"}, args...)
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "GROUPD_ADDR="+addr, "GROUPD_DATA="+data, "GROUPD_LOG_FORMAT="+env["GROUPD_LOG_FORMAT"])
	var log lockedBuilder // the process writes while the test reads
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("groupd as the image runs it is not ready: %v\n%s", err, log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(log.String(), `"msg":"groupd listening"`) {
		t.Errorf("the image logs JSON (GROUPD_LOG_FORMAT=json); got\n%s", log.String())
	}
	if _, err := os.Stat(filepath.Join(data, "secret")); err != nil {
		t.Errorf("groupd as user 65532 did not keep its secret in the data directory: %v", err)
	}
	v, err := exec.Command(filepath.Join(out, "groupd"), "--version").Output()
	if err != nil || !strings.HasPrefix(string(v), "groupd v0.0.0-dockerfile-test") {
		t.Errorf("groupd --version: %q %v", v, err)
	}
}

// newerThan compares dotted versions: "2.38" is newer than "2.36".
func newerThan(v, than string) bool {
	a, b := strings.Split(v, "."), strings.Split(than, ".")
	for i := range max(len(a), len(b)) {
		x, y := 0, 0
		if i < len(a) {
			x, _ = strconv.Atoi(a[i])
		}
		if i < len(b) {
			y, _ = strconv.Atoi(b[i])
		}
		if x != y {
			return x > y
		}
	}
	return false
}

// lockedBuilder is a strings.Builder safe for one writer and one reader.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
