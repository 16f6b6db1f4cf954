// Package events delivers the event log (domain.Event, appended by every
// write in its own transaction) to sinks: OpenIM after-webhooks, ZIM
// callbacks, NATS JetStream. The change feed (SSE) reads the log too.
//
// Guarantees, per sink:
//   - at least once: a sink's progress (a low-water mark and the last
//     delivered Seq of each partition) is saved in the store after the
//     delivery, so a crash or SIGKILL repeats deliveries, never skips one;
//     every delivery carries the event ID for receivers to de-duplicate;
//   - in order per partition (a group, or one user's own events): the next
//     event of a partition goes out only once the one before is delivered
//     or dead; partitions are independent, so one failing receiver path
//     (one group) does not hold back the others;
//   - retries with exponential backoff and jitter (2 s, 4 s, 8 s, … capped
//     at 10 min: ZIM's own schedule comes first) until Horizon (24 h), then
//     the event becomes a dead letter (store, /metrics, replayable);
//   - never on the request path: writes only append rows; the dispatcher
//     reads them back on its own goroutines;
//   - one node at a time: the dispatcher runs under a store lease
//     (PostgreSQL advisory lock on a connection of its own); another node
//     takes over when the holder dies.
package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/groupd/groupd/domain"
)

// Sink receives events.
type Sink interface {
	// Name keys the sink's progress in the store: keep it stable.
	Name() string
	// Deliver sends one event; nil means the receiver has it. An error
	// wrapped by Permanent makes the event a dead letter at once.
	Deliver(ctx context.Context, ev domain.Event) error
}

// Permanent marks a delivery error that retrying cannot fix (the event
// cannot be encoded for the sink).
func Permanent(err error) error { return permanentError{err} }

type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// Config tunes a Dispatcher. Zero fields take the defaults.
type Config struct {
	Sinks []Sink
	// Horizon is how long an event is retried before it becomes a dead
	// letter (default 24h).
	Horizon time.Duration
	// Retention is how long events are kept (default 7 days); 0 < … keeps
	// them, negative never prunes.
	Retention time.Duration
	// Poll is how often the log is read for new events (default 50ms).
	Poll time.Duration
	// Timeout bounds one delivery (default 10s).
	Timeout time.Duration
	// Workers is the deliveries in flight per sink (default 16).
	Workers int
	// Window bounds the events held in memory per sink (default 10000).
	Window int
	// BackoffBase is the first retry delay (default 2s), doubled per retry
	// up to BackoffMax (default 10m), ±20 % jitter.
	BackoffBase, BackoffMax time.Duration
	// GapWait is how long an event waits for an earlier one of its
	// partition that the log has not shown yet (default 1m).
	GapWait time.Duration
	Logger  *slog.Logger
	Now     func() time.Time
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.Horizon, 24*time.Hour)
	def(&c.Retention, 7*24*time.Hour)
	def(&c.Poll, 50*time.Millisecond)
	def(&c.Timeout, 10*time.Second)
	def(&c.BackoffBase, 2*time.Second)
	def(&c.BackoffMax, 10*time.Minute)
	def(&c.GapWait, time.Minute)
	if c.Workers <= 0 {
		c.Workers = 16
	}
	if c.Window <= 0 {
		c.Window = 10000
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Dispatcher delivers the log to its sinks.
type Dispatcher struct {
	log   domain.EventLog
	cfg   Config
	stats *Stats
}

// New returns a dispatcher over log; Run starts it.
func New(log domain.EventLog, cfg Config) *Dispatcher {
	cfg = cfg.withDefaults()
	return &Dispatcher{log: log, cfg: cfg, stats: newStats()}
}

// Stats returns the dispatcher's counters (for /metrics).
func (d *Dispatcher) Stats() *Stats { return d.stats }

// Run delivers until ctx ends: it waits for the lease, then runs every
// sink and the retention pruner while the lease holds.
func (d *Dispatcher) Run(ctx context.Context) {
	for ctx.Err() == nil {
		lease, ok, err := d.log.TryLease(ctx, "events")
		if err != nil {
			d.cfg.Logger.Warn("events: lease", "err", err)
		}
		if !ok {
			d.stats.leaseHeld.Store(false)
			sleep(ctx, 2*time.Second)
			continue
		}
		d.stats.leaseHeld.Store(true)
		d.cfg.Logger.Info("events: dispatcher holds the lease", "sinks", len(d.cfg.Sinks))
		d.runLeased(ctx, lease)
		d.stats.leaseHeld.Store(false)
		lease.Release()
	}
}

func (d *Dispatcher) runLeased(ctx context.Context, lease domain.Lease) {
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range d.cfg.Sinks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lctx.Err() == nil {
				r := &runner{d: d, sink: s, name: s.Name()}
				if err := r.run(lctx); err != nil && lctx.Err() == nil {
					d.cfg.Logger.Error("events: sink stopped; restarting", "sink", s.Name(), "err", err)
					sleep(lctx, time.Second)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.prune(lctx)
	}()
	for lctx.Err() == nil {
		sleep(lctx, 2*time.Second)
		cctx, ccancel := context.WithTimeout(lctx, 5*time.Second)
		err := lease.Check(cctx)
		ccancel()
		if err != nil && lctx.Err() == nil {
			d.cfg.Logger.Warn("events: lease lost; stopping deliveries", "err", err)
			cancel()
		}
	}
	wg.Wait()
}

// prune deletes events older than Retention in small batches, each its own
// short transaction, so writes are never held up.
func (d *Dispatcher) prune(ctx context.Context) {
	if d.cfg.Retention < 0 {
		return
	}
	for ctx.Err() == nil {
		before := d.cfg.Now().Add(-d.cfg.Retention).UnixMilli()
		n, err := d.log.PruneEvents(ctx, before, 500)
		switch {
		case err != nil && ctx.Err() == nil:
			d.cfg.Logger.Warn("events: prune", "err", err)
			sleep(ctx, time.Minute)
		case n == 500:
			d.stats.pruned.Add(int64(n))
			sleep(ctx, 50*time.Millisecond) // let writes in between
		default:
			d.stats.pruned.Add(int64(n))
			sleep(ctx, time.Minute)
		}
	}
}

// ---- one sink ----

type runner struct {
	d    *Dispatcher
	sink Sink
	name string

	scan      domain.EventPos       // last event read from the log
	parts     map[string]*partition // partitions with events held
	delivered map[string]int64      // last delivered Seq, of partitions loaded
	held      int                   // events held in memory
	busy      int                   // deliveries in flight
	dirty     map[string]int64      // delivered Seqs not saved yet
	dead      []domain.DeadLetter   // dead letters not saved yet
	results   chan result
}

type partition struct {
	evs   []*pending // by Seq
	busy  bool
	since time.Time // when the head started waiting for a gap to fill
}

type pending struct {
	ev       domain.Event
	attempts int
	first    time.Time // first attempt
	next     time.Time // next attempt
	lastErr  string
}

type result struct {
	p   *pending
	err error
	dur time.Duration
}

// Register records a starting position for each sink that has none: the
// head of the log, so a new sink gets the changes from now on. Called
// before the server answers its first request, it makes "now" mean
// "before anything this server acknowledges"; Run would otherwise decide
// it in the background, after changes may have been made.
func (d *Dispatcher) Register(ctx context.Context) error {
	for _, s := range d.cfg.Sinks {
		if _, err := d.sinkStart(ctx, s.Name()); err != nil {
			return fmt.Errorf("events: register sink %s: %w", s.Name(), err)
		}
	}
	return nil
}

// sinkStart returns a sink's low-water mark, recording the head of the
// log as its start when it has none.
func (d *Dispatcher) sinkStart(ctx context.Context, name string) (domain.EventPos, error) {
	low, found, err := d.log.SinkState(ctx, name)
	if err != nil || found {
		return low, err
	}
	if low, err = d.log.EventHead(ctx); err != nil {
		return low, err
	}
	return low, d.log.SaveSinkProgress(ctx, name, low, nil, nil)
}

func (r *runner) run(ctx context.Context) error {
	cfg := r.d.cfg
	low, err := r.d.sinkStart(ctx, r.name)
	if err != nil {
		return err
	}
	r.scan = low
	r.parts = map[string]*partition{}
	r.delivered = map[string]int64{}
	r.dirty = map[string]int64{}
	r.results = make(chan result, cfg.Workers)
	st := r.d.stats.sink(r.name)
	defer func() {
		// Let deliveries in flight end; their results are dropped (they
		// are repeated after the restart: at least once).
		for r.busy > 0 {
			<-r.results
			r.busy--
		}
	}()

	poll := time.NewTicker(cfg.Poll)
	defer poll.Stop()
	lastSave, lastCount := time.Now(), time.Time{}
	var saveErr error
	for {
		if err := r.fill(ctx); err != nil {
			return err
		}
		r.dispatch(ctx)
		st.backlog.Store(int64(r.held))
		if time.Since(lastSave) > 200*time.Millisecond && (len(r.dirty) > 0 || len(r.dead) > 0 || saveErr != nil) {
			saveErr = r.save(ctx)
			if saveErr != nil {
				cfg.Logger.Warn("events: save progress", "sink", r.name, "err", saveErr)
			}
			lastSave = time.Now()
		}
		if time.Since(lastCount) > 5*time.Second {
			r.replays(ctx)
			if counts, err := r.d.log.CountDeadLetters(ctx); err == nil {
				st.dead.Store(counts[r.name])
			} else if ctx.Err() == nil {
				cfg.Logger.Warn("events: count dead letters", "sink", r.name, "err", err)
			}
			lastCount = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil
		case res := <-r.results:
			r.done(res)
		case <-poll.C:
		}
	}
}

// fill reads new events into their partitions, up to Window held.
func (r *runner) fill(ctx context.Context) error {
	for r.held < r.d.cfg.Window {
		evs, err := r.d.log.ReadEvents(ctx, r.scan, min(500, r.d.cfg.Window-r.held))
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		var unknown []string
		for _, e := range evs {
			if _, ok := r.delivered[e.Partition]; !ok && !slices.Contains(unknown, e.Partition) {
				unknown = append(unknown, e.Partition)
			}
		}
		if len(unknown) > 0 {
			seqs, err := r.d.log.DeliveredSeqs(ctx, r.name, unknown)
			if err != nil {
				return err
			}
			for _, p := range unknown {
				r.delivered[p] = seqs[p] // 0: none delivered (or forgotten)
			}
		}
		for _, e := range evs {
			r.scan = e.Pos()
			if e.Seq <= r.delivered[e.Partition] {
				continue // delivered before a restart
			}
			p := r.parts[e.Partition]
			if p == nil {
				p = &partition{}
				r.parts[e.Partition] = p
			}
			i, _ := slices.BinarySearchFunc(p.evs, e.Seq, func(x *pending, s int64) int { return cmpInt(x.ev.Seq, s) })
			if i < len(p.evs) && p.evs[i].ev.Seq == e.Seq {
				continue
			}
			p.evs = slices.Insert(p.evs, i, &pending{ev: e})
			r.held++
		}
		if len(evs) < 500 {
			return nil
		}
	}
	return nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// dispatch starts the deliveries that are due.
func (r *runner) dispatch(ctx context.Context) {
	now := r.d.cfg.Now()
	for name, p := range r.parts {
		if r.busy >= r.d.cfg.Workers {
			return
		}
		if p.busy || len(p.evs) == 0 {
			continue
		}
		head := p.evs[0]
		if last := r.delivered[name]; last > 0 && head.ev.Seq > last+1 {
			// An earlier event of the partition is not readable yet (a
			// PostgreSQL transaction that took its Seq first but has not
			// reached the readable prefix): wait for it, but not forever
			// (it may have been pruned).
			if p.since.IsZero() {
				p.since = now
			}
			if now.Sub(p.since) < r.d.cfg.GapWait {
				continue
			}
			r.d.cfg.Logger.Warn("events: partition gap not filled; delivering on", "sink", r.name,
				"partition", name, "delivered", last, "next", head.ev.Seq)
		}
		p.since = time.Time{}
		if head.next.After(now) {
			continue
		}
		p.busy = true
		r.busy++
		if head.first.IsZero() {
			head.first = now
		}
		go func() {
			dctx, cancel := context.WithTimeout(ctx, r.d.cfg.Timeout)
			defer cancel()
			start := time.Now()
			err := safeDeliver(dctx, r.sink, head.ev)
			r.results <- result{p: head, err: err, dur: time.Since(start)}
		}()
	}
}

func safeDeliver(ctx context.Context, s Sink, ev domain.Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sink panicked: %v", p)
		}
	}()
	return s.Deliver(ctx, ev)
}

// done applies a delivery result.
func (r *runner) done(res result) {
	r.busy--
	e := res.p.ev
	p := r.parts[e.Partition]
	p.busy = false
	st := r.d.stats.sink(r.name)
	now := r.d.cfg.Now()
	res.p.attempts++
	if res.err == nil {
		st.delivered.Add(1)
		st.observeLatency(now.Sub(time.UnixMilli(e.Time)))
		r.pop(p, e)
		return
	}
	st.failures.Add(1)
	res.p.lastErr = res.err.Error()
	var perm permanentError
	if errors.As(res.err, &perm) || now.Sub(res.p.first) >= r.d.cfg.Horizon {
		r.d.cfg.Logger.Warn("events: dead letter", "sink", r.name, "event", e.ID, "type", e.Type,
			"partition", e.Partition, "attempts", res.p.attempts, "err", res.err)
		r.dead = append(r.dead, domain.DeadLetter{Sink: r.name, EventID: e.ID, Partition: e.Partition, Type: e.Type,
			Attempts: res.p.attempts, Error: truncate(res.p.lastErr, 1000), DeadAt: now.UnixMilli()})
		r.pop(p, e)
		return
	}
	res.p.next = now.Add(r.backoff(res.p.attempts))
	if res.p.attempts <= 3 || res.p.attempts%10 == 0 {
		r.d.cfg.Logger.Info("events: delivery failed; will retry", "sink", r.name, "event", e.ID,
			"attempt", res.p.attempts, "retry_in", res.p.next.Sub(now).Round(time.Millisecond), "err", res.err)
	}
}

func (r *runner) pop(p *partition, e domain.Event) {
	p.evs = p.evs[1:]
	r.held--
	r.delivered[e.Partition] = e.Seq
	r.dirty[e.Partition] = e.Seq
}

// backoff is the delay before retry n (n ≥ 1).
func (r *runner) backoff(n int) time.Duration {
	if b, ok := r.sink.(interface{ Backoff(int) time.Duration }); ok {
		if d := b.Backoff(n); d > 0 {
			return d
		}
	}
	return Backoff(n, r.d.cfg.BackoffBase, r.d.cfg.BackoffMax)
}

// Backoff is base·2^(n-1), capped at max, ±20 % jitter.
func Backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	j := time.Duration(float64(d) * 0.2 * (2*rand.Float64() - 1))
	return d + j
}

// save records progress: the low-water mark is just before the first event
// still held, or the scan position when none is. (Reading resumes after
// the mark, so it must sort strictly before every held event: compare the
// position just before each head, not the head itself, else a head that
// is the last event read, or one ID below another head, is skipped on
// restart or takeover.)
func (r *runner) save(ctx context.Context) error {
	low := r.scan
	for _, p := range r.parts {
		if len(p.evs) > 0 {
			pos := p.evs[0].ev.Pos()
			before := domain.EventPos{TxID: pos.TxID, ID: max(pos.ID-1, 0)}
			if before.Less(low) {
				low = before
			}
		}
	}
	if err := r.d.log.SaveSinkProgress(ctx, r.name, low, r.dirty, r.dead); err != nil {
		return err
	}
	// The new dead letters show at once; the periodic count reconciles.
	r.d.stats.sink(r.name).dead.Add(int64(len(r.dead)))
	r.dirty = map[string]int64{}
	r.dead = nil
	// Forget idle partitions: their state is in the store now.
	for name, p := range r.parts {
		if len(p.evs) == 0 && !p.busy {
			delete(r.parts, name)
			delete(r.delivered, name)
		}
	}
	if len(r.delivered) > 4*r.d.cfg.Window {
		for name := range r.delivered {
			if r.parts[name] == nil {
				delete(r.delivered, name)
			}
		}
	}
	return nil
}

// replays delivers the dead letters an operator marked for replay, once
// each; a failure makes the letter dead again.
func (r *runner) replays(ctx context.Context) {
	dead, evs, err := r.d.log.TakeReplays(ctx, r.name, 100)
	if err != nil {
		r.d.cfg.Logger.Warn("events: read replays", "sink", r.name, "err", err)
		return
	}
	byID := make(map[int64]domain.Event, len(evs))
	for _, e := range evs {
		byID[e.ID] = e
	}
	for _, dl := range dead {
		e, ok := byID[dl.EventID]
		msg := "event no longer kept (retention)"
		if ok {
			dctx, cancel := context.WithTimeout(ctx, r.d.cfg.Timeout)
			err := safeDeliver(dctx, r.sink, e)
			cancel()
			msg = ""
			if err != nil {
				msg = truncate(err.Error(), 1000)
			} else {
				r.d.stats.sink(r.name).replayed.Add(1)
			}
		}
		if err := r.d.log.ResolveDeadLetter(ctx, r.name, dl.EventID, msg); err != nil {
			r.d.cfg.Logger.Warn("events: resolve replay", "sink", r.name, "event", dl.EventID, "err", err)
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
