package openim

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestClientKey(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"192.0.2.7:5555", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:5555", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "2001:db8:1:2::/64"},
		{"not-an-address", "not-an-address"},
	} {
		if got := clientKey(c.in); got != c.want {
			t.Errorf("clientKey(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The throttle's budgets, on a fake clock: failures spend them, right
// secrets give back, time refills.
func TestSecretThrottle(t *testing.T) {
	now := time.Unix(1e9, 0)
	s := newSecretThrottle(func() time.Time { return now })
	attempt := func(addr string, right bool) bool {
		done, _, ok := s.begin(addr)
		if ok {
			done(right)
		}
		return ok
	}
	for i := range AdminSecretFailuresPerAddress {
		if !attempt("192.0.2.1:1", false) {
			t.Fatalf("failure %d refused", i+1)
		}
	}
	if attempt("192.0.2.1:2", true) {
		t.Fatal("a throttled address may try the right secret")
	}
	if _, wait, _ := s.begin("192.0.2.1:3"); wait <= 0 || wait > AdminSecretRefillPerAddress {
		t.Fatalf("wait %v", wait)
	}
	for range 3 * AdminSecretFailuresPerAddress {
		if !attempt("192.0.2.2:1", true) {
			t.Fatal("right secrets are throttled")
		}
	}
	now = now.Add(AdminSecretRefillPerAddress)
	if !attempt("192.0.2.1:4", false) || attempt("192.0.2.1:5", false) {
		t.Fatal("want one failure back after one refill period")
	}
	// Overall: spread over addresses, the budget ends.
	n := 0
	for i := 0; i < 1000 && attempt("198.51.100."+string(rune('0'+i%10))+string(rune('0'+i/10%10))+":1", false); i++ {
		n++
	}
	if n == 0 || n > AdminSecretFailuresOverall {
		t.Fatalf("%d failures over many addresses, overall budget %d", n, AdminSecretFailuresOverall)
	}
}

// With an installation salt, tokens are signed with the salted key; the
// tokens a groupd without salt issued before the salt existed (signed with
// the key of the secret alone) stay valid until they expire, and no later
// one signed so is accepted.
func TestSaltedSigningKey(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	created := now.Add(-time.Hour)
	salt := []byte("0123456789abcdef0123456789abcdef")
	cfg := Config{Secret: testSecret, TokenSalt: salt, TokenSaltCreated: created, TokenTTL: 24 * time.Hour,
		Now: func() time.Time { return now }, Revoker: NewMemoryRevoker()}
	tk := newTokens(cfg)
	issued, err := tk.issue(context.Background(), "alice", 1)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(key []byte, iat time.Time) string {
		c := Claims{UserID: "alice", PlatformID: 1, RegisteredClaims: jwt.RegisteredClaims{
			IssuedAt: jwt.NewNumericDate(iat), NotBefore: jwt.NewNumericDate(iat), ExpiresAt: jwt.NewNumericDate(iat.Add(48 * time.Hour))}}
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	cases := []struct {
		name  string
		token string
		code  int // 0: valid
	}{
		{"issued now", issued, 0},
		{"salted key, before the salt", sign(saltedSigningKey(testSecret, salt), created.Add(-time.Minute)), codeTokenInvalid},
		{"legacy key, before the salt", sign(signingKey(testSecret), created.Add(-time.Minute)), 0},
		{"legacy key, after the salt", sign(signingKey(testSecret), created.Add(time.Minute)), codeTokenInvalid},
		{"another installation's salt", sign(saltedSigningKey(testSecret, []byte("another-salt-0123456789")), now.Add(-time.Minute)), codeTokenInvalid},
		{"another secret", sign(saltedSigningKey("another-secret-0123", salt), now.Add(-time.Minute)), codeTokenInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := tk.verify(context.Background(), c.token)
			code := 0
			if err != nil {
				code = asAPIError(err).code
			}
			if code != c.code {
				t.Fatalf("verify: errCode %d (%v), want %d", code, err, c.code)
			}
		})
	}
	if bytes.Equal(tk.key, signingKey(testSecret)) {
		t.Fatal("the salted key is the key of the secret alone")
	}
	// Without a salt (embedded uses): the key of the secret alone.
	if k := newTokens(Config{Secret: testSecret}).key; !bytes.Equal(k, signingKey(testSecret)) {
		t.Fatal("without a salt the key changed")
	}
}
