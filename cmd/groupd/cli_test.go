package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
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
