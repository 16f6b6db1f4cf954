package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/groupd/groupd/client"
)

// TestHelpListsSubcommands: groupd --help names backup, restore and
// version, then the flags.
func TestHelpListsSubcommands(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"--help"}, func(string) string { return "" }, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, want := range []string{"groupd backup --out FILE", "groupd restore --in FILE", "groupd version", "-zim-server-secret", "-log-level"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, out.String())
		}
	}
}

// TestLogLevelChecked: a log level slog does not know is refused at start.
func TestLogLevelChecked(t *testing.T) {
	env := func(string) string { return "" }
	if _, err := parseConfig([]string{"--log-level", "loud"}, env, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), `--log-level "loud"`) {
		t.Fatalf("--log-level loud: %v", err)
	}
	for _, lvl := range []string{"debug", "info", "WARN", "error"} {
		if _, err := parseConfig([]string{"--log-level", lvl}, env, &bytes.Buffer{}); err != nil {
			t.Errorf("--log-level %s: %v", lvl, err)
		}
	}
}

// TestConsoleHistoryRoute: the admin console's dashboard data is served on
// the API's address to app admins' tokens only.
func TestConsoleHistoryRoute(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Secret = "history-secret-0123456789"
	var logs syncBuffer
	m := start(t, cfg, &logs)
	base := "http://" + m.Addr()
	get := func(token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, base+"/admin/api/history", nil)
		if token != "" {
			req.Header.Set("token", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(""); code != http.StatusUnauthorized {
		t.Fatalf("without a token: HTTP %d", code)
	}
	token, err := client.New(base, client.WithSecret(cfg.Secret)).Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	code, body := get(token)
	if code != 200 || !strings.Contains(body, `"stepSeconds":10`) || !strings.Contains(body, `"openim"`) {
		t.Fatalf("with an admin token: HTTP %d %.200s", code, body)
	}
}
