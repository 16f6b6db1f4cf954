package main

import (
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Busy answers. A request over the --max-inflight cap is refused at once
// (never queued) with HTTP 503 and Retry-After: 1, and a body in the
// dialect of its path, so that each dialect's clients can parse it:
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

// limitInflight serves at most max requests at a time (max <= 0: no cap).
// The probes /healthz and /readyz are never refused.
func limitInflight(next http.Handler, max int, log *slog.Logger) http.Handler {
	if max <= 0 {
		return next
	}
	sem := make(chan struct{}, max)
	var refused atomic.Int64
	var lastLog atomic.Int64 // Unix ns of the last "refused" log line
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
			next.ServeHTTP(w, r)
		default:
			n := refused.Add(1)
			// One log line per second at most: an overload must not also
			// flood the log.
			now := time.Now().UnixNano()
			if last := lastLog.Load(); now-last >= int64(time.Second) && lastLog.CompareAndSwap(last, now) {
				log.Warn("server busy: request refused", "maxInflight", max, "refusedTotal", n, "path", r.URL.Path)
			}
			writeBusy(w, r)
		}
	})
}

// writeBusy answers a refused request in its dialect: ZIM on the root path,
// OpenIM elsewhere.
func writeBusy(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.URL.Path == "/" {
		body, _ = json.Marshal(struct {
			Code      int    `json:"Code"`
			Message   string `json:"Message"`
			RequestID string `json:"RequestId"`
		}{zimBusyCode, zimBusyMsg, strconv.FormatUint(100_000_000_000_000_000+rand.Uint64N(900_000_000_000_000_000), 10)})
	} else {
		body, _ = json.Marshal(struct {
			ErrCode int    `json:"errCode"`
			ErrMsg  string `json:"errMsg"`
			ErrDlt  string `json:"errDlt"`
		}{500, "ServerInternalError", openimBusyDlt})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Retry-After", "1")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write(append(body, '\n'))
}
