package redisx

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupd/groupd/storecache"
)

// CacheBackend is the storecache.Backend of a cluster: entries and
// generation tokens in Redis, shared by every node, under the namespace of
// the cache epoch (epoch.go): a Redis that went back in time is not read.
type CacheBackend struct {
	c *Client
	// genTTL bounds the life of a generation token (a forgotten token is
	// a miss), so tokens of idle entities do not pile up.
	genTTL time.Duration
}

// NewCacheBackend returns the Redis backend of storecache.
func (c *Client) NewCacheBackend() *CacheBackend {
	return &CacheBackend{c: c, genTTL: 24 * time.Hour}
}

// ns is the key namespace of epoch.
func (b *CacheBackend) ns(epoch string) string { return b.c.key("c", epoch) + ":" }

var _ storecache.Backend = (*CacheBackend)(nil)

// Lookup implements storecache.Backend: one MGET of Redis's epoch key and
// every entry and generation key; keys without a generation get one (SET
// NX, then GET the winner) in a second round trip, which only a first read
// after a write nobody has read yet, or after Redis forgot the key, pays.
// When Redis's epoch is not the one the keys were named with, the lookup
// fails (the caller reads the database and fills nothing).
func (b *CacheBackend) Lookup(ctx context.Context, pairs []storecache.Pair) ([][]byte, []string, error) {
	if err := b.c.begin(); err != nil {
		return nil, nil, err
	}
	epoch := b.c.epoch()
	ns := b.ns(epoch)
	keys := make([]string, 0, 1+2*len(pairs))
	keys = append(keys, b.c.epochKey())
	for _, p := range pairs {
		keys = append(keys, ns+p.Key, ns+p.Gen)
	}
	res, err := b.c.rdb.MGet(ctx, keys...).Result()
	if err = b.c.end(err); err != nil {
		return nil, nil, err
	}
	if len(res) != len(keys) {
		return nil, nil, fmt.Errorf("redis: MGET answered %d values for %d keys", len(res), len(keys))
	}
	if err := b.c.checkEpoch(epoch, res[0]); err != nil {
		return nil, nil, err
	}
	res = res[1:]
	entries := make([][]byte, len(pairs))
	tokens := make([]string, len(pairs))
	var claim []int
	for i := range pairs {
		if v, ok := res[2*i].(string); ok {
			entries[i] = []byte(v)
		}
		if g, ok := res[2*i+1].(string); ok {
			tokens[i] = g
		} else {
			claim = append(claim, i)
		}
	}
	if len(claim) == 0 {
		return entries, tokens, nil
	}
	gets := make([]*redis.StringCmd, len(claim))
	_, err = b.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for j, i := range claim {
			p.SetNX(ctx, ns+pairs[i].Gen, storecache.NewToken(), b.genTTL)
			gets[j] = p.Get(ctx, ns+pairs[i].Gen)
		}
		return nil
	})
	if errors.Is(err, redis.Nil) {
		err = nil // a GET of a key that expired at once: that pair is not filled
	}
	if err = b.c.end(err); err != nil {
		return nil, nil, err
	}
	for j, i := range claim {
		tokens[i] = gets[j].Val() // "" if it vanished meanwhile: not filled
	}
	return entries, tokens, nil
}

// Fill implements storecache.Backend in one pipeline, under the epoch in
// force. An entry filled just after the epoch changed carries a token of
// the old namespace, which the new one never holds: a later miss, never a
// stale hit.
func (b *CacheBackend) Fill(ctx context.Context, keys []string, entries [][]byte, ttl time.Duration) error {
	if err := b.c.begin(); err != nil {
		return err
	}
	ns := b.ns(b.c.epoch())
	_, err := b.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			p.Set(ctx, ns+k, entries[i], ttl)
		}
		return nil
	})
	return b.c.end(err)
}

// mark sets each KEYS[i+1] to ARGV[2] (lifetime ARGV[3] ms) if Redis's
// epoch key KEYS[1] holds ARGV[1]; else it answers -1 and sets nothing.
var mark = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[2], 'PX', ARGV[3])
end
return 0`)

// Mark implements storecache.Backend in one script call, under the epoch
// in force (again under a newer one if it changed meanwhile).
func (b *CacheBackend) Mark(ctx context.Context, gens []string, marker string) error {
	if err := b.c.begin(); err != nil {
		return err
	}
	return b.c.withEpoch(func(epoch string) error {
		ns := b.ns(epoch)
		keys := make([]string, 0, 1+len(gens))
		keys = append(keys, b.c.epochKey())
		for _, g := range gens {
			keys = append(keys, ns+g)
		}
		return b.c.runChecked(ctx, mark, keys, epoch, marker, storecache.MarkerTTL.Milliseconds())
	})
}

// bump sets each KEYS[i+1] to ARGV[i+3] (lifetime ARGV[3] ms) unless it
// holds a marker ("p…") other than ARGV[2]; if Redis's epoch key KEYS[1]
// does not hold ARGV[1] it answers -1 and sets nothing.
var bump = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local mine = ARGV[2]
local ttl = ARGV[3]
for i = 2, #KEYS do
  local cur = redis.call('GET', KEYS[i])
  if not (cur and string.sub(cur, 1, 1) == 'p' and cur ~= mine) then
    redis.call('SET', KEYS[i], ARGV[i + 2], 'PX', ttl)
  end
end
return 0`)

// Bump implements storecache.Backend in one script call, under the epoch
// in force when it runs: after a commit during which the epoch changed,
// the new namespace is the one whose tokens must change.
func (b *CacheBackend) Bump(ctx context.Context, gens []string, marker string) error {
	if err := b.c.begin(); err != nil {
		return err
	}
	return b.c.withEpoch(func(epoch string) error {
		ns := b.ns(epoch)
		keys := make([]string, 0, 1+len(gens))
		keys = append(keys, b.c.epochKey())
		args := make([]any, 0, len(gens)+3)
		args = append(args, epoch, marker, b.genTTL.Milliseconds())
		for _, g := range gens {
			keys = append(keys, ns+g)
			args = append(args, storecache.NewToken())
		}
		return b.c.runChecked(ctx, bump, keys, args...)
	})
}
