package metrics

import (
	"encoding/json"
	"math"
	"net/http"
	"sort"
	"sync"
	"time"
)

// History keeps the last hour of traffic per dialect in memory, in steps
// of ten seconds: requests, errors and a latency histogram for the p99. It
// feeds the admin console's dashboard (GET /metrics/history) without any
// other service. Its size is fixed: 360 steps per dialect.
type History struct {
	mu       sync.Mutex
	step     time.Duration
	slots    int
	now      func() time.Time
	dialects map[string][]histSlot
}

// History steps: 360 of 10 s, one hour.
const (
	HistoryStep  = 10 * time.Second
	historySlots = 360
)

// latencyBounds are the upper bounds, in milliseconds, of the latency
// histogram of each step (one more bucket holds the slower requests).
var latencyBounds = []float64{0.25, 0.5, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000, 10000, 30000}

type histSlot struct {
	step         int64 // Unix time / step; identifies what the slot holds
	requests     uint64
	errors       uint64 // answers with a non-zero errCode / Code, or HTTP 4xx/5xx
	serverErrors uint64 // the server's own failures: errCode 500, ZIM 660000001, HTTP 5xx
	latency      []uint32
}

// NewHistory returns an empty history on the clock now (time.Now if nil).
func NewHistory(now func() time.Time) *History {
	if now == nil {
		now = time.Now
	}
	return &History{step: HistoryStep, slots: historySlots, now: now, dialects: map[string][]histSlot{}}
}

// Observe records one answered request of dialect ("openim", "zim", or
// "http" for the rest).
func (h *History) Observe(dialect string, isError, isServerError bool, d time.Duration) {
	step := h.now().UnixNano() / int64(h.step)
	h.mu.Lock()
	defer h.mu.Unlock()
	ring, ok := h.dialects[dialect]
	if !ok {
		ring = make([]histSlot, h.slots)
		h.dialects[dialect] = ring
	}
	s := &ring[step%int64(h.slots)]
	if s.step != step {
		*s = histSlot{step: step, latency: s.latency}
		if s.latency == nil {
			s.latency = make([]uint32, len(latencyBounds)+1)
		} else {
			clear(s.latency)
		}
	}
	s.requests++
	if isError {
		s.errors++
	}
	if isServerError {
		s.serverErrors++
	}
	ms := float64(d) / float64(time.Millisecond)
	s.latency[sort.SearchFloat64s(latencyBounds, ms)]++
}

// HistorySnapshot is the history as the dashboard reads it: one point per
// step, oldest first, the last one the step under way.
type HistorySnapshot struct {
	StepSeconds int                        `json:"stepSeconds"`
	End         int64                      `json:"end"` // Unix ms of the end of the last step
	Dialects    map[string]DialectSnapshot `json:"dialects"`
}

// DialectSnapshot is one dialect's series. Rates are per second over the
// step; P99Ms is null for a step without requests.
type DialectSnapshot struct {
	Requests           []float64  `json:"requestsPerSecond"`
	Errors             []float64  `json:"errorsPerSecond"`
	ServerErrors       []float64  `json:"serverErrorsPerSecond"`
	P99Ms              []*float64 `json:"p99Ms"`
	TotalRequests      uint64     `json:"totalRequests"`
	TotalErrors        uint64     `json:"totalErrors"`
	TotalServerErrors  uint64     `json:"totalServerErrors"`
	P99MsLastFiveMin   *float64   `json:"p99MsLastFiveMinutes"`
	RequestsLastMinute float64    `json:"requestsPerSecondLastMinute"`
}

// Snapshot returns the last hour. The dialects "openim" and "zim" are
// always there, with zeros when they had no traffic.
func (h *History) Snapshot() HistorySnapshot {
	now := h.now()
	last := now.UnixNano() / int64(h.step)
	first := last - int64(h.slots) + 1
	secs := h.step.Seconds()
	h.mu.Lock()
	defer h.mu.Unlock()
	out := HistorySnapshot{StepSeconds: int(secs), End: (last + 1) * int64(h.step) / int64(time.Millisecond), Dialects: map[string]DialectSnapshot{}}
	names := []string{"openim", "zim"}
	for name := range h.dialects {
		if name != "openim" && name != "zim" {
			names = append(names, name)
		}
	}
	for _, name := range names {
		ring := h.dialects[name]
		d := DialectSnapshot{
			Requests: make([]float64, h.slots), Errors: make([]float64, h.slots),
			ServerErrors: make([]float64, h.slots), P99Ms: make([]*float64, h.slots),
		}
		recent := make([]uint64, len(latencyBounds)+1)
		var lastMinute uint64
		for i := range h.slots {
			step := first + int64(i)
			if ring == nil {
				continue
			}
			s := &ring[step%int64(h.slots)]
			if s.step != step || s.requests == 0 {
				continue
			}
			d.Requests[i] = float64(s.requests) / secs
			d.Errors[i] = float64(s.errors) / secs
			d.ServerErrors[i] = float64(s.serverErrors) / secs
			d.P99Ms[i] = quantile(s.latency, s.requests, 0.99)
			d.TotalRequests += s.requests
			d.TotalErrors += s.errors
			d.TotalServerErrors += s.serverErrors
			if step > last-30 { // the last five minutes
				for j, n := range s.latency {
					recent[j] += uint64(n)
				}
			}
			if step > last-6 {
				lastMinute += s.requests
			}
		}
		var n uint64
		for _, c := range recent {
			n += c
		}
		d.P99MsLastFiveMin = quantile64(recent, n, 0.99)
		d.RequestsLastMinute = float64(lastMinute) / (6 * secs)
		out.Dialects[name] = d
	}
	return out
}

func quantile(buckets []uint32, n uint64, q float64) *float64 {
	b := make([]uint64, len(buckets))
	for i, c := range buckets {
		b[i] = uint64(c)
	}
	return quantile64(b, n, q)
}

// quantile64 estimates the q-quantile in ms from a histogram of n
// observations: linear within the bucket it falls in.
func quantile64(buckets []uint64, n uint64, q float64) *float64 {
	if n == 0 {
		return nil
	}
	rank := q * float64(n)
	var seen float64
	for i, c := range buckets {
		if c == 0 {
			continue
		}
		if seen+float64(c) >= rank {
			lo := 0.0
			if i > 0 {
				lo = latencyBounds[i-1]
			}
			hi := lo * 2
			if i < len(latencyBounds) {
				hi = latencyBounds[i]
			}
			v := lo + (hi-lo)*(rank-seen)/float64(c)
			v = math.Round(v*100) / 100
			return &v
		}
		seen += float64(c)
	}
	v := latencyBounds[len(latencyBounds)-1]
	return &v
}

// Handler serves the snapshot as JSON.
func (h *History) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(h.Snapshot())
	})
}

// History is the in-memory history of the requests the Middleware saw.
func (m *Metrics) History() *History { return m.history }

// observeHistory records a request the Middleware answered: an error is a
// non-zero errCode or Code (an HTTP status of 400 or more for the rest), a
// server error errCode 500, ZIM's 660000001 or an HTTP status of 500 or
// more (503 busy included).
func (m *Metrics) observeHistory(dialect string, code, status int, d time.Duration) {
	if m.history == nil {
		return
	}
	var isErr, isServer bool
	switch dialect {
	case "openim":
		isErr, isServer = code != 0, code == 500 || status >= 500
	case "zim":
		isErr, isServer = code != 0, code == 660000001 || status >= 500
	default:
		isErr, isServer = status >= 400, status >= 500
	}
	m.history.Observe(dialect, isErr, isServer, d)
}
