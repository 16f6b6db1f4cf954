package openim

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// userLimiter is the optional per-user request limit (Config.UserQPS): a
// token bucket per user ID, with bursts of up to max(1, qps). Idle users are
// forgotten so the map does not grow with every user ever seen.
type userLimiter struct {
	mu        sync.Mutex
	limit     rate.Limit
	burst     int
	now       func() time.Time
	users     map[string]*userBucket
	lastSweep time.Time
}

type userBucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newUserLimiter(qps float64, now func() time.Time) *userLimiter {
	if qps <= 0 || math.IsNaN(qps) || math.IsInf(qps, 0) {
		return nil
	}
	return &userLimiter{limit: rate.Limit(qps), burst: int(math.Max(1, math.Ceil(qps))), now: now, users: map[string]*userBucket{}}
}

func (l *userLimiter) allow(userID string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	idle := time.Duration(float64(l.burst)/float64(l.limit)*float64(time.Second)) + time.Second
	if now.Sub(l.lastSweep) >= idle {
		l.lastSweep = now
		for id, b := range l.users {
			if now.Sub(b.last) >= idle {
				delete(l.users, id)
			}
		}
	}
	b, ok := l.users[userID]
	if !ok {
		b = &userBucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.users[userID] = b
	}
	b.last = now
	return b.lim.AllowN(now, 1)
}

// errRateLimited answers a user over Config.UserQPS: HTTP 429 with the
// OpenIM envelope (OpenIM has no code of its own for it).
func errRateLimited(qps float64) *apiError {
	e := errorf(codeInternal, "rate limited: more than %s requests per second for this user, retry later",
		strconv.FormatFloat(qps, 'f', -1, 64))
	e.status = http.StatusTooManyRequests
	return e
}
