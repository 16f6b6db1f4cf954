package openim

import (
	"context"
	"testing"
	"time"
)

// A token verified once is not verified in full again, yet expiry, not-yet
// valid and force_logout apply exactly as before.
func TestVerifiedTokenCacheKeepsTheRules(t *testing.T) {
	ctx := context.Background()
	now := time.UnixMilli(1_800_000_000_000)
	clock := func() time.Time { return now }
	rev := NewMemoryRevoker()
	tk := &tokens{key: signingKey(testSecret), ttl: time.Hour, now: clock, revoker: rev}
	tok, err := tk.issue(ctx, "alice", 1)
	if err != nil {
		t.Fatal(err)
	}
	code := func(err error) int {
		if err == nil {
			return 0
		}
		return asAPIError(err).code
	}
	for i := range 2 {
		if c, err := tk.verify(ctx, tok); err != nil || c.UserID != "alice" {
			t.Fatalf("verify %d: %v %+v", i, err, c)
		}
	}
	if _, ok := tk.seen.get(tok, now); !ok {
		t.Fatal("a verified token is not remembered")
	}
	// Tampered: not the remembered token, verified in full.
	if got := code(func() error { _, err := tk.verify(ctx, tok[:len(tok)-2]+"xx"); return err }()); got != codeTokenInvalid && got != codeTokenMalformed {
		t.Fatalf("tampered token: code %d", got)
	}
	// Before nbf and at or after exp it fails as without the cache.
	now = now.Add(-time.Minute)
	if got := code(func() error { _, err := tk.verify(ctx, tok); return err }()); got != codeTokenNotValidYet {
		t.Fatalf("before nbf: code %d", got)
	}
	now = now.Add(time.Minute + time.Hour)
	if got := code(func() error { _, err := tk.verify(ctx, tok); return err }()); got != codeTokenExpired {
		t.Fatalf("at exp: code %d", got)
	}
	// force_logout applies to a remembered token.
	now = now.Add(-30 * time.Minute)
	if _, err := tk.verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := rev.Revoke(ctx, "alice", 1); err != nil {
		t.Fatal(err)
	}
	if got := code(func() error { _, err := tk.verify(ctx, tok); return err }()); got != codeTokenKicked {
		t.Fatalf("after force_logout: code %d", got)
	}
}
