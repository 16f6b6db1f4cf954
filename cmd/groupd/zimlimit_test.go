package main

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupd/groupd/redisx"
	"github.com/groupd/groupd/store/postgres"
)

type zimOutcome struct {
	sent, recv time.Time
	code       int
}

// TestZIMRateLimitWindow: with --zim-qps 20, no one-second window holds
// more than 20 admitted requests of one Action, on one node and across
// two nodes sharing Redis. Requests are fired from 4 clients for 1.6 s.
//
// The check is sound whatever the latencies: a request was admitted at
// some moment between its sending and its answer, so n+1 admitted
// requests all sent and answered within less than a second prove a
// window over the limit.
func TestZIMRateLimitWindow(t *testing.T) {
	const qps = 20
	cases := []struct {
		name  string
		nodes int
		redis bool
	}{
		{"one node, in memory", 1, false},
		{"two nodes, Redis", 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			extra := []string{"--zim-qps", "20"}
			if c.redis {
				extra = append(extra, "--db", postgres.CreateTestSchema(t), "--redis", redisx.RequireTestRedis(t),
					"--redis-prefix", redisx.TestPrefix())
			}
			var addrs []string
			for range c.nodes {
				addrs = append(addrs, startWith(t, hardConfig(t, t.TempDir(), extra...), io.Discard, nil).Addr())
			}
			var mu sync.Mutex
			var out []zimOutcome
			var wg sync.WaitGroup
			start := time.Now()
			for w := range 4 {
				wg.Go(func() {
					hc := &http.Client{Timeout: 10 * time.Second}
					for i := 0; time.Since(start) < 1600*time.Millisecond; i++ {
						o := zimOutcome{sent: time.Now()}
						resp, err := hc.Post(zimURL(addrs[(w+i)%len(addrs)], "QueryGroupInfo", nil), "application/json",
							strings.NewReader(`{"FromUserId":"nobody","GroupId":"g"}`))
						if err != nil {
							t.Error(err)
							return
						}
						var env struct{ Code int }
						b, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						o.recv = time.Now()
						if json.Unmarshal(b, &env) != nil {
							t.Errorf("HTTP %d: %s", resp.StatusCode, b)
							return
						}
						o.code = env.Code
						mu.Lock()
						out = append(out, o)
						mu.Unlock()
						time.Sleep(2 * time.Millisecond)
					}
				})
			}
			wg.Wait()
			var admitted []zimOutcome
			limited := 0
			for _, o := range out {
				switch o.code {
				case 660300005:
					limited++
				case 660000001:
					t.Fatalf("server error: the limiter failed")
				default:
					admitted = append(admitted, o)
				}
			}
			slices.SortFunc(admitted, func(a, b zimOutcome) int { return a.sent.Compare(b.sent) })
			firstSecond := 0
			for _, o := range admitted {
				if o.sent.Sub(start) < time.Second {
					firstSecond++
				}
			}
			t.Logf("%d requests: %d admitted (%d of those sent in the first second), %d rate limited",
				len(out), len(admitted), firstSecond, limited)
			if limited == 0 {
				t.Fatal("nothing was rate limited")
			}
			for i := 0; i+qps < len(admitted); i++ {
				last := admitted[i]
				for _, o := range admitted[i : i+qps+1] {
					if o.recv.After(last.recv) {
						last = o
					}
				}
				if span := last.recv.Sub(admitted[i].sent); span < time.Second {
					t.Fatalf("%d requests admitted within %v (sent from %v after the start): more than %d in one second",
						qps+1, span, admitted[i].sent.Sub(start), qps)
				}
			}
		})
	}
}
