package zim

import (
	"context"
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	for _, c := range []struct {
		qps    float64
		n      int
		window time.Duration
	}{
		{20, 20, time.Second},
		{1, 1, time.Second},
		{2.5, 2, time.Second},
		{0.5, 1, 2 * time.Second},
		{0.1, 1, 10 * time.Second},
	} {
		if n, w := Window(c.qps); n != c.n || w != c.window {
			t.Errorf("Window(%v) = %d per %v, want %d per %v", c.qps, n, w, c.n, c.window)
		}
	}
}

// No window of the limiter's length ever holds more than n admissions,
// whatever the pattern of requests; and the limiter admits as many as that
// allows.
func TestMemoryLimiterSlidingWindow(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	cases := []struct {
		name  string
		qps   float64
		at    []time.Duration // request times
		admit []bool
	}{
		{"burst then nothing for a second", 3,
			[]time.Duration{0, 0, 0, 0, ms(500), ms(999), ms(1000), ms(1000), ms(1000), ms(1000)},
			[]bool{true, true, true, false, false, false, true, true, true, false}},
		{"spread: the oldest leaves the window", 2,
			[]time.Duration{0, ms(600), ms(999), ms(1000), ms(1500), ms(1600), ms(2000)},
			[]bool{true, true, false, true, false, true, true}},
		{"refused requests do not count", 1,
			[]time.Duration{0, ms(100), ms(200), ms(1000), ms(1999), ms(2000)},
			[]bool{true, false, false, true, false, true}},
		{"below one per second", 0.5,
			[]time.Duration{0, ms(1000), ms(1999), ms(2000), ms(3000), ms(4000)},
			[]bool{true, false, false, true, false, true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base := time.Unix(1_700_000_000, 0)
			now := base
			l := NewMemoryLimiter(c.qps, func() time.Time { return now })
			for i, at := range c.at {
				now = base.Add(at)
				ok, err := l.Allow(context.Background(), "k")
				if err != nil || ok != c.admit[i] {
					t.Fatalf("request %d at %v: admitted %v (%v), want %v", i, at, ok, err, c.admit[i])
				}
			}
		})
	}
	// A long random-ish pattern: every window of one second holds <= 20.
	base := time.Unix(1_700_000_000, 0)
	now := base
	l := NewMemoryLimiter(20, func() time.Time { return now })
	var admitted []time.Time
	for i := range 5000 {
		now = now.Add(time.Duration(i*i%7) * time.Millisecond / 2)
		if ok, _ := l.Allow(context.Background(), "k"); ok {
			admitted = append(admitted, now)
		}
	}
	for i := 0; i+20 < len(admitted); i++ {
		if admitted[i+20].Sub(admitted[i]) < time.Second {
			t.Fatalf("21 admissions within %v", admitted[i+20].Sub(admitted[i]))
		}
	}
	if len(admitted) < 20*int(now.Sub(base)/time.Second) {
		t.Fatalf("only %d admitted over %v", len(admitted), now.Sub(base))
	}
	// Idle keys are forgotten.
	now = now.Add(time.Hour)
	l.Allow(context.Background(), "other")
	if len(l.keys) != 1 {
		t.Fatalf("%d keys kept after an hour idle", len(l.keys))
	}
}
