package events

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Stats counts the dispatcher's work. It is a prometheus.Collector:
//
//	groupd_events_delivered_total{sink}              counter
//	groupd_events_delivery_failures_total{sink}      counter (attempts that failed)
//	groupd_events_replayed_total{sink}               counter (dead letters delivered on replay)
//	groupd_events_dead_letters{sink}                 gauge   (dead letters waiting for an operator)
//	groupd_events_backlog{sink}                      gauge   (events read and not yet delivered)
//	groupd_events_delivery_latency_seconds{sink}     histogram (commit to delivery)
//	groupd_events_pruned_total                       counter (events removed by retention)
//	groupd_events_lease_held                         gauge   (1 on the node delivering)
type Stats struct {
	mu        sync.Mutex
	sinks     map[string]*sinkStats
	pruned    atomic.Int64
	leaseHeld atomic.Bool
}

type sinkStats struct {
	delivered, failures, replayed atomic.Int64
	dead, backlog                 atomic.Int64
	mu                            sync.Mutex
	lat                           []float64 // recent latencies (s), a ring
	latPos                        int
	hist                          prometheus.Histogram
}

func newStats() *Stats { return &Stats{sinks: map[string]*sinkStats{}} }

func (s *Stats) sink(name string) *sinkStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.sinks[name]
	if st == nil {
		st = &sinkStats{hist: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "groupd_events_delivery_latency_seconds", Help: "Time from an event's commit to its delivery.",
			ConstLabels: prometheus.Labels{"sink": name},
			Buckets:     []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 3600},
		})}
		s.sinks[name] = st
	}
	return st
}

func (st *sinkStats) observeLatency(d time.Duration) {
	st.hist.Observe(d.Seconds())
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.lat) < 10000 {
		st.lat = append(st.lat, d.Seconds())
		return
	}
	st.lat[st.latPos] = d.Seconds()
	st.latPos = (st.latPos + 1) % len(st.lat)
}

// SinkSnapshot is one sink's counters.
type SinkSnapshot struct {
	Delivered, Failures, Replayed, DeadLetters, Backlog int64
	// P50 and P99 of the last 10000 delivery latencies (commit to delivery).
	P50, P99 time.Duration
}

// Snapshot returns every sink's counters.
func (s *Stats) Snapshot() map[string]SinkSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]SinkSnapshot, len(s.sinks))
	for name, st := range s.sinks {
		st.mu.Lock()
		lat := append([]float64(nil), st.lat...)
		st.mu.Unlock()
		sort.Float64s(lat)
		q := func(f float64) time.Duration {
			if len(lat) == 0 {
				return 0
			}
			return time.Duration(lat[min(len(lat)-1, int(f*float64(len(lat))))] * float64(time.Second))
		}
		out[name] = SinkSnapshot{Delivered: st.delivered.Load(), Failures: st.failures.Load(), Replayed: st.replayed.Load(),
			DeadLetters: st.dead.Load(), Backlog: st.backlog.Load(), P50: q(.5), P99: q(.99)}
	}
	return out
}

var (
	descDelivered = prometheus.NewDesc("groupd_events_delivered_total", "Events delivered, per sink.", []string{"sink"}, nil)
	descFailures  = prometheus.NewDesc("groupd_events_delivery_failures_total", "Failed delivery attempts, per sink.", []string{"sink"}, nil)
	descReplayed  = prometheus.NewDesc("groupd_events_replayed_total", "Dead letters delivered on replay, per sink.", []string{"sink"}, nil)
	descDead      = prometheus.NewDesc("groupd_events_dead_letters", "Dead letters waiting for an operator, per sink.", []string{"sink"}, nil)
	descBacklog   = prometheus.NewDesc("groupd_events_backlog", "Events read and not yet delivered, per sink.", []string{"sink"}, nil)
	descPruned    = prometheus.NewDesc("groupd_events_pruned_total", "Events removed by retention.", nil, nil)
	descLease     = prometheus.NewDesc("groupd_events_lease_held", "1 while this node is the one delivering events.", nil, nil)
)

// Describe implements prometheus.Collector. It describes nothing: the
// latency histograms come and go with the sinks, so Stats is an unchecked
// collector.
func (s *Stats) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector.
func (s *Stats) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	sinks := make(map[string]*sinkStats, len(s.sinks))
	for k, v := range s.sinks {
		sinks[k] = v
	}
	s.mu.Unlock()
	for name, st := range sinks {
		ch <- prometheus.MustNewConstMetric(descDelivered, prometheus.CounterValue, float64(st.delivered.Load()), name)
		ch <- prometheus.MustNewConstMetric(descFailures, prometheus.CounterValue, float64(st.failures.Load()), name)
		ch <- prometheus.MustNewConstMetric(descReplayed, prometheus.CounterValue, float64(st.replayed.Load()), name)
		ch <- prometheus.MustNewConstMetric(descDead, prometheus.GaugeValue, float64(st.dead.Load()), name)
		ch <- prometheus.MustNewConstMetric(descBacklog, prometheus.GaugeValue, float64(st.backlog.Load()), name)
		st.hist.Collect(ch)
	}
	ch <- prometheus.MustNewConstMetric(descPruned, prometheus.CounterValue, float64(s.pruned.Load()))
	lease := 0.0
	if s.leaseHeld.Load() {
		lease = 1
	}
	ch <- prometheus.MustNewConstMetric(descLease, prometheus.GaugeValue, lease)
}
