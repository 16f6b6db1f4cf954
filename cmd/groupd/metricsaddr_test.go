package main

import (
	"strings"
	"testing"
)

// --metrics-addr moves /metrics (and pprof) to a listener of its own: the
// API port no longer answers them. Without it /metrics stays on the API
// port and pprof is off (or on --pprof-addr).
func TestMetricsAddr(t *testing.T) {
	cases := []struct {
		name          string
		extra         []string
		metricsOnAPI  bool
		separate      bool // a metrics listener serves /metrics and pprof
		pprofSeparate bool // --pprof-addr serves pprof
	}{
		{"default: metrics on the API port", nil, true, false, false},
		{"--metrics-addr", []string{"--metrics-addr", "127.0.0.1:0"}, false, true, false},
		{"--metrics-addr and --pprof-addr", []string{"--metrics-addr", "127.0.0.1:0", "--pprof-addr", "127.0.0.1:0"}, false, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := startWith(t, hardConfig(t, t.TempDir(), c.extra...), &syncBuffer{}, nil)
			api := "http://" + m.Addr()
			adminToken(t, m.Addr()) // one request to count
			code, _, body := get(t, api+"/metrics")
			if got := code == 200 && strings.Contains(body, "groupd_requests_total"); got != c.metricsOnAPI {
				t.Errorf("/metrics on the API port: HTTP %d, served=%v, want %v", code, got, c.metricsOnAPI)
			}
			if code, _, _ := get(t, api+"/debug/pprof/"); code == 200 {
				t.Error("pprof is served on the API port")
			}
			if (m.MetricsAddr() != "") != c.separate {
				t.Fatalf("metrics listener %q, want one: %v", m.MetricsAddr(), c.separate)
			}
			if c.separate {
				base := "http://" + m.MetricsAddr()
				code, _, body := get(t, base+"/metrics")
				if code != 200 || !strings.Contains(body, `groupd_requests_total{code="0",dialect="openim",route="/auth/get_admin_token"} 1`) {
					t.Errorf("/metrics on --metrics-addr: HTTP %d\n%.500s", code, body)
				}
				if code, _, body := get(t, base+"/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
					t.Errorf("pprof on --metrics-addr: HTTP %d", code)
				}
				if code, _, _ := get(t, base+"/group/get_groups_info"); code == 200 {
					t.Error("the metrics listener serves the API")
				}
			}
			if (m.PprofAddr() != "") != c.pprofSeparate {
				t.Fatalf("pprof listener %q, want one: %v", m.PprofAddr(), c.pprofSeparate)
			}
		})
	}
}
