package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/groupd/groupd/openim"
)

// Admission: what a request must get through before a handler runs.
//
//  1. Its body is read whole, under --body-timeout, before it takes any
//     slot: a client that sends slowly holds a connection, never a slot,
//     and is answered 408 and disconnected when the time is up. Bodies
//     being read share a memory budget (maxBufferedBodyBytes); over it a
//     request is refused as busy. The probes and /metrics have no body to
//     wait for.
//  2. It takes a slot. The unauthenticated OpenIM routes (get_admin_token,
//     parse_token) have a small budget of their own (anonymousSlots), at
//     most anonymousPerClient of it per client address, so that requests
//     nobody authenticated cannot take the slots of authenticated ones;
//     everything else shares --max-inflight. Over its budget a request is
//     refused at once, never queued, with a "busy" answer (below).
//
// /readyz answers 503 "saturated" while every --max-inflight slot is taken
// or a request was refused for want of one within the last second, so a
// load balancer can send traffic elsewhere; the unauthenticated budget
// never makes a node unready (else anyone could take every node out).

// Busy answers. A request over its budget is refused at once with HTTP 503
// and Retry-After: 1, and a body in the dialect of its path, so that each
// dialect's clients can parse it:
//
//   - OpenIM: {"errCode":500,"errMsg":"ServerInternalError","errDlt":"server busy: …"}
//     (OpenIM has no busy code; the HTTP status tells it apart).
//   - ZIM: {"Code":7,"Message":"service request overload: …"} — the
//     reference's public code 7, "Service request overload".
const (
	openimBusyDlt = "server busy: too many requests in flight, retry later: [500]ServerInternalError"
	zimBusyCode   = 7
	zimBusyMsg    = "service request overload: too many requests in flight, please retry later"
)

const (
	// DefaultBodyTimeout is --body-timeout's default.
	DefaultBodyTimeout = 10 * time.Second
	// maxBodyBytes is the largest body either dialect takes; a longer one
	// is read to one byte past it and left for the dialect to refuse.
	maxBodyBytes = openim.DefaultMaxBodyBytes
	// maxBufferedBodyBytes bounds the bytes of the bodies read ahead at
	// once, in memory until their requests end.
	maxBufferedBodyBytes = 256 << 20
)

// anonymousSlots is the budget of the unauthenticated routes for a
// --max-inflight of max: an eighth of it, between 8 and 64; and
// anonymousPerClient how much of it one client address may hold.
func anonymousSlots(maxInflight int) (total, perClient int) {
	total = min(64, max(8, maxInflight/8))
	return total, max(2, total/4)
}

// admission is the middleware described above.
type admission struct {
	next        http.Handler
	log         *slog.Logger
	bodyTimeout time.Duration
	public      map[string]bool // the unauthenticated OpenIM paths

	max  int           // --max-inflight; 0: no slot limits
	sem  chan struct{} // the --max-inflight slots
	anon chan struct{} // the unauthenticated slots
	per  int           // of which per client address
	mu   sync.Mutex
	held map[string]int // unauthenticated slots per client address

	buffered atomic.Int64 // bytes of bodies read ahead, not yet released
	refused  atomic.Int64
	lastLog  atomic.Int64 // Unix ns of the last "refused" log line
	lastBusy atomic.Int64 // Unix ns of the last refusal for want of a --max-inflight slot
}

func newAdmission(next http.Handler, maxInflight int, bodyTimeout time.Duration, log *slog.Logger) *admission {
	if bodyTimeout <= 0 {
		bodyTimeout = DefaultBodyTimeout
	}
	a := &admission{next: next, log: log, bodyTimeout: bodyTimeout, max: maxInflight, public: map[string]bool{}, held: map[string]int{}}
	for _, r := range openim.Routes() {
		if r.Public {
			a.public[r.Path] = true
		}
	}
	if maxInflight > 0 {
		total, per := anonymousSlots(maxInflight)
		a.sem, a.anon, a.per = make(chan struct{}, maxInflight), make(chan struct{}, total), per
	}
	return a
}

// exempt paths have no body to wait for and are never refused. The change
// feed (/events) is long-lived: it has a limit of its own
// (--events-feed-max) instead of holding a --max-inflight slot.
func exempt(path string) bool {
	return path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/events"
}

func (a *admission) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if exempt(r.URL.Path) {
		a.next.ServeHTTP(w, r)
		return
	}
	if r.Body != nil && r.Body != http.NoBody {
		release, ok := a.readBody(w, r)
		if !ok {
			return
		}
		defer release()
	}
	if a.max <= 0 {
		a.next.ServeHTTP(w, r)
		return
	}
	if a.public[r.URL.Path] {
		client := clientAddr(r.RemoteAddr)
		if !a.takeAnonymous(client) {
			a.refuse(w, r, "unauthenticated route budget (or this client's share) is spent")
			return
		}
		defer a.releaseAnonymous(client)
	} else {
		select {
		case a.sem <- struct{}{}:
			defer func() { <-a.sem }()
		default:
			a.lastBusy.Store(time.Now().UnixNano())
			a.refuse(w, r, "every --max-inflight slot is taken")
			return
		}
	}
	a.next.ServeHTTP(w, r)
}

// readBody reads r's body ahead under the body deadline and puts it back
// as an in-memory body. ok is false when r has been answered (too slow,
// over the memory budget). A body that fails otherwise (the client went
// away, bad chunking) is handed on with its error, for the dialect to
// answer as it always has.
func (a *admission) readBody(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(a.bodyTimeout))
	// Read straight into the body's buffer, sized by Content-Length up to
	// 64 KiB (a claimed length is not memory to hand out before the bytes
	// arrive) and grown as they do. A fixed read buffer escaped to the
	// heap: 32 KiB allocated per request.
	size := int64(512)
	if r.ContentLength >= 0 {
		size = min(r.ContentLength+1, 64<<10, maxBodyBytes+1) // +1: room to read EOF
	}
	buf := make([]byte, 0, size)
	var reserved int64
	release = func() { a.buffered.Add(-reserved) }
	var rerr error
	for len(buf) <= maxBodyBytes {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), maxBodyBytes+1-len(buf)))
		}
		n, err := r.Body.Read(buf[len(buf):min(cap(buf), maxBodyBytes+1)])
		if n > 0 {
			if a.buffered.Add(int64(n)) > maxBufferedBodyBytes {
				a.buffered.Add(-int64(n))
				release()
				w.Header().Set("Connection", "close")
				a.refuse(w, r, "too many request bodies in memory")
				return nil, false
			}
			reserved += int64(n)
			buf = buf[:len(buf)+n]
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var ne net.Error
			if errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
				release()
				writeSlowBody(w, r, a.bodyTimeout)
				return nil, false
			}
			rerr = err
			break
		}
	}
	// The body is in: no deadline until the next request sets its own (a
	// read pending past a deadline would cancel the request's context).
	rc.SetReadDeadline(time.Time{})
	r.Body = io.NopCloser(&sliceReader{b: buf, err: rerr})
	return release, true
}

// sliceReader reads b, then answers err (io.EOF when nil).
type sliceReader struct {
	b   []byte
	err error
}

func (s *sliceReader) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		return 0, io.EOF
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}

// clientAddr is the IP of a remote address (the address itself when it
// has no port).
func clientAddr(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}

func (a *admission) takeAnonymous(client string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.held[client] >= a.per {
		return false
	}
	select {
	case a.anon <- struct{}{}:
		a.held[client]++
		return true
	default:
		return false
	}
}

func (a *admission) releaseAnonymous(client string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	<-a.anon
	if a.held[client]--; a.held[client] <= 0 {
		delete(a.held, client)
	}
}

// saturated reports whether every --max-inflight slot is taken or one was
// wanted and missing within the last second, and says so.
func (a *admission) saturated() (string, bool) {
	if a.max <= 0 {
		return "", false
	}
	if n := len(a.sem); n >= a.max {
		return fmt.Sprintf("saturated: %d of %d requests in flight", n, a.max), true
	}
	if last := a.lastBusy.Load(); last != 0 && time.Since(time.Unix(0, last)) < time.Second {
		return fmt.Sprintf("saturated: requests refused for want of one of %d slots within the last second", a.max), true
	}
	return "", false
}

// refuse answers a request refused as busy, logging once a second at most
// (an overload must not also flood the log).
func (a *admission) refuse(w http.ResponseWriter, r *http.Request, why string) {
	n := a.refused.Add(1)
	now := time.Now().UnixNano()
	if last := a.lastLog.Load(); now-last >= int64(time.Second) && a.lastLog.CompareAndSwap(last, now) {
		a.log.Warn("server busy: request refused", "why", why, "maxInflight", a.max, "refusedTotal", n, "path", r.URL.Path)
	}
	writeBusy(w, r)
}

// writeBusy answers a refused request in its dialect: ZIM on the root path,
// OpenIM elsewhere.
func writeBusy(w http.ResponseWriter, r *http.Request) {
	writeDialect(w, r, http.StatusServiceUnavailable, 500, "ServerInternalError", openimBusyDlt, zimBusyCode, zimBusyMsg)
}

// writeSlowBody answers a request whose body did not arrive in time: HTTP
// 408 and the connection closed; ArgsError / ZIM 660000002 in the body.
func writeSlowBody(w http.ResponseWriter, r *http.Request, limit time.Duration) {
	w.Header().Set("Connection", "close")
	msg := fmt.Sprintf("request body not received within %v", limit)
	writeDialect(w, r, http.StatusRequestTimeout, 1001, "ArgsError", msg+": [1001]ArgsError", 660000002, msg)
}

func writeDialect(w http.ResponseWriter, r *http.Request, status, openimCode int, openimMsg, openimDlt string, zimCode int, zimMsg string) {
	var body []byte
	if r.URL.Path == "/" {
		body, _ = json.Marshal(struct {
			Code      int    `json:"Code"`
			Message   string `json:"Message"`
			RequestID string `json:"RequestId"`
		}{zimCode, zimMsg, strconv.FormatUint(100_000_000_000_000_000+rand.Uint64N(900_000_000_000_000_000), 10)})
	} else {
		body, _ = json.Marshal(struct {
			ErrCode int    `json:"errCode"`
			ErrMsg  string `json:"errMsg"`
			ErrDlt  string `json:"errDlt"`
		}{openimCode, openimMsg, openimDlt})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "1")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
