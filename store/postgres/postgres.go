// Package postgres is the PostgreSQL implementation of domain.Store, built
// on pgx/v5.
//
// Concurrency: write transactions run at READ COMMITTED with row locks, not
// SERIALIZABLE. Membership changes of one group are serialized by the group
// row lock Tx.LockGroup takes (SELECT … FOR NO KEY UPDATE); because each
// statement at READ COMMITTED sees the rows committed before it started,
// the reads after the lock see the previous holder's work, so member
// counts, limits and owner changes stay exact across any number of nodes,
// and writers to different groups never wait for each other or abort.
// member_count changes by relative UPDATEs in the same transaction, and
// version numbers come from an upsert that row-locks the owner's state.
// Write retries the whole transaction on serialization failures and on the
// deadlocks that transactions touching several owners in different orders
// can meet.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/groupd/groupd/domain"
)

// Options configure a DB. Zero values take the defaults.
type Options struct {
	// Logger receives migration and retry messages; discarded when nil.
	Logger *slog.Logger
	// MaxConns bounds the connection pool (default: pgxpool's, the larger
	// of 4 and the number of CPUs). A pool_max_conns URL parameter wins
	// over the default but not over this field.
	MaxConns int32
	// ConnectTimeout bounds one connection attempt (default 5s, unless the
	// URL sets connect_timeout).
	ConnectTimeout time.Duration
	// MaxRetries is how many times Write reruns a transaction that failed
	// on a serialization failure or deadlock (default 8).
	MaxRetries int
}

// DB is a PostgreSQL-backed domain.Store. Reads run on the pool directly.
type DB struct {
	reader
	pool *pgxpool.Pool
	log  *slog.Logger
	opts Options
}

var _ domain.Store = (*DB)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value
// DSN), applies the pending migrations and returns the store. An
// unreachable server yields an error wrapping domain.ErrUnavailable.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 5 * time.Second
	}
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 8
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if cfg.ConnConfig.ConnectTimeout <= 0 {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := &DB{reader: reader{q: poolQuerier{pool}}, pool: pool, log: opts.Logger, opts: opts}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		wrap(&err, "connect to %s:%d", cfg.ConnConfig.Host, cfg.ConnConfig.Port)
		return nil, err
	}
	if err := migrate(ctx, pool, opts.Logger); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Pool returns the underlying connection pool (for tests and tools).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Ping reports whether the server answers.
func (db *DB) Ping(ctx context.Context) (err error) {
	defer wrap(&err, "ping")
	return db.pool.Ping(ctx)
}

// Close closes the pool, waiting for acquired connections to be released.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Write runs fn in a READ COMMITTED transaction and commits it. On a
// serialization failure or deadlock (SQLSTATE 40001, 40P01) the whole fn
// runs again after a jittered pause, up to Options.MaxRetries times; a
// pooled connection found dead before COMMIT was sent is retried once on a
// fresh one. A server that cannot be reached fails at once. fn's own errors
// come back unchanged.
func (db *DB) Write(ctx context.Context, fn func(tx domain.Tx) error) error {
	connRetried := false
	for attempt := 0; ; attempt++ {
		committing, err := db.writeOnce(ctx, fn)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		switch {
		case isRetryable(err) && attempt < db.opts.MaxRetries:
			db.log.Debug("postgres: retrying write", "attempt", attempt+1, "err", err)
			if err := sleep(ctx, backoff(attempt)); err != nil {
				return err
			}
		case !committing && !connRetried && brokenConn(err):
			// The server never saw COMMIT, so nothing was kept; a fresh
			// connection may succeed (the server restarted, the pool
			// held a dead connection).
			connRetried = true
			db.log.Debug("postgres: retrying write on a new connection", "err", err)
		default:
			return err
		}
	}
}

// writeOnce runs one attempt; committing reports whether the error came from
// COMMIT, whose outcome is then unknown.
func (db *DB) writeOnce(ctx context.Context, fn func(tx domain.Tx) error) (committing bool, err error) {
	ptx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		wrap(&err, "begin")
		return false, err
	}
	defer ptx.Rollback(context.Background()) // no-op after Commit
	if err := fn(&tx{reader: reader{q: ptx}}); err != nil {
		return false, err
	}
	if err := ptx.Commit(ctx); err != nil {
		wrap(&err, "commit")
		return true, err
	}
	return false, nil
}

func backoff(attempt int) time.Duration {
	d := time.Millisecond << min(attempt, 6) // 1ms … 64ms
	return d/2 + rand.N(d)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// isRetryable reports a serialization failure or deadlock anywhere in err's chain.
func isRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// isConnErr reports an error that means the server cannot be reached or the
// connection was lost, as opposed to an error the server answered with.
func isConnErr(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case len(pe.Code) >= 2 && pe.Code[:2] == "08": // connection exception
			return true
		case pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // shutdown, crash, cannot connect now
			pe.Code == "53300": // too many connections
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		return true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	// Errors pgx raises before sending anything: the connection was
	// closed or broken.
	return pgconn.SafeToRetry(err)
}

// brokenConn reports a connection that was open and died (the server
// restarted or killed it), as opposed to one that could not be opened: only
// the first is worth an immediate second try.
func brokenConn(err error) bool {
	var ce *pgconn.ConnectError
	return isConnErr(err) && !errors.As(err, &ce) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled)
}

// poolQuerier runs reads on the pool, trying once more on a fresh
// connection when a pooled one turns out dead. Reads are idempotent.
type poolQuerier struct {
	pool *pgxpool.Pool
}

func (p poolQuerier) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return p.pool.Exec(ctx, sql, args...)
}

func (p poolQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rows, err := p.pool.Query(ctx, sql, args...)
	if err != nil && brokenConn(err) && ctx.Err() == nil {
		return p.pool.Query(ctx, sql, args...)
	}
	return rows, err
}

func (p poolQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return retryRow{p: p.pool, ctx: ctx, sql: sql, args: args}
}

type retryRow struct {
	p    *pgxpool.Pool
	ctx  context.Context
	sql  string
	args []any
}

func (r retryRow) Scan(dest ...any) error {
	err := r.p.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
	if err != nil && brokenConn(err) && r.ctx.Err() == nil {
		err = r.p.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
	}
	return err
}
