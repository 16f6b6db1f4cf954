package redisx

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// TokenGenerations is the durable store of OpenIM token generations that a
// Revoker caches (openim.StoreRevoker: the database). Its methods are those
// of openim.TokenRevoker.
type TokenGenerations interface {
	Generation(ctx context.Context, userID string, platformID int) (uint64, error)
	Revoke(ctx context.Context, userID string, platformID int) error
}

// DefaultRevokerTTL is how long a cached token generation lives.
const DefaultRevokerTTL = time.Minute

// Revoker is a cache in Redis in front of the durable token generations,
// so that checking a token (every OpenIM request) is one Redis GET and
// touches the database only on a miss. It implements openim.TokenRevoker.
//
// Correctness across nodes: generations only grow, and every write of the
// cached value is "set if greater" (a Lua script), so a node that read an
// older generation from the database just before a logout committed cannot
// overwrite the newer one. Revoke commits to the database first, then
// raises the cached value before answering, so a token kicked on node A is
// refused by node B as soon as A has answered. If Redis loses the key, the
// next check reads the database. If Redis is down, checks read the database
// and Revoke fails fast (nothing is written). If Redis fails between the
// commit and the cache update, Revoke waits until every cached value that
// could be older has expired (the TTL) before answering.
type Revoker struct {
	c       *Client
	durable TokenGenerations
	ttl     time.Duration
	ns      string
	sleep   func(time.Duration)
}

// NewRevoker returns a Revoker over durable whose cached values live for
// ttl (DefaultRevokerTTL when 0).
func (c *Client) NewRevoker(durable TokenGenerations, ttl time.Duration) *Revoker {
	if ttl <= 0 {
		ttl = DefaultRevokerTTL
	}
	return &Revoker{c: c, durable: durable, ttl: ttl, ns: c.key("tokgen") + ":", sleep: time.Sleep}
}

// setMax sets KEYS[1] to ARGV[1] with a lifetime of ARGV[2] ms unless it
// already holds a greater or equal number.
var setMax = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`)

func (r *Revoker) key(userID string, platformID int) string {
	return r.ns + strconv.Itoa(platformID) + "/" + userID
}

// Generation implements openim.TokenRevoker.
func (r *Revoker) Generation(ctx context.Context, userID string, platformID int) (uint64, error) {
	key := r.key(userID, platformID)
	cacheOK := r.c.begin() == nil
	if cacheOK {
		v, err := r.c.rdb.Get(ctx, key).Result()
		err = r.c.end(err)
		if err == nil {
			if g, perr := strconv.ParseUint(v, 10, 64); perr == nil {
				return g, nil
			}
		}
		cacheOK = err == nil || errors.Is(err, redis.Nil)
	}
	start := time.Now()
	g, err := r.durable.Generation(ctx, userID, platformID)
	if err != nil || !cacheOK {
		return g, err
	}
	// A value read from the database is cached only while it is fresh
	// enough: it must expire by (read time + ttl), the bound Revoke relies
	// on when it cannot update the cache.
	if left := r.ttl - time.Since(start); left > r.ttl/2 {
		r.c.end(setMax.Run(ctx, r.c.rdb, []string{key}, g, left.Milliseconds()).Err())
	}
	return g, nil
}

// Revoke implements openim.TokenRevoker.
func (r *Revoker) Revoke(ctx context.Context, userID string, platformID int) error {
	if err := r.c.Ping(ctx); err != nil {
		return fmt.Errorf("force logout refused, nothing changed: %w", err)
	}
	if err := r.durable.Revoke(ctx, userID, platformID); err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	g, err := r.durable.Generation(ctx, userID, platformID)
	if err == nil {
		if err = r.c.begin(); err == nil {
			err = r.c.end(setMax.Run(ctx, r.c.rdb, []string{r.key(userID, platformID)}, g, r.ttl.Milliseconds()).Err())
		}
	}
	if err != nil {
		wait := r.ttl + time.Second
		r.c.log.Error("token revocation saved but the cache could not be updated; waiting for cached generations to expire before answering",
			"userID", userID, "platformID", platformID, "wait", wait.String(), "err", err)
		r.sleep(wait)
	}
	return nil
}
