package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/groupd/groupd/openim"
)

// Memory and CPU settings of the server process (README, Performance).
//
// The Go garbage collector's default target (GOGC=100: collect when the
// heap has doubled) suits large heaps. groupd's live heap is small (a few
// MB of in-flight requests plus the read cache) while it allocates tens of
// KB per request, so under load it collected dozens of times a second and
// spent 6–12% of its CPU doing so. Unless the standard variables say
// otherwise, groupd runs with
//
//   - GOGC=400: collect when the heap has grown by four times what was
//     live after the last collection;
//   - GOMEMLIMIT=768MiB (or three quarters of a cgroup memory limit below
//     1 GiB): the Go heap is collected harder as it nears this, so the
//     larger target cannot run the process out of memory. SQLite's page
//     caches (64 MiB for the writer, 16 MiB per read connection) are C
//     memory outside this limit: the process stays under the limit plus
//     those caches (under 1 GiB by default).
//
// GOGC and GOMEMLIMIT in the environment win (GOGC=100 restores Go's
// default; GOMEMLIMIT=off removes the limit).
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 768 << 20
)

// applyGCDefaults sets the collector's target and memory limit unless the
// environment sets them, and returns what is in force, for the log.
func applyGCDefaults(getenv func(string) string) (gcPercent int, memLimit int64) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimitFor(cgroupMemoryMax()))
	}
	gcPercent = debug.SetGCPercent(-1)
	debug.SetGCPercent(gcPercent)
	return gcPercent, debug.SetMemoryLimit(-1)
}

// memoryLimitFor is the default memory limit in a cgroup allowing cgroupMax
// bytes (0: no limit known): defaultMemoryLimit, or three quarters of a
// smaller cgroup limit.
func memoryLimitFor(cgroupMax int64) int64 {
	if cgroupMax > 0 && cgroupMax < defaultMemoryLimit*4/3 {
		return cgroupMax / 4 * 3
	}
	return defaultMemoryLimit
}

// cgroupMemoryMax reads the cgroup v2 memory limit of this process (0 when
// there is none or it cannot be read).
func cgroupMemoryMax() int64 {
	b, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil { // "max"
		return 0
	}
	return n
}

// perfFlagValues are the performance flags as given, parsed by parse.
type perfFlagValues struct {
	gzipMin string
}

// perfFlags registers the performance flags on fs.
func perfFlags(fs *flag.FlagSet, env func(name, def string) string) *perfFlagValues {
	v := &perfFlagValues{}
	fs.StringVar(&v.gzipMin, "gzip-min-bytes", env("GROUPD_GZIP_MIN_BYTES", strconv.Itoa(openim.DefaultGzipMinBytes)),
		"OpenIM answers of at least this many bytes are gzip-compressed for clients that accept gzip; 0 = every answer, -1 = none (GROUPD_GZIP_MIN_BYTES)")
	return v
}

// parse checks the flag values into c.
func (v *perfFlagValues) parse(c *Config) error {
	n, err := strconv.Atoi(v.gzipMin)
	if err != nil || n < -1 {
		return fmt.Errorf("--gzip-min-bytes %q is not a whole number of -1 or more", v.gzipMin)
	}
	switch n {
	case -1:
		c.GzipMinBytes = -1
	case 0:
		c.GzipMinBytes = 1 // openim.Config: 1 compresses every answer
	default:
		c.GzipMinBytes = n
	}
	return nil
}
