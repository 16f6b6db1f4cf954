package redisx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultTestURL is the Redis tests use unless GROUPD_TEST_REDIS names another.
const DefaultTestURL = "redis://127.0.0.1:6379/0"

// TestURL returns $GROUPD_TEST_REDIS or DefaultTestURL.
func TestURL() string {
	if u := os.Getenv("GROUPD_TEST_REDIS"); u != "" {
		return u
	}
	return DefaultTestURL
}

// TestPrefix returns a fresh key prefix for one test, so tests (and test
// runs) sharing one Redis never see each other's keys.
func TestPrefix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "groupd-test:" + hex.EncodeToString(b) + ":"
}

// RequireTestRedis skips tb when the test Redis cannot be reached, unless
// CI=true or GROUPD_REQUIRE_REDIS=1, which make that a failure. It returns
// the URL.
func RequireTestRedis(tb testing.TB) string {
	tb.Helper()
	url := TestURL()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := Open(ctx, url, Options{Prefix: "groupd-test:"})
	if err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("GROUPD_REQUIRE_REDIS") == "1" {
			tb.Fatalf("redis: test Redis at %s is not reachable: %v", url, err)
		}
		tb.Skipf("redis: skipping, Redis is not reachable at %s (set GROUPD_TEST_REDIS; CI=true or GROUPD_REQUIRE_REDIS=1 make this a failure): %v", url, err)
	}
	c.Close()
	return url
}

// OpenTest opens a Client on the test Redis (see RequireTestRedis) with a
// fresh prefix, and deletes the prefix's keys when tb ends.
func OpenTest(tb testing.TB, opts Options) *Client {
	tb.Helper()
	url := RequireTestRedis(tb)
	if opts.Prefix == "" {
		opts.Prefix = TestPrefix()
	}
	c, err := Open(context.Background(), url, opts)
	if err != nil {
		tb.Fatalf("redis: %v", err)
	}
	tb.Cleanup(func() {
		DeletePrefix(context.Background(), url, opts.Prefix)
		c.Close()
	})
	return c
}

// DeletePrefix deletes every key under prefix (best effort; for tests).
func DeletePrefix(ctx context.Context, url, prefix string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := Open(ctx, url, Options{Prefix: prefix})
	if err != nil {
		return
	}
	defer c.Close()
	// Rate limit keys of older versions lived under redis_rate's own
	// "rate:" prefix.
	for _, pattern := range []string{prefix + "*", "rate:" + prefix + "*"} {
		iter := c.rdb.Scan(ctx, 0, pattern, 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
			if len(keys) == 500 {
				c.rdb.Unlink(ctx, keys...)
				keys = keys[:0]
			}
		}
		if len(keys) > 0 {
			c.rdb.Unlink(ctx, keys...)
		}
	}
}

// PrivateServer is a redis-server process of one test, on a port of its
// own, with its dump file in a directory of its own: a Redis the test may
// SAVE, kill and restart from its dump (see StartPrivateServer).
type PrivateServer struct {
	tb   testing.TB
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

// StartPrivateServer starts a redis-server on a free loopback port, with
// no automatic snapshots and no append-only file, and stops it when tb
// ends. It skips tb when redis-server is not installed, unless CI=true or
// GROUPD_REQUIRE_REDIS=1, which make that a failure.
func StartPrivateServer(tb testing.TB) *PrivateServer {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("GROUPD_REQUIRE_REDIS") == "1" {
			tb.Fatalf("redis: redis-server is not installed: %v", err)
		}
		tb.Skipf("redis: skipping, redis-server is not installed (CI=true or GROUPD_REQUIRE_REDIS=1 make this a failure): %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &PrivateServer{tb: tb, bin: bin, dir: tb.TempDir(), port: port}
	s.Start()
	tb.Cleanup(s.Kill)
	return s
}

// URL is the server's redis:// URL.
func (s *PrivateServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// Start starts the server (again), loading its dump file if there is one,
// and waits until it answers PING.
func (s *PrivateServer) Start() {
	s.tb.Helper()
	s.cmd = exec.Command(s.bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no", "--protected-mode", "no")
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, io.Discard
	if err := s.cmd.Start(); err != nil {
		s.tb.Fatalf("redis: start redis-server: %v", err)
	}
	done := make(chan struct{})
	s.done = done
	go func(cmd *exec.Cmd) { cmd.Wait(); close(done) }(s.cmd)
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.port), MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		select {
		case <-done:
			s.tb.Fatalf("redis: redis-server on port %d exited at start", s.port)
		default:
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("redis: redis-server on port %d does not answer: %v", s.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Save writes the dump file now (SAVE): what a restart will load.
func (s *PrivateServer) Save() {
	s.tb.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.port)})
	defer rdb.Close()
	if err := rdb.Save(context.Background()).Err(); err != nil {
		s.tb.Fatalf("redis: SAVE: %v", err)
	}
}

// Kill stops the server with SIGKILL (nothing is saved) and waits for it.
func (s *PrivateServer) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}
