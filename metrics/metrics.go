// Package metrics exposes groupd's Prometheus metrics: requests by dialect,
// route and code with their latency, rate-limit rejections, store query
// latency (through a domain.Store decorator) and cache hits.
//
// Metric names:
//
//	groupd_requests_total{dialect,route,code}            counter
//	groupd_request_duration_seconds{dialect,route}       histogram
//	groupd_requests_in_flight                            gauge
//	groupd_rate_limited_total{dialect,route,code}        counter
//	groupd_store_duration_seconds{method,result}         histogram
//	groupd_cache_requests_total{cache,result}            counter (hit|miss)
//
// dialect is "openim", "zim" or "http" (health checks, /metrics, the admin
// page, requests no dialect answered); code is the OpenIM errCode or the
// ZIM Code, or the HTTP status for "http".
package metrics

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/reqinfo"
)

// Metrics holds the collectors of one server, on its own registry.
type Metrics struct {
	Registry *prometheus.Registry

	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	inflight    prometheus.Gauge
	rateLimited *prometheus.CounterVec
	store       *prometheus.HistogramVec
	cache       *prometheus.CounterVec

	history *History // history.go: the last hour, for the admin dashboard
}

// New returns the metrics on a fresh registry, with the Go runtime and
// process collectors.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "groupd_requests_total",
			Help: "Requests answered, by dialect, route (OpenIM path or ZIM Action) and code (errCode, Code or HTTP status).",
		}, []string{"dialect", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "groupd_request_duration_seconds",
			Help:    "Time to answer a request, by dialect and route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"dialect", "route"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "groupd_requests_in_flight",
			Help: "Requests being served.",
		}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "groupd_rate_limited_total",
			Help: "Requests refused by a rate limit or the in-flight cap, by dialect, route and code.",
		}, []string{"dialect", "route", "code"}),
		store: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "groupd_store_duration_seconds",
			Help:    "Time of each store call, by method (tx.* inside a write transaction; Write is the whole transaction) and result (ok, not_found, error).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "result"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "groupd_cache_requests_total",
			Help: "Cache lookups by cache and result (hit or miss); the hit ratio is hit / (hit + miss).",
		}, []string{"cache", "result"}),
		history: NewHistory(nil),
	}
	m.Registry.MustRegister(m.requests, m.duration, m.inflight, m.rateLimited, m.store, m.cache,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' text format (GET /metrics).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Middleware counts and times every request. The dialects record their
// route and code in the request's reqinfo.Info; requests they did not
// answer are labelled by path and HTTP status.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inflight.Inc()
		defer m.inflight.Dec()
		ctx, info := reqinfo.NewContext(r.Context())
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(ctx))
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		dialect, route, code := "http", otherRoute(r.URL.Path), strconv.Itoa(status)
		if info.Recorded {
			dialect, route, code = info.Dialect, info.Route, strconv.Itoa(info.Code)
			if route == "" {
				route = "other" // no route matched, or one the client made up
			}
		}
		elapsed := time.Since(start)
		m.requests.WithLabelValues(dialect, route, code).Inc()
		m.duration.WithLabelValues(dialect, route).Observe(elapsed.Seconds())
		m.observeHistory(dialect, info.Code, status, elapsed)
		switch {
		case info.RateLimited,
			status == http.StatusTooManyRequests, status == http.StatusServiceUnavailable && !info.Recorded && route == "other":
			m.rateLimited.WithLabelValues(dialect, route, code).Inc()
		}
	})
}

// otherRoute labels a request no dialect answered: the fixed paths by
// name, everything else "other" (so that scanners cannot grow the label set).
func otherRoute(path string) string {
	switch {
	case path == "/healthz", path == "/readyz", path == "/metrics", path == "/metrics/history", path == "/openapi.json":
		return path
	case strings.HasPrefix(path, "/admin/") || path == "/admin":
		return "/admin/"
	}
	return "other"
}

// ObserveCache counts one cache lookup; pass it to a cache as its hook.
func (m *Metrics) ObserveCache(cache string, hit bool) {
	result := "miss"
	if hit {
		result = "hit"
	}
	m.cache.WithLabelValues(cache, result).Inc()
}

func (m *Metrics) observeSince(method string, start time.Time, err *error) {
	result := "ok"
	switch {
	case *err == nil:
	case errors.Is(*err, domain.ErrNotFound):
		result = "not_found"
	default:
		result = "error"
	}
	m.store.WithLabelValues(method, result).Observe(time.Since(start).Seconds())
}

// InstrumentStore returns s with every call timed into
// groupd_store_duration_seconds.
func (m *Metrics) InstrumentStore(s domain.Store) domain.Store {
	return &store{next: s, m: m}
}

// store is the instrumented domain.Store; its query methods are in
// store_gen.go.
type store struct {
	next domain.Store
	m    *Metrics
}

func (s *store) Write(ctx context.Context, fn func(domain.Tx) error) (err error) {
	defer s.m.observeSince("Write", time.Now(), &err)
	return s.next.Write(ctx, func(t domain.Tx) error { return fn(&tx{next: t, m: s.m}) })
}

func (s *store) Ping(ctx context.Context) (err error) {
	defer s.m.observeSince("Ping", time.Now(), &err)
	return s.next.Ping(ctx)
}

func (s *store) Close() error { return s.next.Close() }

// tx is the instrumented domain.Tx.
type tx struct {
	next domain.Tx
	m    *Metrics
}

var (
	_ domain.Store = (*store)(nil)
	_ domain.Tx    = (*tx)(nil)
)
