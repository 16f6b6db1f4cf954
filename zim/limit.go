package zim

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter decides whether one more request under key may pass now. A
// cluster of groupd nodes shares one (e.g. a Redis-backed limiter). An
// error (the shared state cannot be reached) answers 660000001.
type Limiter interface {
	Allow(ctx context.Context, key string) (bool, error)
}

// MemoryLimiter is an in-memory token-bucket Limiter: each key may pass qps
// requests per second, with bursts of up to max(1, qps).
type MemoryLimiter struct {
	mu        sync.Mutex
	limit     rate.Limit
	burst     int
	now       func() time.Time
	keys      map[string]*keyLimiter
	lastSweep time.Time
}

type keyLimiter struct {
	lim  *rate.Limiter
	last time.Time
}

// NewMemoryLimiter returns a MemoryLimiter of qps per key with clock now
// (default time.Now). It returns nil when qps <= 0: no limit.
func NewMemoryLimiter(qps float64, now func() time.Time) *MemoryLimiter {
	if qps <= 0 {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryLimiter{
		limit: rate.Limit(qps),
		burst: int(math.Max(1, math.Ceil(qps))),
		now:   now,
		keys:  make(map[string]*keyLimiter),
	}
}

// Allow implements Limiter; it never fails.
func (l *MemoryLimiter) Allow(_ context.Context, key string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	k, ok := l.keys[key]
	if !ok {
		k = &keyLimiter{lim: rate.NewLimiter(l.limit, l.burst)}
		l.keys[key] = k
	}
	k.last = now
	return k.lim.AllowN(now, 1), nil
}

// idle is how long a key must stay unused for its bucket to be full again,
// after which it is the same as a new one and can be forgotten.
func (l *MemoryLimiter) idle() time.Duration {
	return time.Duration(float64(l.burst)/float64(l.limit)*float64(time.Second)) + time.Second
}

// sweep forgets idle keys, at most once per idle period, so that per-group
// keys do not accumulate.
func (l *MemoryLimiter) sweep(now time.Time) {
	idle := l.idle()
	if now.Sub(l.lastSweep) < idle {
		return
	}
	l.lastSweep = now
	for key, k := range l.keys {
		if now.Sub(k.last) >= idle {
			delete(l.keys, key)
		}
	}
}
