package redisx

import (
	"context"
	"time"
)

// Nonces is a replay store shared by every node: SET key NX with the
// remaining lifetime, so a nonce used on one node is refused on all. It
// implements zim.NonceStore. If Redis loses its data, a nonce seen before
// the loss could be replayed within its signature window; that is the one
// thing Redis data loss can cost, and only while the signature is still
// fresh (zim.Config.MaxSkew).
type Nonces struct {
	c   *Client
	ns  string
	now func() time.Time
}

// NewNonces returns a shared nonce store; now is the clock expiry times are
// measured against (time.Now when nil).
func (c *Client) NewNonces(now func() time.Time) *Nonces {
	if now == nil {
		now = time.Now
	}
	return &Nonces{c: c, ns: c.key("nonce") + ":", now: now}
}

// Seen implements zim.NonceStore. The key lives for expiry minus now (at
// least a second), measured on this node's clock rather than as an
// absolute time, so Redis's clock does not matter.
func (n *Nonces) Seen(ctx context.Context, key string, expiry time.Time) (bool, error) {
	if err := n.c.begin(); err != nil {
		return false, err
	}
	ttl := max(expiry.Sub(n.now()), time.Second)
	set, err := n.c.rdb.SetNX(ctx, n.ns+key, 1, ttl).Result()
	if err = n.c.end(err); err != nil {
		return false, err
	}
	return !set, nil
}
