package main

import (
	"io"
	"runtime/debug"
	"testing"

	"github.com/groupd/groupd/openim"
)

func TestGzipMinBytesFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want int
	}{
		{nil, nil, openim.DefaultGzipMinBytes},
		{[]string{"--gzip-min-bytes", "4096"}, nil, 4096},
		{nil, map[string]string{"GROUPD_GZIP_MIN_BYTES": "100"}, 100},
		{[]string{"--gzip-min-bytes", "0"}, nil, 1},
		{[]string{"--gzip-min-bytes", "-1"}, nil, -1},
	} {
		cfg, err := parseConfig(c.args, func(k string) string { return c.env[k] }, io.Discard)
		if err != nil || cfg.GzipMinBytes != c.want {
			t.Errorf("%v %v: %d, %v; want %d", c.args, c.env, cfg.GzipMinBytes, err, c.want)
		}
	}
	for _, bad := range []string{"-2", "lots", "1.5"} {
		if _, err := parseConfig([]string{"--gzip-min-bytes", bad}, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("--gzip-min-bytes %s accepted", bad)
		}
	}
}

func TestGCDefaults(t *testing.T) {
	oldPercent, oldLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(oldPercent); debug.SetMemoryLimit(oldLimit) })

	if p, l := applyGCDefaults(func(string) string { return "" }); p != defaultGCPercent || l != memoryLimitFor(cgroupMemoryMax()) {
		t.Errorf("defaults: GOGC %d, GOMEMLIMIT %d", p, l)
	}
	// The standard variables win: the runtime read them at start, groupd
	// leaves them alone.
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(1 << 40)
	env := map[string]string{"GOGC": "100", "GOMEMLIMIT": "1TiB"}
	if p, l := applyGCDefaults(func(k string) string { return env[k] }); p != 100 || l != 1<<40 {
		t.Errorf("with GOGC and GOMEMLIMIT set: GOGC %d, GOMEMLIMIT %d", p, l)
	}
	for _, c := range []struct{ cgroup, want int64 }{
		{0, defaultMemoryLimit}, {8 << 30, defaultMemoryLimit}, {1 << 30, 768 << 20}, {512 << 20, 384 << 20},
	} {
		if got := memoryLimitFor(c.cgroup); got != c.want {
			t.Errorf("memoryLimitFor(%d) = %d, want %d", c.cgroup, got, c.want)
		}
	}
}
