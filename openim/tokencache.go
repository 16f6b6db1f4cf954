package openim

import (
	"sync"
	"time"
)

// verifiedTokens remembers tokens whose signature and claims were verified,
// so that a client sending the same token on every request pays for the
// HMAC and the claims' JSON once. A remembered token is accepted only while
// it is within its time window (checked as jwt does: now before exp, not
// before nbf); revocation is checked on every request. The key is the whole
// token, so a different token, or one byte changed, is verified in full.
type verifiedTokens struct {
	mu sync.RWMutex
	m  map[string]*verifiedToken
}

type verifiedToken struct {
	claims Claims
	exp    time.Time
	nbf    time.Time // zero: none
}

// maxVerifiedTokens bounds the memory: about 300 bytes a token.
const maxVerifiedTokens = 1 << 16

// get returns a copy of raw's claims when raw was verified before and is
// valid at now.
func (v *verifiedTokens) get(raw string, now time.Time) (*Claims, bool) {
	v.mu.RLock()
	e, ok := v.m[raw]
	v.mu.RUnlock()
	if !ok || !now.Before(e.exp) || (!e.nbf.IsZero() && now.Before(e.nbf)) {
		return nil, false
	}
	c := e.claims
	return &c, true
}

// put remembers raw's verified claims (which have an expiry).
func (v *verifiedTokens) put(raw string, c *Claims) {
	if c.ExpiresAt == nil {
		return
	}
	e := &verifiedToken{claims: *c, exp: c.ExpiresAt.Time}
	if c.NotBefore != nil {
		e.nbf = c.NotBefore.Time
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= maxVerifiedTokens {
		v.m = make(map[string]*verifiedToken) // start over rather than track recency
	}
	v.m[raw] = e
}
