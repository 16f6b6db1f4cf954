package redisx

import (
	"context"
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
const DefaultRevokerTTL = 10 * time.Minute

// Revoker is a cache in Redis in front of the durable token generations,
// so that checking a token (every OpenIM request) is one Redis MGET and
// touches the database only on a miss. It implements openim.TokenRevoker.
//
// Correctness across nodes: Revoke first sets the cached value to a
// pending marker (while it is there, checks read the database and cache
// nothing), then commits the new generation to the database, then caches
// it, all before answering: a token kicked on node A is refused by node B
// as soon as A has answered, and from the commit on. Generations only
// grow and every fill is "set if greater, and not over a marker" (a Lua
// script), so a node that read an older generation just before a logout
// committed cannot overwrite the newer one. If Redis loses the key, the
// next check reads the database. If Redis is down, checks read the
// database and Revoke fails fast with nothing changed. If Redis fails
// after the commit, the marker stays until it expires (markerTTL) and
// checks read the database meanwhile.
//
// Cached generations live under the namespace of the cache epoch
// (epoch.go), and every read and write of them checks Redis's epoch in the
// same round trip: a Redis that went back in time (an old snapshot, a
// lagging replica) never brings back a generation from before a logout.
type Revoker struct {
	c       *Client
	durable TokenGenerations
	ttl     time.Duration
}

// NewRevoker returns a Revoker over durable whose cached values live for
// ttl (DefaultRevokerTTL when 0).
func (c *Client) NewRevoker(durable TokenGenerations, ttl time.Duration) *Revoker {
	if ttl <= 0 {
		ttl = DefaultRevokerTTL
	}
	return &Revoker{c: c, durable: durable, ttl: ttl}
}

// revokeMarker is the pending marker of a revocation in flight.
const revokeMarker = "pending"

// markerTTL bounds the life of a marker whose revocation could not replace it.
const markerTTL = 5 * time.Minute

// fillGen sets KEYS[1] to the generation ARGV[1] with a lifetime of
// ARGV[2] ms unless it holds a marker or a greater or equal generation;
// with ARGV[3] = "final" it also replaces a marker (the revocation that
// set it is done). If Redis's epoch key KEYS[2] does not hold ARGV[4] it
// answers -1 and sets nothing.
var fillGen = redis.NewScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[4] then return -1 end
local cur = redis.call('GET', KEYS[1])
if cur then
  local n = tonumber(cur)
  if n == nil and ARGV[3] ~= 'final' then return 0 end
  if n ~= nil and n >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`)

// setMarker sets KEYS[1] to ARGV[1] for ARGV[2] ms if Redis's epoch key
// KEYS[2] holds ARGV[3]; else it answers -1 and sets nothing.
var setMarker = redis.NewScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[3] then return -1 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 0`)

// key is the cache key of (userID, platformID) under epoch.
func (r *Revoker) key(epoch, userID string, platformID int) string {
	return r.c.key("tokgen", epoch) + ":" + strconv.Itoa(platformID) + "/" + userID
}

// Generation implements openim.TokenRevoker: one MGET of Redis's epoch
// key and the cached generation; the database on a miss, or when Redis's
// epoch is not this node's.
func (r *Revoker) Generation(ctx context.Context, userID string, platformID int) (uint64, error) {
	epoch := r.c.epoch()
	key := r.key(epoch, userID, platformID)
	cacheOK := r.c.begin() == nil
	if cacheOK {
		res, err := r.c.rdb.MGet(ctx, r.c.epochKey(), key).Result()
		if err = r.c.end(err); err == nil && len(res) != 2 {
			err = fmt.Errorf("redis: MGET answered %d values for 2 keys", len(res))
		}
		if err == nil {
			if err = r.c.checkEpoch(epoch, res[0]); err == nil {
				if v, ok := res[1].(string); ok {
					if g, perr := strconv.ParseUint(v, 10, 64); perr == nil {
						return g, nil
					}
				}
			}
		}
		cacheOK = err == nil
	}
	start := time.Now()
	g, err := r.durable.Generation(ctx, userID, platformID)
	if err != nil || !cacheOK {
		return g, err
	}
	// A read that took long is not cached: its fill must land while the
	// value of any revocation that committed after it began is still
	// there (it lives ttl), or it could bring back an older generation.
	if time.Since(start) < r.ttl/2 {
		r.c.end(fillGen.Run(ctx, r.c.rdb, []string{key, r.c.epochKey()}, g, r.ttl.Milliseconds(), "", epoch).Err())
	}
	return g, nil
}

// Revoke implements openim.TokenRevoker.
func (r *Revoker) Revoke(ctx context.Context, userID string, platformID int) error {
	err := r.c.begin()
	if err == nil {
		err = r.c.withEpoch(func(epoch string) error {
			return r.c.runChecked(ctx, setMarker, []string{r.key(epoch, userID, platformID), r.c.epochKey()},
				revokeMarker, markerTTL.Milliseconds(), epoch)
		})
	}
	if err != nil {
		return fmt.Errorf("force logout refused, nothing changed: %w", err)
	}
	if err := r.durable.Revoke(ctx, userID, platformID); err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	g, err := r.durable.Generation(ctx, userID, platformID)
	if err == nil {
		if err = r.c.begin(); err == nil {
			// Under the epoch in force now: if Redis changed since the
			// marker, the new namespace is the one to correct.
			err = r.c.withEpoch(func(epoch string) error {
				return r.c.runChecked(ctx, fillGen, []string{r.key(epoch, userID, platformID), r.c.epochKey()},
					g, r.ttl.Milliseconds(), "final", epoch)
			})
		}
	}
	if err != nil {
		r.c.log.Warn("token revocation saved; its cache entry stays a marker until it expires, checks read the database meanwhile",
			"userID", userID, "platformID", platformID, "markerTTL", markerTTL.String(), "err", err)
	}
	return nil
}
