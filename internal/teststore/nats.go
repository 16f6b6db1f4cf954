package teststore

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATS returns the URL of the test NATS server with JetStream
// (GROUPD_TEST_NATS, default nats://127.0.0.1:4222). The test is skipped
// when none is usable, and fails when one is required (CI=true or
// GROUPD_REQUIRE_NATS=1).
func NATS(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv("GROUPD_TEST_NATS")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	nc, err := nats.Connect(url, nats.Timeout(3*time.Second))
	if err == nil {
		var js jetstream.JetStream
		if js, err = jetstream.New(nc); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			_, err = js.AccountInfo(ctx)
			cancel()
		}
		nc.Close()
	}
	if err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("GROUPD_REQUIRE_NATS") == "1" {
			tb.Fatalf("NATS with JetStream at %s is required (CI=true or GROUPD_REQUIRE_NATS=1) but not usable: %v", url, err)
		}
		tb.Skipf("NATS with JetStream at %s is not usable (%v): skipped; set GROUPD_TEST_NATS, or CI=true to make this a failure", url, err)
	}
	return url
}
