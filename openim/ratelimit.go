package openim

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
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

// Throttle of wrong admin secrets (get_admin_token). Each client address
// may fail AdminSecretFailuresPerAddress times in a row, then once more
// every AdminSecretRefillPerAddress; all addresses together
// AdminSecretFailuresOverall times, then once more every
// AdminSecretRefillOverall. Over either budget an attempt is refused
// before the secret is even compared, right or wrong (else the throttle
// would tell a right guess apart), with HTTP 429 and Retry-After. A right
// secret costs nothing. Tokens already issued are never affected.
const (
	AdminSecretFailuresPerAddress = 10
	AdminSecretRefillPerAddress   = 6 * time.Second
	AdminSecretFailuresOverall    = 100
	AdminSecretRefillOverall      = time.Second
)

// secretThrottle counts wrong admin secrets per client address and overall.
type secretThrottle struct {
	mu        sync.Mutex
	now       func() time.Time
	overall   failBucket
	addrs     map[string]*failBucket
	lastSweep time.Time
	lastLog   atomic.Int64 // Unix ns of the last "throttled" log line
}

// shouldLog reports whether a throttled attempt may be logged: once a
// second at most, so that a guessing flood does not also flood the log.
func (s *secretThrottle) shouldLog() bool {
	now := time.Now().UnixNano()
	last := s.lastLog.Load()
	return now-last >= int64(time.Second) && s.lastLog.CompareAndSwap(last, now)
}

// failBucket is a token bucket of allowed failures that a success refills.
type failBucket struct {
	tokens float64
	last   time.Time
	burst  float64
	every  time.Duration
}

func newFailBucket(burst int, every time.Duration, now time.Time) *failBucket {
	return &failBucket{tokens: float64(burst), last: now, burst: float64(burst), every: every}
}

func (b *failBucket) refill(now time.Time) {
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.burst, b.tokens+float64(d)/float64(b.every))
		b.last = now
	}
}

// wait is how long until one failure is allowed (0: now).
func (b *failBucket) wait(now time.Time) time.Duration {
	b.refill(now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(b.every))
}

func newSecretThrottle(now func() time.Time) *secretThrottle {
	return &secretThrottle{now: now, addrs: map[string]*failBucket{},
		overall: *newFailBucket(AdminSecretFailuresOverall, AdminSecretRefillOverall, now())}
}

// clientKey is the throttled unit of a remote address: the IP, or for
// IPv6 its /64, which one client usually holds whole.
func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// begin takes one failure from the budgets of the client and of everyone
// before a secret is compared. When either is spent it answers ok false
// and how long to wait. Else the caller must call done with the outcome:
// a right secret gives the failure back.
func (s *secretThrottle) begin(remoteAddr string) (done func(right bool), wait time.Duration, ok bool) {
	key := clientKey(remoteAddr)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	full := AdminSecretFailuresPerAddress * AdminSecretRefillPerAddress
	if now.Sub(s.lastSweep) >= full {
		s.lastSweep = now
		for k, b := range s.addrs {
			if now.Sub(b.last) >= full {
				delete(s.addrs, k) // full again: the same as a new one
			}
		}
	}
	b := s.addrs[key]
	if b == nil {
		b = newFailBucket(AdminSecretFailuresPerAddress, AdminSecretRefillPerAddress, now)
		s.addrs[key] = b
	}
	if wait = max(b.wait(now), s.overall.wait(now)); wait > 0 {
		return nil, wait, false
	}
	b.tokens--
	s.overall.tokens--
	return func(right bool) {
		if !right {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		now := s.now()
		for _, b := range []*failBucket{b, &s.overall} {
			b.refill(now)
			b.tokens = min(b.burst, b.tokens+1)
		}
	}, 0, true
}

// errSecretThrottled answers an attempt over the throttle: HTTP 429,
// Retry-After, NoPermissionError with a detail that says why.
func errSecretThrottled(wait time.Duration) *apiError {
	secs := int(math.Ceil(wait.Seconds()))
	e := errorf(codeNoPermission, "too many failed admin secret attempts from this address or in total; retry in %d s", secs)
	e.status = http.StatusTooManyRequests
	e.retryAfter = secs
	return e
}
