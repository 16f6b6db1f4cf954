package metrics

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestHistory(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	h := NewHistory(func() time.Time { return now })
	// Step 1: 100 OpenIM requests, 99 fast and one slow, 3 errors, 1 a server error.
	for i := range 100 {
		d := time.Millisecond
		if i == 99 {
			d = 800 * time.Millisecond
		}
		h.Observe("openim", i < 3, i == 0, d)
	}
	now = now.Add(HistoryStep)
	h.Observe("zim", false, false, 4*time.Millisecond)
	s := h.Snapshot()
	if s.StepSeconds != 10 || len(s.Dialects["openim"].Requests) != historySlots {
		t.Fatalf("snapshot shape: %+v", s)
	}
	o := s.Dialects["openim"]
	n := historySlots
	if o.Requests[n-2] != 10 || o.Errors[n-2] != 0.3 || o.ServerErrors[n-2] != 0.1 || o.Requests[n-1] != 0 || o.TotalRequests != 100 {
		t.Fatalf("openim rates: %v %v %v", o.Requests[n-3:], o.Errors[n-3:], o.ServerErrors[n-3:])
	}
	if p := o.P99Ms[n-2]; p == nil || *p < 0.5 || *p > 1 {
		t.Fatalf("p99 of 99 fast and 1 slow: %v", p)
	}
	if o.P99Ms[n-1] != nil {
		t.Fatalf("p99 of an empty step: %v", *o.P99Ms[n-1])
	}
	if z := s.Dialects["zim"]; z.Requests[n-1] != 0.1 || *z.P99Ms[n-1] < 3 || *z.P99Ms[n-1] > 5 {
		t.Fatalf("zim: %v %v", z.Requests[n-1], *z.P99Ms[n-1])
	}
	// An hour later the old steps are gone, and the slots are reused.
	now = now.Add(time.Hour)
	h.Observe("openim", false, false, time.Millisecond)
	s = h.Snapshot()
	if o := s.Dialects["openim"]; o.TotalRequests != 1 || o.Requests[n-1] != 0.1 {
		t.Fatalf("after an hour: total %d, last %v", o.TotalRequests, o.Requests[n-1])
	}
}

func TestHistoryFromMiddleware(t *testing.T) {
	m := New()
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/boom" {
			http.Error(w, "no", 500)
		}
	}))
	for _, p := range []string{"/healthz", "/boom"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	rec := httptest.NewRecorder()
	m.History().Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics/history", nil))
	var s HistorySnapshot
	if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	d := s.Dialects["http"]
	if d.TotalRequests != 2 || d.TotalErrors != 1 || d.TotalServerErrors != 1 {
		t.Fatalf("http dialect: %+v", d)
	}
	if _, ok := s.Dialects["openim"]; !ok {
		t.Fatal("openim is always in the snapshot")
	}
}
