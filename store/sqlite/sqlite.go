// Package sqlite is groupd's embedded store: domain.Store on one SQLite file.
//
// The file is in WAL mode with synchronous=FULL, so a write is acknowledged
// only once it is durably committed. All writes go through one connection
// owned by one writer goroutine, which commits every waiting Write in a
// single transaction (group commit): concurrent writers share one fsync, and
// each Write still runs in its own savepoint, so a failing one leaves no
// trace and does not disturb the others. Reads called on the DB use a
// separate pool of read-only connections and see the last committed state.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/groupd/groupd/domain"
	sqlite3 "github.com/mattn/go-sqlite3"
)

// Options tunes a DB. The zero value is ready to use.
type Options struct {
	// Logger receives migration notes and write failures; nil discards.
	Logger *slog.Logger
	// ReadConns is the size of the read pool; 0 means max(4, GOMAXPROCS).
	ReadConns int
	// MaxBatch bounds how many Writes share one transaction; 0 means 256.
	MaxBatch int
	// BusyTimeout is how long a connection waits for a lock held by
	// another process; 0 means 5s.
	BusyTimeout time.Duration
	// WriteCacheKiB is the page cache of the write connection; 0 means
	// 64 MiB. A bulk load with large transactions wants it large enough to
	// hold the pages one transaction dirties.
	WriteCacheKiB int
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ReadConns <= 0 {
		o.ReadConns = max(4, runtime.GOMAXPROCS(0))
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.WriteCacheKiB <= 0 {
		o.WriteCacheKiB = 64 << 10
	}
	return o
}

// DB is a groupd store on one SQLite file. It implements domain.Store and is
// safe for concurrent use.
type DB struct {
	reader // Reader methods on the read pool

	log    *slog.Logger
	rdb    *sql.DB // read pool, query_only
	w      *writer
	ckpt   *checkpointer // WAL checkpoints off the writer's path
	mu     sync.RWMutex  // guards closed against Write's send on w.queue
	closed bool
}

var _ domain.Store = (*DB)(nil)

// Open opens (creating if needed) the store at path and applies pending
// migrations.
func Open(ctx context.Context, path string, opts Options) (_ *DB, err error) {
	defer wrap(&err, "sqlite.Open(%q)", path)
	if path == "" || path == ":memory:" {
		return nil, errors.New("a file path is required")
	}
	opts = opts.withDefaults()
	busy := opts.BusyTimeout.Milliseconds()

	wdb, err := sql.Open("sqlite3", dsn(path, url.Values{
		"_journal_mode": {"WAL"},
		"_synchronous":  {"FULL"},
		"_foreign_keys": {"1"},
		"_busy_timeout": {fmt.Sprint(busy)},
		// The writer touches index pages all over the file (random group
		// and user IDs): a larger cache keeps them between transactions.
		"_cache_size": {fmt.Sprint(-opts.WriteCacheKiB)}, // negative: KiB
	}))
	if err != nil {
		return nil, err
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	conn, err := wdb.Conn(ctx)
	if err != nil {
		wdb.Close()
		return nil, err
	}
	if err := setupWriterConn(ctx, conn); err != nil {
		conn.Close()
		wdb.Close()
		return nil, err
	}
	if err := migrate(ctx, conn, opts.Logger); err != nil {
		conn.Close()
		wdb.Close()
		return nil, err
	}

	rdb, err := sql.Open("sqlite3", dsn(path, url.Values{
		"_query_only":   {"1"},
		"_cache_size":   {"-16000"}, // KiB
		"_foreign_keys": {"1"},
		"_busy_timeout": {fmt.Sprint(busy)},
	}))
	if err != nil {
		conn.Close()
		wdb.Close()
		return nil, err
	}
	rdb.SetMaxOpenConns(opts.ReadConns)
	rdb.SetMaxIdleConns(opts.ReadConns)
	rdb.SetConnMaxLifetime(0)
	if err := rdb.PingContext(ctx); err != nil {
		rdb.Close()
		conn.Close()
		wdb.Close()
		return nil, err
	}

	cdb, err := sql.Open("sqlite3", dsn(path, url.Values{
		"_busy_timeout": {fmt.Sprint(busy)},
	}))
	if err != nil {
		rdb.Close()
		conn.Close()
		wdb.Close()
		return nil, err
	}
	cdb.SetMaxOpenConns(1)
	cdb.SetMaxIdleConns(1)
	cdb.SetConnMaxLifetime(0)

	db := &DB{
		log:  opts.Logger,
		rdb:  rdb,
		w:    newWriter(wdb, conn, opts.MaxBatch, opts.Logger),
		ckpt: startCheckpointer(cdb, opts.Logger),
	}
	db.reader = reader{h: &poolHandle{db: rdb, stmts: newStmtCache(rdb.PrepareContext)}}
	go db.w.run()
	return db, nil
}

// setupWriterConn sets what the DSN cannot: after a large transaction the
// WAL file is truncated back to 64 MiB at the next checkpoint; savepoint
// journals stay in memory; the writer checkpoints only as a backstop (see
// checkpoint.go).
func setupWriterConn(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `PRAGMA journal_size_limit = 67108864; PRAGMA temp_store = MEMORY;
		PRAGMA wal_autocheckpoint = `+fmt.Sprint(backstopCheckpoint))
	return err
}

// dsn builds a go-sqlite3 URI filename for path with the given parameters.
func dsn(path string, params url.Values) string {
	// SQLite decodes %HH in URI filenames; escape what would end the path.
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + p + "?" + params.Encode()
}

// Write runs fn in the writer's current transaction, inside its own
// savepoint, and returns once that transaction is durably committed. If fn
// returns an error (or panics) its savepoint is rolled back and the error
// (or panic) is passed on. A ctx canceled before fn starts makes Write
// return ctx's error without running fn; once fn has started, Write waits
// for the commit so that its answer is never a guess.
//
// The Tx given to fn must not be used after fn returns, nor from other
// goroutines, and fn must not call Write (it would wait for itself).
func (db *DB) Write(ctx context.Context, fn func(tx domain.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite.Write: %w", err)
	}
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan writeResult, 1)}
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return fmt.Errorf("sqlite.Write: store closed: %w", domain.ErrUnavailable)
	}
	select {
	case db.w.queue <- req:
		db.mu.RUnlock()
	case <-ctx.Done():
		db.mu.RUnlock()
		return fmt.Errorf("sqlite.Write: %w", ctx.Err())
	}

	var res writeResult
	select {
	case res = <-req.done:
	case <-ctx.Done():
		if req.state.CompareAndSwap(reqWaiting, reqAbandoned) {
			return fmt.Errorf("sqlite.Write: %w", ctx.Err())
		}
		res = <-req.done // fn has started: wait for the commit
	}
	if res.panicked {
		panic(res.panicVal)
	}
	return res.err
}

// Stats counts the writer's work since Open.
type Stats struct {
	Batches int64         // transactions committed
	Writes  int64         // Writes they held (Writes/Batches is the mean group-commit size)
	Busy    time.Duration // the writer's time running batches
	Commit  time.Duration // of which in COMMIT (writing and syncing the WAL)
}

// Stats returns the writer's counters.
func (db *DB) Stats() Stats {
	return Stats{Batches: db.w.batches.Load(), Writes: db.w.writes.Load(),
		Busy: time.Duration(db.w.busy.Load()), Commit: time.Duration(db.w.commit.Load())}
}

// Ping reports whether the store is open and its file readable.
func (db *DB) Ping(ctx context.Context) error {
	db.mu.RLock()
	closed := db.closed
	db.mu.RUnlock()
	if closed {
		return fmt.Errorf("sqlite.Ping: store closed: %w", domain.ErrUnavailable)
	}
	var one int
	if err := db.rdb.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite.Ping: %w", mapErr(err))
	}
	return nil
}

// Close stops accepting writes, lets the writer finish the queued ones, and
// closes every connection. Calling Close again does nothing.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return nil
	}
	db.closed = true
	close(db.w.queue)
	db.mu.Unlock()

	<-db.w.stopped
	err := db.ckpt.close()
	if e := db.w.close(); err == nil {
		err = e
	}
	db.reader.h.(*poolHandle).stmts.close()
	if e := db.rdb.Close(); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("sqlite.Close: %w", err)
	}
	return nil
}

// wrap prefixes a non-nil *errp with the call's name and arguments and maps
// driver errors to domain errors.
func wrap(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), mapErr(*errp))
	}
}

// mapErr turns driver errors into domain errors where one fits: a closed
// store or a lock that could not be had is ErrUnavailable, a foreign key
// that names a missing group is ErrNotFound. Domain errors pass unchanged.
func mapErr(err error) error {
	var de *domain.Error
	if errors.As(err, &de) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "sql: database is closed") ||
		strings.Contains(err.Error(), "sql: statement is closed") {
		return fmt.Errorf("%w: %w", domain.ErrUnavailable, err)
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch {
		case se.ExtendedCode == sqlite3.ErrConstraintForeignKey:
			return fmt.Errorf("no such group: %w: %w", domain.ErrNotFound, err)
		case se.Code == sqlite3.ErrBusy, se.Code == sqlite3.ErrLocked,
			se.Code == sqlite3.ErrCantOpen, se.Code == sqlite3.ErrFull, se.Code == sqlite3.ErrIoErr:
			return fmt.Errorf("%w: %w", domain.ErrUnavailable, err)
		}
	}
	return err
}
