package redisx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"
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
	// Rate limit keys live under redis_rate's own "rate:" prefix.
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
