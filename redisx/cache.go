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
// generation tokens in Redis, shared by every node.
type CacheBackend struct {
	c *Client
	// genTTL bounds the life of a generation token (a forgotten token is
	// a miss), so tokens of idle entities do not pile up.
	genTTL time.Duration
	ns     string
}

// NewCacheBackend returns the Redis backend of storecache.
func (c *Client) NewCacheBackend() *CacheBackend {
	return &CacheBackend{c: c, genTTL: 24 * time.Hour, ns: c.key("c") + ":"}
}

var _ storecache.Backend = (*CacheBackend)(nil)

// Lookup implements storecache.Backend: one MGET of every entry and
// generation key; keys without a generation get one (SET NX, then GET the
// winner) in a second round trip, which only a first read after a write
// nobody has read yet, or after Redis forgot the key, pays.
func (b *CacheBackend) Lookup(ctx context.Context, pairs []storecache.Pair) ([][]byte, []string, error) {
	if err := b.c.begin(); err != nil {
		return nil, nil, err
	}
	keys := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		keys = append(keys, b.ns+p.Key, b.ns+p.Gen)
	}
	res, err := b.c.rdb.MGet(ctx, keys...).Result()
	if err = b.c.end(err); err != nil {
		return nil, nil, err
	}
	entries := make([][]byte, len(pairs))
	tokens := make([]string, len(pairs))
	var claim []int
	for i := range pairs {
		if 2*i+1 >= len(res) {
			return nil, nil, fmt.Errorf("redis: MGET answered %d values for %d keys", len(res), len(keys))
		}
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
			p.SetNX(ctx, b.ns+pairs[i].Gen, storecache.NewToken(), b.genTTL)
			gets[j] = p.Get(ctx, b.ns+pairs[i].Gen)
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

// Fill implements storecache.Backend in one pipeline.
func (b *CacheBackend) Fill(ctx context.Context, keys []string, entries [][]byte, ttl time.Duration) error {
	if err := b.c.begin(); err != nil {
		return err
	}
	_, err := b.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			p.Set(ctx, b.ns+k, entries[i], ttl)
		}
		return nil
	})
	return b.c.end(err)
}

// Mark implements storecache.Backend in one pipeline.
func (b *CacheBackend) Mark(ctx context.Context, gens []string, marker string) error {
	if err := b.c.begin(); err != nil {
		return err
	}
	_, err := b.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, g := range gens {
			p.Set(ctx, b.ns+g, marker, storecache.MarkerTTL)
		}
		return nil
	})
	return b.c.end(err)
}

// bump sets each KEYS[i] to ARGV[i] (lifetime ARGV[#ARGV] ms) unless it
// holds a marker ("p…") other than ARGV[#ARGV-1].
var bump = redis.NewScript(`
local ttl = ARGV[#ARGV]
local mine = ARGV[#ARGV-1]
for i = 1, #KEYS do
  local cur = redis.call('GET', KEYS[i])
  if not (cur and string.sub(cur, 1, 1) == 'p' and cur ~= mine) then
    redis.call('SET', KEYS[i], ARGV[i], 'PX', ttl)
  end
end
return 0`)

// Bump implements storecache.Backend in one script call.
func (b *CacheBackend) Bump(ctx context.Context, gens []string, marker string) error {
	if err := b.c.begin(); err != nil {
		return err
	}
	keys := make([]string, len(gens))
	args := make([]any, 0, len(gens)+2)
	for i, g := range gens {
		keys[i] = b.ns + g
		args = append(args, storecache.NewToken())
	}
	args = append(args, marker, b.genTTL.Milliseconds())
	return b.c.end(bump.Run(ctx, b.c.rdb, keys, args...).Err())
}
