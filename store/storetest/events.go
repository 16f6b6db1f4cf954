package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
)

// The event log (domain.Tx.AppendEvents and domain.EventLog, part of
// every domain.Store).

func eventLog(t *testing.T, s domain.Store) domain.EventLog {
	t.Helper()
	return s
}

func newEvent(part, typ string, tm int64) domain.Event {
	return domain.Event{Partition: part, Type: typ, GroupID: part, UserIDs: []string{"u1", "u2"}, Time: tm,
		OperatorUserID: "op", Dialect: "openim", OperationID: "op-" + typ, Data: []byte(`{"reason":"r"}`)}
}

func appendEvents(t *testing.T, s domain.Store, evs ...domain.Event) {
	t.Helper()
	write(t, s, func(tx domain.Tx) error { return tx.AppendEvents(t.Context(), evs) })
}

// readEvents reads the whole log after pos, waiting (PostgreSQL shows an
// event only once every older transaction, of any test, has ended) until
// it holds want events.
func readEvents(t *testing.T, l domain.EventLog, after domain.EventPos, want int) []domain.Event {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var all []domain.Event
		pos := after
		for {
			evs, err := l.ReadEvents(t.Context(), pos, 3)
			noErr(t, err)
			if len(evs) == 0 {
				break
			}
			all = append(all, evs...)
			pos = evs[len(evs)-1].Pos()
		}
		if len(all) >= want || time.Now().After(deadline) {
			if len(all) != want {
				t.Fatalf("read %d events, want %d", len(all), want)
			}
			return all
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func partSeqs(evs []domain.Event) map[string][]int64 {
	out := map[string][]int64{}
	for _, e := range evs {
		out[e.Partition] = append(out[e.Partition], e.Seq)
	}
	return out
}

var eventTests = []test{
	{"AppendAssignsIDsAndPartitionSeqs", func(t *testing.T, s domain.Store) {
		l := eventLog(t, s)
		appendEvents(t, s, newEvent("g1", "a", 1), newEvent("g2", "b", 2))
		appendEvents(t, s, newEvent("g1", "c", 3))
		appendEvents(t, s, newEvent("g1", "d", 4), newEvent("g1", "e", 5)) // one partition twice in one call
		evs := readEvents(t, l, domain.EventPos{}, 5)
		wantEqual(t, "seqs", partSeqs(evs), map[string][]int64{"g1": {1, 2, 3, 4}, "g2": {1}})
		var types []string
		for i, e := range evs {
			if i > 0 && !evs[i-1].Pos().Less(e.Pos()) {
				t.Fatalf("event %d at %+v does not follow %+v", i, e.Pos(), evs[i-1].Pos())
			}
			if e.ID <= 0 {
				t.Fatalf("event ID %d", e.ID)
			}
			if e.Partition == "g1" {
				types = append(types, e.Type)
			}
		}
		wantEqual(t, "g1 types in order", types, []string{"a", "c", "d", "e"})
		got := evs[0]
		got.ID, got.Seq, got.TxID = 0, 0, 0
		want := newEvent(got.Partition, got.Type, got.Time)
		wantEqual(t, "round trip", got, want)
	}},
	{"FailedWriteLeavesNoEventAndNoSeq", func(t *testing.T, s domain.Store) {
		l := eventLog(t, s)
		err := s.Write(t.Context(), func(tx domain.Tx) error {
			if err := tx.AppendEvents(t.Context(), []domain.Event{newEvent("g1", "lost", 1)}); err != nil {
				return err
			}
			return errBoom
		})
		wantErrIs(t, err, errBoom, "")
		appendEvents(t, s, newEvent("g1", "kept", 2))
		evs := readEvents(t, l, domain.EventPos{}, 1)
		wantEqual(t, "type", evs[0].Type, "kept")
		wantEqual(t, "seq", evs[0].Seq, int64(1))
	}},
	{"ConcurrentAppendsKeepPartitionOrder", func(t *testing.T, s domain.Store) {
		l := eventLog(t, s)
		const writers, each = 8, 15
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					part := fmt.Sprintf("g%d", i%3)
					err := s.Write(context.Background(), func(tx domain.Tx) error {
						// A write of the writer's own first: its transaction
						// starts (and on PostgreSQL takes its ID) before it
						// queues for the shared partition.
						own := newEvent(fmt.Sprintf("w%d", w), "own", 1)
						if err := tx.AppendEvents(context.Background(), []domain.Event{own}); err != nil {
							return err
						}
						return tx.AppendEvents(context.Background(), []domain.Event{newEvent(part, fmt.Sprintf("w%d-%d", w, i), 1)})
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		evs := readEvents(t, l, domain.EventPos{}, 2*writers*each)
		for p, seqs := range partSeqs(evs) {
			want := make([]int64, len(seqs))
			for i := range want {
				want[i] = int64(i + 1)
			}
			// Read order may interleave partitions, but never reorders one.
			wantEqual(t, "seqs of "+p+" in read order", seqs, want)
		}
	}},
	{"EventPosOfAndPrune", func(t *testing.T, s domain.Store) {
		l := eventLog(t, s)
		for i := int64(1); i <= 5; i++ {
			appendEvents(t, s, newEvent("g1", fmt.Sprint(i), i*1000))
		}
		evs := readEvents(t, l, domain.EventPos{}, 5)
		head, err := l.EventHead(t.Context())
		noErr(t, err)
		wantEqual(t, "head", head, evs[4].Pos())
		pos, found, err := l.EventPosOf(t.Context(), evs[1].ID)
		noErr(t, err)
		wantEqual(t, "found", found, true)
		wantEqual(t, "pos", pos, evs[1].Pos())
		rest := readEvents(t, l, pos, 3)
		wantEqual(t, "after evs[1]", rest[0].ID, evs[2].ID)

		n, err := l.PruneEvents(t.Context(), 3500, 2) // at most 2 per call
		noErr(t, err)
		wantEqual(t, "pruned", n, 2)
		n, err = l.PruneEvents(t.Context(), 3500, 2)
		noErr(t, err)
		wantEqual(t, "pruned", n, 1)
		n, err = l.PruneEvents(t.Context(), 3500, 2)
		noErr(t, err)
		wantEqual(t, "pruned", n, 0)
		_, found, err = l.EventPosOf(t.Context(), evs[1].ID)
		noErr(t, err)
		wantEqual(t, "pruned event found", found, false)
		left := readEvents(t, l, domain.EventPos{}, 2)
		wantEqual(t, "first kept", left[0].ID, evs[3].ID)
		// A partition's Seq goes on after its events are pruned.
		appendEvents(t, s, newEvent("g1", "6", 6000))
		last := readEvents(t, l, evs[4].Pos(), 1)
		wantEqual(t, "seq after prune", last[0].Seq, int64(6))
	}},
	{"SinkProgress", func(t *testing.T, s domain.Store) {
		l := eventLog(t, s)
		ctx := t.Context()
		_, found, err := l.SinkState(ctx, "hook")
		noErr(t, err)
		wantEqual(t, "found before save", found, false)
		noErr(t, l.SaveSinkProgress(ctx, "hook", domain.EventPos{TxID: 7, ID: 9}, map[string]int64{"g1": 3, "g2": 1}, nil))
		noErr(t, l.SaveSinkProgress(ctx, "hook", domain.EventPos{TxID: 7, ID: 12}, map[string]int64{"g1": 2, "g3": 5}, nil))
		pos, found, err := l.SinkState(ctx, "hook")
		noErr(t, err)
		wantEqual(t, "state", []any{pos, found}, []any{domain.EventPos{TxID: 7, ID: 12}, true})
		seqs, err := l.DeliveredSeqs(ctx, "hook", []string{"g1", "g2", "g3", "g4"})
		noErr(t, err)
		wantEqual(t, "seqs (never lowered)", seqs, map[string]int64{"g1": 3, "g2": 1, "g3": 5})
		other, err := l.DeliveredSeqs(ctx, "other", []string{"g1"})
		noErr(t, err)
		wantEqual(t, "other sink", other, map[string]int64{})
	}},
	{"DeadLettersAndReplay", func(t *testing.T, s domain.Store) {
		l := eventLog(t, s)
		ctx := t.Context()
		appendEvents(t, s, newEvent("g1", "a", 1), newEvent("g2", "b", 2))
		evs := readEvents(t, l, domain.EventPos{}, 2)
		dead := []domain.DeadLetter{
			{Sink: "hook", EventID: evs[0].ID, Partition: "g1", Type: "a", Attempts: 9, Error: "503", DeadAt: 10},
			{Sink: "hook", EventID: evs[1].ID, Partition: "g2", Type: "b", Attempts: 9, Error: "timeout", DeadAt: 11},
		}
		noErr(t, l.SaveSinkProgress(ctx, "hook", evs[1].Pos(), nil, dead))
		noErr(t, l.SaveSinkProgress(ctx, "zim", evs[1].Pos(), nil, []domain.DeadLetter{{Sink: "zim", EventID: evs[0].ID, Partition: "g1", Type: "a", Attempts: 1, Error: "x", DeadAt: 12}}))
		counts, err := l.CountDeadLetters(ctx)
		noErr(t, err)
		wantEqual(t, "counts", counts, map[string]int64{"hook": 2, "zim": 1})
		list, err := l.DeadLetters(ctx, "hook", 10)
		noErr(t, err)
		wantEqual(t, "list", list, dead)
		n, err := l.ReplayDeadLetters(ctx, "hook", []int64{evs[1].ID})
		noErr(t, err)
		wantEqual(t, "marked", n, 1)
		counts, err = l.CountDeadLetters(ctx)
		noErr(t, err)
		wantEqual(t, "counts after replay mark", counts, map[string]int64{"hook": 1, "zim": 1})
		marked, mevs, err := l.TakeReplays(ctx, "hook", 10)
		noErr(t, err)
		wantEqual(t, "marked letters", len(marked), 1)
		wantEqual(t, "marked event", mevs[0].ID, evs[1].ID)
		noErr(t, l.ResolveDeadLetter(ctx, "hook", evs[1].ID, ""))
		marked, _, err = l.TakeReplays(ctx, "hook", 10)
		noErr(t, err)
		wantEqual(t, "marked after resolve", len(marked), 0)
		n, err = l.ReplayDeadLetters(ctx, "", nil) // every sink, every letter
		noErr(t, err)
		wantEqual(t, "marked all", n, 2)
		noErr(t, l.ResolveDeadLetter(ctx, "zim", evs[0].ID, "still down"))
		list, err = l.DeadLetters(ctx, "zim", 10)
		noErr(t, err)
		wantEqual(t, "dead again", []any{list[0].Replay, list[0].Error, list[0].Attempts}, []any{false, "still down", 2})
	}},
	{"Lease", func(t *testing.T, s domain.Store) {
		l := eventLog(t, s)
		lease, ok, err := l.TryLease(t.Context(), "dispatcher")
		noErr(t, err)
		wantEqual(t, "first lease", ok, true)
		noErr(t, lease.Check(t.Context()))
		lease.Release()
		lease, ok, err = l.TryLease(t.Context(), "dispatcher")
		noErr(t, err)
		wantEqual(t, "lease after release", ok, true)
		lease.Release()
	}},
}
