package zim

import (
	"context"
	"math"
	"sync"
	"time"
)

// Limiter decides whether one more request under key may pass now. A
// cluster of groupd nodes shares one (e.g. a Redis-backed limiter). An
// error (the shared state cannot be reached) answers 660000001.
type Limiter interface {
	Allow(ctx context.Context, key string) (bool, error)
}

// Window is the shape of a limit of qps requests per second: at most N
// requests in any Window-long span. For qps >= 1 that is ⌊qps⌋ requests in
// any one second, so that no one-second window ever holds more than the
// documented rate (a token bucket lets twice as many through in the first
// second: its burst, then its refill); below 1, one request per 1/qps
// seconds. qps must be > 0.
func Window(qps float64) (n int, window time.Duration) {
	if qps >= 1 {
		return int(math.Floor(qps)), time.Second
	}
	return 1, time.Duration(float64(time.Second) / qps)
}

// MemoryLimiter is an in-memory sliding-window Limiter (see Window): it
// remembers, per key, the times of the last N requests it let through, and
// lets one more through only when the oldest of them is a whole window ago.
type MemoryLimiter struct {
	mu        sync.Mutex
	n         int
	window    time.Duration
	now       func() time.Time
	keys      map[string]*keyLog
	lastSweep time.Time
}

// keyLog is a ring of the last n admission times of one key.
type keyLog struct {
	times []time.Time
	next  int // the oldest once the ring is full
	last  time.Time
}

// NewMemoryLimiter returns a MemoryLimiter of qps per key with clock now
// (default time.Now). It returns nil when qps <= 0: no limit.
func NewMemoryLimiter(qps float64, now func() time.Time) *MemoryLimiter {
	if qps <= 0 || math.IsNaN(qps) || math.IsInf(qps, 0) {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	n, w := Window(qps)
	return &MemoryLimiter{n: n, window: w, now: now, keys: make(map[string]*keyLog)}
}

// Allow implements Limiter; it never fails.
func (l *MemoryLimiter) Allow(_ context.Context, key string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	k, ok := l.keys[key]
	if !ok {
		k = &keyLog{times: make([]time.Time, 0, l.n)}
		l.keys[key] = k
	}
	if len(k.times) < l.n {
		k.times = append(k.times, now)
	} else {
		if now.Sub(k.times[k.next]) < l.window {
			return false, nil
		}
		k.times[k.next] = now
		k.next = (k.next + 1) % l.n
	}
	k.last = now
	return true, nil
}

// sweep forgets, at most once per window, the keys that let nothing
// through for a whole window: they are the same as new ones, so that
// per-group keys do not accumulate.
func (l *MemoryLimiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < l.window {
		return
	}
	l.lastSweep = now
	for key, k := range l.keys {
		if now.Sub(k.last) >= l.window {
			delete(l.keys, key)
		}
	}
}
