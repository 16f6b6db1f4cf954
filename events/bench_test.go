package events_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/events"
	"github.com/groupd/groupd/internal/teststore"
)

// BenchmarkDelivery measures, on each store, the backlog drain rate (events
// already in the log delivered to a local HTTP receiver, per second) and
// the delivery latency (commit to a 2xx answer) under a steady write load.
// Run: go test -run '^$' -bench Delivery -benchtime 1x ./events/
func BenchmarkDelivery(b *testing.B) {
	for _, k := range teststore.Kinds() {
		b.Run(string(k), func(b *testing.B) {
			for b.Loop() {
				benchDelivery(b, k)
			}
		})
	}
}

func benchDelivery(b *testing.B, k teststore.Kind) {
	s := teststore.Open(b, k)
	l := s.(domain.EventLog)
	svc := domain.NewService(s, domain.Options{})
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	defer recv.Close()
	ctx := context.Background()
	admin := domain.Actor{UserID: "imAdmin", Admin: true}
	// The sink starts at the head: save its position at the start so the
	// backlog written next is delivered.
	if err := l.SaveSinkProgress(ctx, "zim-callbacks", domain.EventPos{}, nil, nil); err != nil {
		b.Fatal(err)
	}
	const users, groups = 2000, 50
	for i := 0; i < users; i += 1000 {
		batch := make([]domain.User, 0, 1000)
		for j := i; j < i+1000; j++ {
			batch = append(batch, domain.User{UserID: fmt.Sprint("u", j)})
		}
		if _, err := svc.RegisterUsers(ctx, admin, batch, false); err != nil {
			b.Fatal(err)
		}
	}
	for g := range groups {
		if _, _, err := svc.CreateGroup(ctx, admin, domain.CreateGroupInput{OwnerUserID: "u0",
			Group: domain.Group{GroupID: fmt.Sprint("g", g), GroupType: domain.GroupTypeWorking}}); err != nil {
			b.Fatal(err)
		}
	}
	backlog := 0
	for i := range 4000 {
		if _, err := svc.InviteMembers(ctx, admin, domain.InviteInput{GroupID: fmt.Sprint("g", i%groups),
			UserIDs: []string{fmt.Sprint("u", 1+i/groups)}}); err != nil {
			b.Fatal(err)
		}
		backlog++
	}
	backlog += users + groups
	sink := events.NewZIMCallbacks(events.ZIMConfig{URL: recv.URL, AppID: 1, Secret: "s"})
	d := events.New(l, events.Config{Sinks: []events.Sink{sink}, Poll: 10 * time.Millisecond})
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	go d.Run(dctx)
	// Every event counts (those without a ZIM callback are passed over).
	for {
		pos, _, err := l.SinkState(ctx, "zim-callbacks")
		if err != nil {
			b.Fatal(err)
		}
		head, _ := l.EventHead(ctx)
		if pos == head && d.Stats().Snapshot()["zim-callbacks"].Backlog == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	drain := time.Since(start)
	b.ReportMetric(float64(backlog)/drain.Seconds(), "drained-events/s")

	// Latency: 500 writes at about 200/s, each an event with a callback,
	// on a fresh dispatcher (its latencies only).
	cancel()
	time.Sleep(100 * time.Millisecond)
	d = events.New(l, events.Config{Sinks: []events.Sink{sink}, Poll: 10 * time.Millisecond})
	dctx, cancel = context.WithCancel(ctx)
	defer cancel()
	go d.Run(dctx)
	time.Sleep(100 * time.Millisecond)
	var before int64
	for i := range 500 {
		if _, err := svc.Kick(ctx, admin, domain.KickInput{GroupID: fmt.Sprint("g", i%groups), UserIDs: []string{fmt.Sprint("u", 1+i/groups)}}); err != nil {
			b.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for d.Stats().Snapshot()["zim-callbacks"].Delivered < before+500 {
		time.Sleep(5 * time.Millisecond)
	}
	snap := d.Stats().Snapshot()["zim-callbacks"]
	b.ReportMetric(float64(snap.P50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(snap.P99.Microseconds())/1000, "p99-ms")
}
