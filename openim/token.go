package openim

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// AdminPlatformID is the platformID of tokens from get_admin_token (OpenIM's
// "Admin" platform). User tokens are for platforms 1–9.
const AdminPlatformID = 10

// Claims is the token payload, named as OpenIM names it. Gen is groupd's:
// the (user, platform) token generation the token was issued in, which
// force_logout raises.
type Claims struct {
	UserID     string `json:"UserID"`
	PlatformID int    `json:"PlatformID"`
	Gen        uint64 `json:"Gen,omitempty"`
	jwt.RegisteredClaims
}

// TokenRevoker keeps, per (userID, platformID), the token generation in
// force. A token of an older generation is "kicked" (1506). The in-memory
// and file implementations serve one process; a Redis one can serve many.
type TokenRevoker interface {
	// Generation returns the current generation (0 when never revoked).
	Generation(ctx context.Context, userID string, platformID int) (uint64, error)
	// Revoke raises the generation, kicking every token issued before.
	Revoke(ctx context.Context, userID string, platformID int) error
}

// tokens signs and verifies tokens.
type tokens struct {
	key     []byte
	ttl     time.Duration
	now     func() time.Time
	revoker TokenRevoker
	seen    verifiedTokens // tokens verified before (see tokencache.go)

	// legacyKey, when set, verifies the tokens issued before legacyBefore:
	// those a groupd without an installation salt signed with the key of
	// the secret alone. They stay valid until they expire.
	legacyKey    []byte
	legacyBefore time.Time
}

// newTokens returns the token signer of cfg: with cfg.TokenSalt, the key
// comes from the secret and the salt (see saltedSigningKey); without, from
// the secret alone.
func newTokens(cfg Config) *tokens {
	t := &tokens{key: signingKey(cfg.Secret), ttl: cfg.TokenTTL, now: cfg.Now, revoker: cfg.Revoker}
	if len(cfg.TokenSalt) > 0 {
		t.legacyKey, t.legacyBefore = t.key, cfg.TokenSaltCreated
		t.key = saltedSigningKey(cfg.Secret, cfg.TokenSalt)
	}
	return t
}

// signingKey derives the HMAC key from the secret alone, so the secret
// itself is never the key of anything else. A token signed with it lets
// its holder test guesses of the secret offline: groupd uses it only
// without an installation salt (embedded uses, tests) and to accept the
// tokens issued before the salt existed.
func signingKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("groupd-openim-token"))
	return m.Sum(nil)
}

// saltedSigningKey derives the HMAC key from the secret and the
// installation's random salt (HKDF-SHA256): without the salt, which never
// leaves the database, a token is no test of a guessed secret.
func saltedSigningKey(secret string, salt []byte) []byte {
	key, err := hkdf.Key(sha256.New, []byte(secret), salt, "groupd-openim-token-v2", sha256.Size)
	if err != nil {
		panic("openim: hkdf: " + err.Error()) // only for lengths sha256 cannot give
	}
	return key
}

// keyFor picks the key that must have signed tok: the legacy key for a
// token issued before the salt existed, else the current one.
func (t *tokens) keyFor(tok *jwt.Token) (any, error) {
	if t.legacyKey != nil {
		if c, ok := tok.Claims.(*Claims); ok && c.IssuedAt != nil && c.IssuedAt.Time.Before(t.legacyBefore) {
			return t.legacyKey, nil
		}
	}
	return t.key, nil
}

// issue makes a token for (userID, platformID) in the current generation.
func (t *tokens) issue(ctx context.Context, userID string, platformID int) (string, error) {
	gen, err := t.revoker.Generation(ctx, userID, platformID)
	if err != nil {
		return "", fmt.Errorf("read token generation: %w", err)
	}
	now := t.now()
	c := Claims{
		UserID: userID, PlatformID: platformID, Gen: gen,
		RegisteredClaims: jwt.RegisteredClaims{
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
		},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.key)
}

// verify checks a token and answers OpenIM's token errors (1501–1507).
func (t *tokens) verify(ctx context.Context, raw string) (*Claims, error) {
	if c, ok := t.seen.get(raw, t.now()); ok {
		return t.checkGeneration(ctx, c)
	}
	var c Claims
	_, err := jwt.ParseWithClaims(raw, &c, t.keyFor,
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithTimeFunc(t.now),
		jwt.WithExpirationRequired(),
	)
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenMalformed):
		return nil, errorf(codeTokenMalformed, "token is malformed")
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, errorf(codeTokenExpired, "token expired")
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return nil, errorf(codeTokenNotValidYet, "token is not valid yet")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return nil, errorf(codeTokenInvalid, "token signature is invalid or its algorithm is not HS256")
	default:
		return nil, errorf(codeTokenUnknown, "token cannot be verified")
	}
	if c.UserID == "" {
		return nil, errorf(codeTokenUnknown, "token names no user")
	}
	t.seen.put(raw, &c)
	return t.checkGeneration(ctx, &c)
}

// checkGeneration refuses a token of a generation force_logout ended (or
// one this server never issued).
func (t *tokens) checkGeneration(ctx context.Context, c *Claims) (*Claims, error) {
	gen, err := t.revoker.Generation(ctx, c.UserID, c.PlatformID)
	if err != nil {
		return nil, fmt.Errorf("read token generation: %w", err)
	}
	if c.Gen < gen {
		return nil, errorf(codeTokenKicked, "token was revoked by force_logout")
	}
	if c.Gen > gen {
		return nil, errorf(codeTokenNotExist, "token was not issued by this server")
	}
	return c, nil
}

func revokeKey(userID string, platformID int) string {
	return strconv.Itoa(platformID) + "/" + userID
}

// MemoryRevoker keeps generations in memory: a restart forgets logouts.
type MemoryRevoker struct {
	mu   sync.RWMutex
	gens map[string]uint64
}

// NewMemoryRevoker returns an empty MemoryRevoker.
func NewMemoryRevoker() *MemoryRevoker { return &MemoryRevoker{gens: map[string]uint64{}} }

func (m *MemoryRevoker) Generation(_ context.Context, userID string, platformID int) (uint64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.gens[revokeKey(userID, platformID)], nil
}

func (m *MemoryRevoker) Revoke(_ context.Context, userID string, platformID int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gens[revokeKey(userID, platformID)]++
	return nil
}
