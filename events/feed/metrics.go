package feed

import "github.com/prometheus/client_golang/prometheus"

// Collector exports f's counters:
//
//	groupd_events_feeds               gauge   (feeds open now)
//	groupd_events_feeds_total         counter (feeds opened)
//	groupd_events_feed_cut_off_total  counter (slow consumers cut off)
//	groupd_events_feed_refused_total  counter (refused over --events-feed-max)
func Collector(f *Feed) prometheus.Collector { return collector{f} }

type collector struct{ f *Feed }

var (
	descActive  = prometheus.NewDesc("groupd_events_feeds", "Change feeds (GET /events) open now.", nil, nil)
	descServed  = prometheus.NewDesc("groupd_events_feeds_total", "Change feeds opened.", nil, nil)
	descCut     = prometheus.NewDesc("groupd_events_feed_cut_off_total", "Change feeds cut off for not keeping up (they resume by cursor).", nil, nil)
	descRefused = prometheus.NewDesc("groupd_events_feed_refused_total", "Change feeds refused over the limit of feeds open at once.", nil, nil)
)

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descActive
	ch <- descServed
	ch <- descCut
	ch <- descRefused
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	s := c.f.Stats()
	ch <- prometheus.MustNewConstMetric(descActive, prometheus.GaugeValue, float64(s.Active))
	ch <- prometheus.MustNewConstMetric(descServed, prometheus.CounterValue, float64(s.Served))
	ch <- prometheus.MustNewConstMetric(descCut, prometheus.CounterValue, float64(s.CutOff))
	ch <- prometheus.MustNewConstMetric(descRefused, prometheus.CounterValue, float64(s.Refused))
}
