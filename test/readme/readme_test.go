// Package readme proves that README.md runs as written: every sh block, in
// order, in a fresh copy of the repository (so a fresh ./groupd-data), with
// the real binaries the README's own commands build. A block followed by a
// json or text block must print that (after the times of the run are
// blanked). A comment just before a block tells the test how to treat it:
//
//	<!-- readme-test: background http://localhost:10002/readyz -->
//	    the block starts the server: it runs in the background and the
//	    next block waits until the URL answers
//	<!-- readme-test: skip REASON -->
//	    not run (the test suite itself; blocks that need PostgreSQL)
//
// The blocks run in a network namespace of their own (unshare -n, as root)
// so that the README's localhost:10002 is theirs; without one, the test
// needs port 10002 free.
package readme

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/groupd/groupd/api/apitest"
)

// block is a fenced block of the README.
type block struct {
	lang, body string
	line       int    // of the opening fence
	note       string // the readme-test annotation, "" when none
	output     *block // the json or text block that follows it
}

var noteRE = regexp.MustCompile(`^<!--\s*readme-test:\s*(.*?)\s*-->$`)

// parse returns the README's fenced blocks in order.
func parse(readme string) []*block {
	var blocks []*block
	var cur *block
	var body strings.Builder
	lastText, note := "", ""
	blankSince := false // only blank lines since the last block closed
	sc := bufio.NewScanner(strings.NewReader(readme))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if cur != nil {
			if trimmed == "```" {
				cur.body = body.String()
				if len(blocks) > 0 && blankSince && (cur.lang == "json" || cur.lang == "text") && blocks[len(blocks)-1].lang == "sh" {
					blocks[len(blocks)-1].output = cur
				} else {
					blocks = append(blocks, cur)
				}
				cur = nil
				blankSince = true
				lastText = ""
				continue
			}
			body.WriteString(line + "\n")
			continue
		}
		if lang, ok := strings.CutPrefix(trimmed, "```"); ok {
			note = ""
			if m := noteRE.FindStringSubmatch(lastText); m != nil {
				note = m[1]
			}
			cur = &block{lang: lang, line: n, note: note}
			body.Reset()
			continue
		}
		if trimmed != "" {
			lastText = trimmed
			blankSince = false
		}
	}
	return blocks
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	return root
}

// copyTree copies the repository as a fresh clone would have it: no .git,
// no data directories, no built binaries.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	skip := map[string]bool{".git": true, "groupd-data": true, "bench-data": true, "node_modules": true}
	rootFiles := map[string]bool{"groupd": true, "groupctl": true, "groupd-bench": true}
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if skip[d.Name()] || (filepath.Dir(rel) == "." && rootFiles[rel]) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		dst := filepath.Join(to, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case d.Type().IsRegular():
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			info, _ := d.Info()
			return os.WriteFile(dst, b, info.Mode().Perm())
		}
		return nil // symlinks, sockets: not in a clone
	})
	if err != nil {
		t.Fatal(err)
	}
}

// normalize blanks what changes from run to run: creation times, clock
// times, durations.
func normalize(s string) string {
	for _, r := range []struct{ re, with string }{
		{`"createTime":\d+`, `"createTime":0`},
		{`\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ`, `YYYY-MM-DD hh:mm:ssZ`},
		{`\(\d+\.\ds\)`, `(0.0s)`},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.with)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		lines = append(lines, strings.TrimRight(l, " \t"))
	}
	return strings.Join(lines, "\n")
}

func canUnshare() bool {
	if os.Geteuid() != 0 {
		return false
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return false
	}
	return exec.Command("unshare", "-n", "true").Run() == nil
}

func TestREADME(t *testing.T) {
	if testing.Short() {
		t.Skip("builds groupd and runs the README")
	}
	for _, tool := range []string{"bash", "curl", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is missing", tool)
		}
	}
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := parse(string(readme))

	work := t.TempDir()
	src := filepath.Join(work, "groupd")
	bin := filepath.Join(work, "bin")
	out := filepath.Join(work, "out")
	for _, d := range []string{src, bin, out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyTree(t, root, src)

	// The environment of a new shell: none of groupd's variables, and the
	// directory go install fills on the PATH.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GROUPD_") && !strings.HasPrefix(kv, "GOBIN=") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	env = append(env, "GOBIN="+bin, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	// Modules come from the network, which the namespace has not.
	dl := exec.Command("go", "mod", "download")
	dl.Dir, dl.Env = src, env
	if b, err := dl.CombinedOutput(); err != nil {
		t.Fatalf("go mod download: %v\n%s", err, b)
	}

	var script strings.Builder
	script.WriteString("set -eo pipefail\ncd " + shellQuote(src) + "\n")
	var run []*block
	for _, b := range blocks {
		if b.lang != "sh" {
			continue
		}
		if reason, ok := strings.CutPrefix(b.note, "skip"); ok {
			t.Logf("README.md:%d: not run:%s", b.line, reason)
			continue
		}
		i := len(run)
		run = append(run, b)
		o, e := filepath.Join(out, fmt.Sprint(i, ".out")), filepath.Join(out, fmt.Sprint(i, ".err"))
		fmt.Fprintf(&script, "# README.md:%d\nblock%d() {\n%s\n}\n", b.line, i, b.body)
		if url, ok := strings.CutPrefix(b.note, "background "); ok {
			fmt.Fprintf(&script, "block%d >%s 2>%s &\n", i, shellQuote(o), shellQuote(e))
			fmt.Fprintf(&script, "for _ in $(seq 240); do curl -sf -o /dev/null %s && break; sleep 0.5; done\ncurl -sf -o /dev/null %s\n",
				shellQuote(url), shellQuote(url))
		} else {
			fmt.Fprintf(&script, "block%d >%s 2>%s\n", i, shellQuote(o), shellQuote(e))
		}
		fmt.Fprintf(&script, "echo %d >>%s\n", i, shellQuote(filepath.Join(out, "done")))
	}
	script.WriteString("kill $(jobs -p) 2>/dev/null || true\nwait\n")
	scriptPath := filepath.Join(work, "readme.sh")
	if err := os.WriteFile(scriptPath, []byte(script.String()), 0o755); err != nil {
		t.Fatal(err)
	}

	var cmd *exec.Cmd
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if canUnshare() {
		cmd = exec.CommandContext(ctx, "unshare", "-n", "bash", "-c", "ip link set lo up && exec bash "+shellQuote(scriptPath))
	} else {
		ln, err := net.Listen("tcp", ":10002")
		if err != nil {
			t.Skipf("port 10002 is taken and there is no network namespace to run the README in (unshare -n, as root): %v", err)
		}
		ln.Close()
		cmd = exec.CommandContext(ctx, "bash", scriptPath)
	}
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	start := time.Now()
	runErr := cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // anything the README left running
	}
	t.Logf("ran %d README blocks in %s", len(run), time.Since(start).Round(time.Second))

	doneRaw, _ := os.ReadFile(filepath.Join(out, "done"))
	done := len(strings.Fields(string(doneRaw)))
	read := func(i int, ext string) string {
		b, _ := os.ReadFile(filepath.Join(out, fmt.Sprint(i, ext)))
		return string(b)
	}
	checked := 0
	defer func() { t.Logf("%d answers printed by curl checked against api/openapi.json", checked) }()
	for i := 0; i < done; i++ {
		b := run[i]
		if checkAnswer(t, b, read(i, ".out")) {
			checked++
		}
		if b.output == nil {
			continue
		}
		got, want := normalize(read(i, ".out")), normalize(b.output.body)
		if got != want {
			t.Errorf("README.md:%d: the block printed\n%s\nbut README.md:%d shows\n%s", b.line, got, b.output.line, want)
		}
	}
	if runErr != nil || done < len(run) {
		if done < len(run) {
			b := run[done]
			t.Fatalf("README.md:%d: the block failed (%v):\n%s\nstdout:\n%s\nstderr:\n%s\nshell:\n%s",
				b.line, runErr, b.body, read(done, ".out"), lastLines(read(done, ".err"), 40), stderr.String())
		}
		t.Fatalf("the README script: %v\n%s", runErr, stderr.String())
	}
}

// checkAnswer validates what a block printed against api/openapi.json when
// that is one answer: the block ends with a curl to an OpenIM or ZIM route
// whose output is not piped, and printed one JSON value. curl -s prints no
// status: the answer is taken as HTTP 200, as every OpenIM and ZIM answer
// is but the server's refusals (busy, too large, too slow), which the
// README does not show. checked says whether it was an answer to check.
func checkAnswer(t *testing.T, b *block, out string) (checked bool) {
	t.Helper()
	req, ok := lastCurl(b.body)
	if !ok || !json.Valid([]byte(out)) {
		return false
	}
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	described, err := apitest.CheckAnswer(req, http.StatusOK, h, []byte(strings.TrimSpace(out)))
	if described && err != nil {
		t.Errorf("README.md:%d: %s %s answered what api/openapi.json does not describe: %v\nanswer: %.600s", b.line, req.Method, req.URL.RequestURI(), err, out)
	}
	return described
}

var (
	curlURLRE    = regexp.MustCompile(`(?:https?://)?localhost:\d+[^\s'"]*`)
	curlMethodRE = regexp.MustCompile(`(?:-X|--request)\s+([A-Z]+)`)
)

// lastCurl is the request of a block's last command when that is a curl
// printing its answer (not in $(...), not piped or redirected).
func lastCurl(body string) (*http.Request, bool) {
	// The last command: from the last line that starts a curl to the end
	// (its arguments may go on over lines, in quotes or after a backslash).
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "curl ") {
			start = i
		}
	}
	if start < 0 {
		return nil, false
	}
	cmd := strings.Join(lines[start:], "\n")
	if strings.Contains(cmd, "| ") || strings.Contains(cmd, ">") {
		return nil, false
	}
	u := curlURLRE.FindString(cmd)
	if u == "" {
		return nil, false
	}
	if !strings.Contains(u, "://") {
		u = "http://" + u
	}
	method := http.MethodGet
	if m := curlMethodRE.FindStringSubmatch(cmd); m != nil {
		method = m[1]
	} else if strings.Contains(cmd, " -d ") || strings.Contains(cmd, " --data") {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, u, nil)
	return req, err == nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// TestParse: the block reader pairs outputs and reads the annotations.
func TestParse(t *testing.T) {
	md := "text\n\n<!-- readme-test: skip the suite -->\n```sh\ngo test ./...\n```\n\n```sh\necho hi\n```\n```text\nhi\n```\n\nthen\n```json\n{}\n```\n"
	bs := parse(md)
	if len(bs) != 3 || bs[0].note != "skip the suite" || bs[1].output == nil || bs[1].output.body != "hi\n" || bs[2].lang != "json" || bs[1].note != "" {
		t.Fatalf("%+v", bs)
	}
}

// TestLastCurl: the request of a block's last curl, when it prints.
func TestLastCurl(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"ADMIN=$(curl -s localhost:10002/auth/get_admin_token -d '{}' | sed x)\ncurl -s localhost:10002/user/user_register -H \"token: $ADMIN\" -d '{\"users\":[\n  {\"userID\":\"1\"}]}'\n", "POST /user/user_register"},
		{"curl -s localhost:10002/group/get_groups_info -H 'operationID: 4' \\\n  -d '{\"groupIDs\":[\"1\"]}'\n", "POST /group/get_groups_info"},
		{"curl -s -X GET 'http://localhost:10002/?Action=DismissGroup&GroupId=g'\n", "GET /?Action=DismissGroup&GroupId=g"},
		{"curl -s localhost:10003/readyz\n", "GET /readyz"},
		{"curl -s localhost:10002/openapi.html | grep -o '<title>.*</title>'\n", ""},
		{"curl -s localhost:10002/group/get_groups_info -d '{}' > out.json\n", ""},
		{"BOB=$(curl -s localhost:10002/auth/get_user_token -d '{}')\n", ""},
		{"./groupd --addr :10003 &\n", ""},
	} {
		req, ok := lastCurl(c.body)
		got := ""
		if ok {
			got = req.Method + " " + req.URL.RequestURI()
		}
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.body, got, c.want)
		}
	}
}
