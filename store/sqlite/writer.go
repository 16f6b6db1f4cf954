package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/groupd/groupd/domain"
)

// A writeReq is one Write waiting for, or being run by, the writer.
type writeReq struct {
	ctx   context.Context
	fn    func(domain.Tx) error
	state atomic.Int32 // reqWaiting → reqTaken (writer) or reqAbandoned (caller)
	done  chan writeResult
}

const (
	reqWaiting = iota
	reqTaken
	reqAbandoned
)

type writeResult struct {
	err      error
	panicked bool
	panicVal any
}

func (r writeResult) failed() bool { return r.err != nil || r.panicked }

func (r *writeReq) answer(res writeResult) { r.done <- res }

// writer owns the one write connection. Its goroutine (run) takes every
// waiting request, up to maxBatch, and commits them in one transaction.
type writer struct {
	db       *sql.DB
	conn     *sql.Conn
	stmts    *stmtCache
	bad      bool // conn reported itself unusable; replace before the next batch
	queue    chan *writeReq
	stopped  chan struct{}
	maxBatch int
	log      *slog.Logger

	batches atomic.Int64 // transactions committed
	writes  atomic.Int64 // Writes answered from committed transactions
	busy    atomic.Int64 // nanoseconds spent running batches
	commit  atomic.Int64 // of which in COMMIT (WAL write and sync)
}

func newWriter(db *sql.DB, conn *sql.Conn, maxBatch int, log *slog.Logger) *writer {
	return &writer{
		db:       db,
		conn:     conn,
		stmts:    newStmtCache(conn.PrepareContext),
		queue:    make(chan *writeReq, maxBatch),
		stopped:  make(chan struct{}),
		maxBatch: maxBatch,
		log:      log,
	}
}

// run serves the queue until it is closed and drained.
func (w *writer) run() {
	defer close(w.stopped)
	batch := make([]*writeReq, 0, w.maxBatch)
	for req := range w.queue {
		batch = append(batch[:0], req)
	drain:
		for len(batch) < w.maxBatch {
			select {
			case r, ok := <-w.queue:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		start := time.Now()
		w.runBatch(batch)
		w.busy.Add(int64(time.Since(start)))
	}
}

// runBatch claims the requests whose callers still wait and commits them.
func (w *writer) runBatch(batch []*writeReq) {
	live := make([]*writeReq, 0, len(batch))
	for _, r := range batch {
		if !r.state.CompareAndSwap(reqWaiting, reqTaken) {
			continue // the caller gave up (ctx done) and returned
		}
		if err := r.ctx.Err(); err != nil {
			r.answer(writeResult{err: fmt.Errorf("sqlite.Write: %w", err)})
			continue
		}
		live = append(live, r)
	}
	for len(live) > 0 {
		live = w.commitBatch(live)
	}
}

// commitBatch runs reqs in one transaction, each in its own savepoint, and
// commits. It answers every request, except when one request leaves the
// transaction unusable (SQLite rolls back the whole transaction on some
// errors): then that request gets its error and the others, which may have
// run but are not committed, are returned to be run again in a new
// transaction (Store.Write allows fn to run more than once).
func (w *writer) commitBatch(reqs []*writeReq) (retry []*writeReq) {
	ctx := context.Background()
	failAll := func(step string, err error) {
		err = fmt.Errorf("sqlite.Write: %s: %w", step, mapErr(err))
		w.log.Error("sqlite write batch failed", "step", step, "requests", len(reqs), "err", err)
		for _, r := range reqs {
			r.answer(writeResult{err: err})
		}
	}
	if err := w.ensureConn(ctx); err != nil {
		failAll("connect", err)
		return nil
	}
	if err := w.execTxStmt(ctx, "BEGIN IMMEDIATE"); err != nil {
		failAll("begin", err)
		return nil
	}
	results := make([]writeResult, len(reqs))
	for i, r := range reqs {
		if err := w.execTxStmt(ctx, "SAVEPOINT write"); err != nil {
			w.rollback(ctx)
			failAll("savepoint", err)
			return nil
		}
		res := w.call(r)
		var err error
		if res.failed() {
			if err = w.execTxStmt(ctx, "ROLLBACK TO write"); err == nil {
				err = w.execTxStmt(ctx, "RELEASE write")
			}
		} else if err = w.execTxStmt(ctx, "RELEASE write"); err != nil {
			res = writeResult{err: fmt.Errorf("sqlite.Write: release: %w", mapErr(err))}
		}
		if err == nil {
			results[i] = res
			continue
		}
		// The transaction is gone or unusable: answer r, retry the rest.
		w.log.Warn("sqlite write transaction aborted; retrying the rest of the batch",
			"requests", len(reqs)-1, "err", err)
		w.rollback(ctx)
		r.answer(res)
		retry = make([]*writeReq, 0, len(reqs)-1)
		retry = append(retry, reqs[:i]...)
		return append(retry, reqs[i+1:]...)
	}
	commitStart := time.Now()
	err := w.execTxStmt(ctx, "COMMIT")
	w.commit.Add(int64(time.Since(commitStart)))
	if err != nil {
		w.rollback(ctx)
		failAll("commit", err)
		return nil
	}
	w.batches.Add(1)
	w.writes.Add(int64(len(reqs)))
	for i, r := range reqs {
		r.answer(results[i])
	}
	return nil
}

// call runs r.fn on a fresh txn, turning a panic into a result the caller
// re-raises.
func (w *writer) call(r *writeReq) (res writeResult) {
	t := newTxn(w)
	returned := false
	defer func() {
		t.setDone()
		p := recover()
		switch {
		case p != nil:
			res = writeResult{panicked: true, panicVal: p}
		case !returned:
			// runtime.Goexit (t.Fatal in a test) would silently end the
			// writer goroutine and hang every later Write: fail loudly.
			panic("sqlite: Write function called runtime.Goexit (t.Fatal?) on the writer goroutine")
		}
	}()
	err := r.fn(t)
	returned = true
	return writeResult{err: err}
}

// execTxStmt runs a transaction control statement (BEGIN, SAVEPOINT, …),
// prepared once: parsing it on every call cost a fifth of the writer's
// CPU time under load.
func (w *writer) execTxStmt(ctx context.Context, q string) error {
	st, err := w.stmts.get(ctx, q)
	if err == nil {
		_, err = st.ExecContext(ctx)
	}
	w.note(err)
	return err
}

func (w *writer) rollback(ctx context.Context) {
	// Fails harmlessly when SQLite has already rolled back.
	_, _ = w.conn.ExecContext(ctx, "ROLLBACK")
}

// note marks the connection for replacement when the driver gave it up.
func (w *writer) note(err error) {
	if err != nil && (errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn)) {
		w.bad = true
	}
}

// ensureConn replaces a connection the driver gave up on.
func (w *writer) ensureConn(ctx context.Context) error {
	if !w.bad {
		return nil
	}
	w.stmts.close()
	_ = w.conn.Close()
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return err
	}
	if err := setupWriterConn(ctx, conn); err != nil {
		conn.Close()
		return err
	}
	w.conn, w.stmts, w.bad = conn, newStmtCache(conn.PrepareContext), false
	return nil
}

// close releases the connection once run has returned.
func (w *writer) close() error {
	w.stmts.close()
	err := w.conn.Close()
	if e := w.db.Close(); err == nil {
		err = e
	}
	return err
}
