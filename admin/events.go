package admin

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/events"
)

// EventsAPI is the operator's view of event delivery, mounted under
// /admin/api/events behind RequireAdminToken:
//
//	GET  /admin/api/events                     every sink: delivered, failures, replayed, backlog, dead letters, latency
//	GET  /admin/api/events/dead?sink=S&limit=N dead letters, oldest first (sink "" = every sink; limit ≤ 1000, default 100)
//	POST /admin/api/events/replay              {"sink":"S","eventIDs":[…]}: marks dead letters for another delivery
//	                                           (sink "" = every sink, no eventIDs = all of them); answers {"marked":n}
//
// Errors are OpenIM-shaped ({"errCode","errMsg","errDlt"}) with an HTTP
// status.
type EventsAPI struct {
	Log   domain.EventLog
	Sinks []string                              // the configured sinks' names
	Stats func() map[string]events.SinkSnapshot // the dispatcher's counters (nil: none)
}

// SinkStatus is one sink in GET /admin/api/events.
type SinkStatus struct {
	Name        string  `json:"name"`
	Delivered   int64   `json:"delivered"`
	Failures    int64   `json:"failures"`
	Replayed    int64   `json:"replayed"`
	Backlog     int64   `json:"backlog"`
	DeadLetters int64   `json:"deadLetters"`
	P50Ms       float64 `json:"p50Ms"`
	P99Ms       float64 `json:"p99Ms"`
}

// DeadLetter is one dead letter in GET /admin/api/events/dead.
type DeadLetter struct {
	Sink      string `json:"sink"`
	EventID   int64  `json:"eventID"`
	Partition string `json:"partition"`
	Type      string `json:"type"`
	Attempts  int    `json:"attempts"`
	Error     string `json:"error"`
	DeadAt    int64  `json:"deadAt"` // Unix ms
	Replay    bool   `json:"replay"` // marked for another delivery, not yet tried
}

// ReplayRequest is POST /admin/api/events/replay's body.
type ReplayRequest struct {
	Sink     string  `json:"sink"`
	EventIDs []int64 `json:"eventIDs"`
}

// Handler serves the routes; mount it at "/admin/api/events" and
// "/admin/api/events/" (behind RequireAdminToken).
func (a EventsAPI) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/api/events", a.status)
	mux.HandleFunc("GET /admin/api/events/dead", a.dead)
	mux.HandleFunc("POST /admin/api/events/replay", a.replay)
	return mux
}

func (a EventsAPI) status(w http.ResponseWriter, r *http.Request) {
	counts, err := a.Log.CountDeadLetters(r.Context())
	if err != nil {
		deny(w, http.StatusServiceUnavailable, 500, "ServerInternalError", "count dead letters: "+err.Error())
		return
	}
	var snap map[string]events.SinkSnapshot
	if a.Stats != nil {
		snap = a.Stats()
	}
	names := slices.Clone(a.Sinks)
	for n := range counts {
		if !slices.Contains(names, n) {
			names = append(names, n) // a sink no longer configured that left dead letters
		}
	}
	out := []SinkStatus{}
	for _, n := range names {
		s := snap[n]
		out = append(out, SinkStatus{Name: n, Delivered: s.Delivered, Failures: s.Failures, Replayed: s.Replayed,
			Backlog: s.Backlog, DeadLetters: counts[n], P50Ms: float64(s.P50.Microseconds()) / 1000,
			P99Ms: float64(s.P99.Microseconds()) / 1000})
	}
	writeJSON(w, map[string]any{"sinks": out})
}

func (a EventsAPI) dead(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			deny(w, http.StatusBadRequest, 1001, "ArgsError", "limit must be 1 to 1000")
			return
		}
		limit = n
	}
	dls, err := a.Log.DeadLetters(r.Context(), q.Get("sink"), limit)
	if err != nil {
		deny(w, http.StatusServiceUnavailable, 500, "ServerInternalError", "read dead letters: "+err.Error())
		return
	}
	out := make([]DeadLetter, len(dls))
	for i, d := range dls {
		out[i] = DeadLetter{Sink: d.Sink, EventID: d.EventID, Partition: d.Partition, Type: d.Type,
			Attempts: d.Attempts, Error: d.Error, DeadAt: d.DeadAt, Replay: d.Replay}
	}
	writeJSON(w, map[string]any{"deadLetters": out})
}

func (a EventsAPI) replay(w http.ResponseWriter, r *http.Request) {
	var req ReplayRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil && !errors.Is(err, io.EOF) { // an empty body is {}
		deny(w, http.StatusBadRequest, 1001, "ArgsError", "body: "+err.Error())
		return
	}
	if len(req.EventIDs) == 0 {
		req.EventIDs = nil // all of them
	}
	n, err := a.Log.ReplayDeadLetters(r.Context(), req.Sink, req.EventIDs)
	if err != nil {
		deny(w, http.StatusServiceUnavailable, 500, "ServerInternalError", "mark dead letters: "+err.Error())
		return
	}
	writeJSON(w, map[string]any{"marked": n})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}
