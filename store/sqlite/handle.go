package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// A handle runs statements: on the read pool, in a read transaction of the
// pool, or on the writer's connection inside a Write.
type handle interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	exec(ctx context.Context, q string, args ...any) (sql.Result, error)
	// snapshot runs f with a handle whose reads all see one snapshot.
	snapshot(ctx context.Context, f func(h handle) error) error
}

// stmtCache keeps one prepared statement per SQL text. The texts are
// constants or built from a bounded set of fragments, so it stays small.
type stmtCache struct {
	prep func(ctx context.Context, q string) (*sql.Stmt, error)
	mu   sync.Mutex
	m    map[string]*sql.Stmt
}

func newStmtCache(prep func(ctx context.Context, q string) (*sql.Stmt, error)) *stmtCache {
	return &stmtCache{prep: prep, m: make(map[string]*sql.Stmt)}
}

func (c *stmtCache) get(ctx context.Context, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.m[q]
	c.mu.Unlock()
	if ok {
		return st, nil
	}
	st, err := c.prep(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[q]; ok {
		st.Close()
		return old, nil
	}
	c.m[q] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
}

// poolHandle runs statements on the read pool.
type poolHandle struct {
	db    *sql.DB
	stmts *stmtCache
}

func (p *poolHandle) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := p.stmts.get(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (p *poolHandle) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := p.stmts.get(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (p *poolHandle) snapshot(ctx context.Context, f func(h handle) error) error {
	tx, err := p.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback() // read only: nothing to commit
	return f(&readTxHandle{tx: tx, stmts: p.stmts})
}

// readTxHandle runs statements in one read transaction of the pool.
type readTxHandle struct {
	tx    *sql.Tx
	stmts *stmtCache
}

func (t *readTxHandle) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := t.stmts.get(ctx, q)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
}

func (t *readTxHandle) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := t.stmts.get(ctx, q)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

func (t *readTxHandle) snapshot(ctx context.Context, f func(h handle) error) error { return f(t) }

var errTxDone = errors.New("transaction used after its Write function returned")

// txnHandle runs statements on the writer's connection, inside the
// transaction of the current batch. Statements are not interrupted when
// ctx ends (an interrupt can roll back the whole batch's transaction), but
// no new statement starts after it.
type txnHandle struct {
	w    *writer
	live bool
}

func (t *txnHandle) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if !t.live {
		return nil, errTxDone
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return t.w.stmts.get(context.Background(), q)
}

func (t *txnHandle) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(context.Background(), args...)
	t.w.note(err)
	return rows, err
}

func (t *txnHandle) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	res, err := st.ExecContext(context.Background(), args...)
	t.w.note(err)
	return res, err
}

func (t *txnHandle) snapshot(ctx context.Context, f func(h handle) error) error { return f(t) }

// control runs a savepoint statement (prepared once); unlike exec it
// ignores ctx.
func (t *txnHandle) control(q string) error {
	if !t.live {
		return errTxDone
	}
	return t.w.execTxStmt(context.Background(), q)
}
