package redisx

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter is a rate limit shared by every node that uses the same Redis
// and prefix, with the shape of zim.MemoryLimiter (see zim.Window): at
// most ⌊qps⌋ requests per key in any one second for the whole cluster (for
// qps below 1, one per 1/qps seconds), never more in any window. It is a
// sliding log: per key a Redis list of the last N admission times, checked
// and extended by one Lua script call per request, timed by Redis's clock,
// so the nodes' clocks do not matter. It implements zim.Limiter.
type Limiter struct {
	c      *Client
	n      int
	window time.Duration
	ns     string
}

// NewLimiter returns a Limiter of qps per key whose keys live under name
// (two Limiters with different names never share a budget). It returns nil
// when qps <= 0: no limit.
func (c *Client) NewLimiter(name string, qps float64) *Limiter {
	if qps <= 0 || math.IsInf(qps, 0) || math.IsNaN(qps) {
		return nil
	}
	l := &Limiter{c: c, window: time.Second, ns: c.key("rl", name) + ":"}
	// The same shape as zim.Window, without importing the dialect.
	if qps >= 1 {
		l.n = int(math.Floor(qps))
	} else {
		l.n, l.window = 1, time.Duration(float64(time.Second)/qps)
	}
	return l
}

// slidingLog lets one more request through under KEYS[1] if fewer than
// ARGV[1] were let through in the last ARGV[2] microseconds (by Redis's
// TIME), and records it. The list holds admission times, newest first.
var slidingLog = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
if redis.call('LLEN', KEYS[1]) >= n then
  local oldest = tonumber(redis.call('LINDEX', KEYS[1], n - 1))
  if oldest and now - oldest < window then
    return 0
  end
end
redis.call('LPUSH', KEYS[1], t[1] .. string.format('%06d', tonumber(t[2])))
redis.call('LTRIM', KEYS[1], 0, n - 1)
redis.call('PEXPIRE', KEYS[1], math.floor(window / 1000) + 1)
return 1`)

// Allow implements zim.Limiter. When Redis cannot be reached it answers an
// error wrapping domain.ErrUnavailable (the ZIM dialect answers 660000001):
// a limit that cannot be enforced for the cluster is not silently lifted.
func (l *Limiter) Allow(ctx context.Context, key string) (bool, error) {
	if err := l.c.begin(); err != nil {
		return false, err
	}
	res, err := slidingLog.Run(ctx, l.c.rdb, []string{l.ns + key}, l.n, strconv.FormatInt(l.window.Microseconds(), 10)).Int()
	if err = l.c.end(err); err != nil {
		return false, err
	}
	return res == 1, nil
}
