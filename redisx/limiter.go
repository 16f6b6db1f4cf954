package redisx

import (
	"context"
	"math"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// Limiter is a rate limit shared by every node that uses the same Redis
// and prefix: qps requests per second per key for the whole cluster, with
// bursts of up to max(1, qps), the same shape as zim.MemoryLimiter. It is
// GCRA (github.com/go-redis/redis_rate): one Lua script call per request,
// one key per limited key holding a timestamp, timed by Redis's clock, so
// the nodes' clocks do not matter. It implements zim.Limiter.
type Limiter struct {
	c     *Client
	lim   *redis_rate.Limiter
	limit redis_rate.Limit
	ns    string
}

// NewLimiter returns a Limiter of qps per key whose keys live under name
// (two Limiters with different names never share a budget). It returns nil
// when qps <= 0: no limit.
func (c *Client) NewLimiter(name string, qps float64) *Limiter {
	if qps <= 0 || math.IsInf(qps, 0) || math.IsNaN(qps) {
		return nil
	}
	return &Limiter{
		c:   c,
		lim: redis_rate.NewLimiter(c.rdb),
		// Only Period/Rate (the emission interval) and Burst matter to GCRA.
		limit: redis_rate.Limit{Rate: 1, Period: time.Duration(float64(time.Second) / qps), Burst: int(math.Max(1, math.Ceil(qps)))},
		ns:    c.key("rl", name) + ":",
	}
}

// Allow implements zim.Limiter. When Redis cannot be reached it answers an
// error wrapping domain.ErrUnavailable (the ZIM dialect answers 660000001):
// a limit that cannot be enforced for the cluster is not silently lifted.
func (l *Limiter) Allow(ctx context.Context, key string) (bool, error) {
	if err := l.c.begin(); err != nil {
		return false, err
	}
	res, err := l.lim.Allow(ctx, l.ns+key, l.limit)
	if err = l.c.end(err); err != nil {
		return false, err
	}
	return res.Allowed > 0, nil
}
