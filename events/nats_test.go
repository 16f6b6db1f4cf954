package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/events"
	"github.com/groupd/groupd/internal/teststore"
)

func TestNATSSubject(t *testing.T) {
	for _, c := range []struct {
		ev   domain.Event
		want string
	}{
		{domain.Event{GroupID: "g1", Partition: "g1"}, "groupd.events.g1"},
		{domain.Event{GroupID: "a.b *>c%", Partition: "a.b *>c%"}, "groupd.events.a%2Eb%20%2A%3Ec%25"},
		{domain.Event{Partition: domain.UserPartition("u.1")}, "groupd.events.user.u%2E1"},
		{domain.Event{GroupID: "user", Partition: "user"}, "groupd.events.user"},
	} {
		if got := events.NATSSubject("groupd.events", c.ev); got != c.want {
			t.Errorf("%+v: %s, want %s", c.ev, got, c.want)
		}
	}
}

// TestNATSSink publishes through the real dispatcher and reads the stream
// back with a JetStream consumer: every event once, its ID as Nats-Msg-Id,
// in order per group; publishing again (a redelivery) is de-duplicated.
func TestNATSSink(t *testing.T) {
	url := teststore.NATS(t)
	ctx := context.Background()
	tag := fmt.Sprintf("T%d%d", time.Now().UnixNano()%1e9, rand.IntN(1000))
	cfg := events.NATSConfig{URL: url, Stream: "GROUPD_TEST_" + tag, Subject: "groupdtest." + tag + ".events"}
	sink, err := events.NewNATS(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	js := sink.JetStream()
	t.Cleanup(func() { js.DeleteStream(context.Background(), cfg.Stream) })

	l := teststore.Open(t, teststore.SQLite)
	svc := domain.NewService(l, domain.Options{})
	// The sink starts at the beginning of the log, not at its head.
	if err := l.SaveSinkProgress(ctx, sink.Name(), domain.EventPos{}, nil, nil); err != nil {
		t.Fatal(err)
	}
	workload(t, svc, l, "n", 5, 1000) // users, 5 groups, 2,000 changes
	all := allEvents(t, l)
	c := fastConfig(sink)
	d := events.New(l, c)
	dctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	start := time.Now()
	go func() { d.Run(dctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "every event published", func() bool { return d.Stats().Snapshot()["nats"].Delivered >= int64(len(all)) })
	elapsed := time.Since(start)
	t.Logf("backlog of %d events published through the dispatcher in %v: %.0f/s", len(all),
		elapsed.Round(time.Millisecond), float64(len(all))/elapsed.Seconds())

	// Publish every event again, as a redelivery after a crash would.
	t0 := time.Now()
	for _, ev := range all {
		if err := sink.Deliver(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("republished %d events (duplicates) one at a time: %.0f/s", len(all), float64(len(all))/time.Since(t0).Seconds())

	st, err := js.Stream(ctx, cfg.Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != uint64(len(all)) {
		t.Fatalf("stream holds %d messages, want %d (one per event: duplicates dropped)", info.State.Msgs, len(all))
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]domain.Event{}
	for _, ev := range all {
		byID[ev.ID] = ev
	}
	lastSeq := map[string]int64{}
	seen := map[int64]bool{}
	for i := 0; i < len(all); {
		batch, err := cons.Fetch(min(500, len(all)-i), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			i++
			id, err := strconv.ParseInt(m.Headers().Get(jetstream.MsgIDHeader), 10, 64)
			if err != nil {
				t.Fatalf("Nats-Msg-Id %q", m.Headers().Get(jetstream.MsgIDHeader))
			}
			var p events.Payload
			if err := json.Unmarshal(m.Data(), &p); err != nil {
				t.Fatal(err)
			}
			ev, ok := byID[id]
			if !ok || p.ID != id || p.Type != ev.Type || p.Seq != ev.Seq || p.GroupID != ev.GroupID {
				t.Fatalf("message %s %d: %+v, event %+v", m.Subject(), id, p, ev)
			}
			if m.Subject() != events.NATSSubject(cfg.Subject, ev) {
				t.Fatalf("event %d on %s", id, m.Subject())
			}
			if seen[id] {
				t.Fatalf("event %d stored twice", id)
			}
			seen[id] = true
			if p.Seq <= lastSeq[p.Partition] {
				t.Fatalf("%s: seq %d after %d", p.Partition, p.Seq, lastSeq[p.Partition])
			}
			lastSeq[p.Partition] = p.Seq
		}
		if batch.Error() != nil || n == 0 {
			t.Fatalf("fetch after %d of %d: %v", i, len(all), batch.Error())
		}
	}
	if len(seen) != len(all) {
		t.Fatalf("%d events in the stream, want %d", len(seen), len(all))
	}
}

// TestNATSExistingStream: a stream that exists and covers the subjects is
// reused; one that does not is a clear delivery error.
func TestNATSExistingStream(t *testing.T) {
	url := teststore.NATS(t)
	ctx := context.Background()
	tag := fmt.Sprintf("X%d%d", time.Now().UnixNano()%1e9, rand.IntN(1000))
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	name := "GROUPD_TEST_" + tag
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{"groupdtest." + tag + ".*.>"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { js.DeleteStream(context.Background(), name) })
	ev := domain.Event{ID: 1, Seq: 1, GroupID: "g", Partition: "g", Type: domain.EventGroupUpdated}

	ok, err := events.NewNATS(events.NATSConfig{URL: url, Stream: name, Subject: "groupdtest." + tag + ".events"})
	if err != nil {
		t.Fatal(err)
	}
	defer ok.Close()
	if err := ok.Deliver(ctx, ev); err != nil {
		t.Fatalf("reusing a covering stream: %v", err)
	}
	bad, _ := events.NewNATS(events.NATSConfig{URL: url, Stream: name, Subject: "groupdtest.other" + tag})
	defer bad.Close()
	if err := bad.Deliver(ctx, ev); err == nil {
		t.Fatal("a stream not covering the subjects was used")
	} else {
		t.Log(err)
	}
}
