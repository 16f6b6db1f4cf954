package postgres

import (
	"context"
	"errors"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/groupd/groupd/domain"
)

// The event log; see migrations/0004_events.sql for why readers go by
// (tx_id, id) and only below the snapshot's xmin.

var _ domain.EventLog = (*DB)(nil)

const eventCols = `id, tx_id, part, seq, type, group_id, user_ids, time, operator_user_id, dialect, operation_id, data`

func scanEvent(s scanner) (e domain.Event, err error) {
	var users string
	err = s.Scan(&e.ID, &e.TxID, &e.Partition, &e.Seq, &e.Type, &e.GroupID, &users, &e.Time, &e.OperatorUserID,
		&e.Dialect, &e.OperationID, &e.Data)
	e.UserIDs = domain.SplitUserIDs(users)
	return e, err
}

// AppendEvents numbers and inserts the events in one statement when their
// partitions differ (the usual case), else one statement per event.
func (t *tx) AppendEvents(ctx context.Context, events []domain.Event) (err error) {
	defer wrap(&err, "append %d events", len(events))
	if len(events) == 0 {
		return nil
	}
	distinct := make(map[string]bool, len(events))
	for _, e := range events {
		distinct[e.Partition] = true
	}
	if len(distinct) < len(events) {
		for _, e := range events {
			if err := t.appendEvents(ctx, []domain.Event{e}); err != nil {
				return err
			}
		}
		return nil
	}
	return t.appendEvents(ctx, events)
}

// appendEvents inserts events of distinct partitions in one statement. An
// event's tx_id is at least its partition predecessor's (see migration 0006),
// so the (tx_id, id) read order keeps each partition in seq order.
func (t *tx) appendEvents(ctx context.Context, events []domain.Event) error {
	n := len(events)
	parts, types, groups, users, ops, dialects, opIDs := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	times, data := make([]int64, n), make([][]byte, n)
	for i, e := range events {
		parts[i], types[i], groups[i], users[i] = e.Partition, e.Type, e.GroupID, domain.JoinUserIDs(e.UserIDs)
		ops[i], dialects[i], opIDs[i], times[i], data[i] = e.OperatorUserID, e.Dialect, e.OperationID, e.Time, e.Data
	}
	_, err := t.q.Exec(ctx, `WITH ev AS (
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[],
				$8::text[], $9::bytea[]) WITH ORDINALITY AS t(part, type, group_id, user_ids, time, op, dialect, opid, data, ord)
		), p AS (
			INSERT INTO event_partitions (part, seq, tx_id)
			SELECT part, 1, pg_current_xact_id()::text::bigint FROM ev ORDER BY part
			ON CONFLICT (part) DO UPDATE SET seq = event_partitions.seq + 1,
				tx_id = greatest(event_partitions.tx_id, excluded.tx_id)
			RETURNING part, seq, tx_id
		)
		INSERT INTO events (tx_id, part, seq, type, group_id, user_ids, time, operator_user_id, dialect, operation_id, data)
		SELECT p.tx_id, ev.part, p.seq, ev.type, ev.group_id, ev.user_ids, ev.time, ev.op, ev.dialect, ev.opid, ev.data
		FROM ev JOIN p USING (part) ORDER BY ev.ord`,
		parts, types, groups, users, times, ops, dialects, opIDs, data)
	return err
}

// ReadEvents returns the stable prefix after pos: events whose tx_id is
// below every running transaction's ID, in (tx_id, id) order.
func (db *DB) ReadEvents(ctx context.Context, after domain.EventPos, limit int) (_ []domain.Event, err error) {
	defer wrap(&err, "read events after (%d, %d)", after.TxID, after.ID)
	rows, err := db.pool.Query(ctx, `SELECT `+eventCols+` FROM events
		WHERE (tx_id, id) > ($1, $2) AND tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
		ORDER BY tx_id, id LIMIT $3`, after.TxID, after.ID, limit)
	return collect(rows, err, scanEvent)
}

// EventPosOf is the position of a kept event.
func (db *DB) EventPosOf(ctx context.Context, id int64) (pos domain.EventPos, ok bool, err error) {
	defer wrap(&err, "event position of %d", id)
	if id == 0 {
		return domain.EventPos{}, true, nil
	}
	err = db.pool.QueryRow(ctx, `SELECT tx_id, id FROM events WHERE id = $1`, id).Scan(&pos.TxID, &pos.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.EventPos{}, false, nil
	}
	return pos, err == nil, err
}

// EventHead is the position of the last event of the stable prefix.
func (db *DB) EventHead(ctx context.Context) (pos domain.EventPos, err error) {
	defer wrap(&err, "event head")
	err = db.pool.QueryRow(ctx, `SELECT tx_id, id FROM events
		WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
		ORDER BY tx_id DESC, id DESC LIMIT 1`).Scan(&pos.TxID, &pos.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.EventPos{}, nil
	}
	return pos, err
}

// PruneEvents deletes up to limit of the oldest events (by ID) older than
// before, and the delivery state of partitions untouched since before.
func (db *DB) PruneEvents(ctx context.Context, before int64, limit int) (n int, err error) {
	defer wrap(&err, "prune events")
	err = pgx.BeginFunc(ctx, db.pool, func(ptx pgx.Tx) error {
		var maxID int64
		rows, err := ptx.Query(ctx, `DELETE FROM events WHERE id IN (
				SELECT id FROM (SELECT id, time FROM events ORDER BY id LIMIT $2) o WHERE time < $1)
			RETURNING id`, before, limit)
		ids, err := collect(rows, err, func(s scanner) (v int64, err error) { err = s.Scan(&v); return v, err })
		if err != nil {
			return err
		}
		n = len(ids)
		for _, id := range ids {
			maxID = max(maxID, id)
		}
		if n > 0 {
			if _, err := ptx.Exec(ctx, `INSERT INTO event_meta (name, value) VALUES ('pruned_id', $1)
				ON CONFLICT (name) DO UPDATE SET value = greatest(event_meta.value, excluded.value)`, maxID); err != nil {
				return err
			}
		}
		_, err = ptx.Exec(ctx, `DELETE FROM event_sink_seqs WHERE (sink, part) IN
			(SELECT sink, part FROM event_sink_seqs WHERE updated < $1 LIMIT $2)`, before, limit)
		return err
	})
	return n, err
}

// SinkState reads a sink's low-water mark.
func (db *DB) SinkState(ctx context.Context, sink string) (pos domain.EventPos, ok bool, err error) {
	defer wrap(&err, "sink state %q", sink)
	err = db.pool.QueryRow(ctx, `SELECT tx_id, event_id FROM event_sinks WHERE sink = $1`, sink).Scan(&pos.TxID, &pos.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.EventPos{}, false, nil
	}
	return pos, err == nil, err
}

// DeliveredSeqs reads the last delivered Seq of partitions.
func (db *DB) DeliveredSeqs(ctx context.Context, sink string, parts []string) (_ map[string]int64, err error) {
	defer wrap(&err, "delivered seqs %q", sink)
	out := make(map[string]int64, len(parts))
	if len(parts) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT part, seq FROM event_sink_seqs WHERE sink = $1 AND part = ANY($2)`, sink, parts)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		var s int64
		if err := rows.Scan(&p, &s); err != nil {
			return nil, err
		}
		out[p] = s
	}
	return out, rows.Err()
}

// SaveSinkProgress records a sink's progress in one transaction.
func (db *DB) SaveSinkProgress(ctx context.Context, sink string, pos domain.EventPos, seqs map[string]int64, dead []domain.DeadLetter) (err error) {
	defer wrap(&err, "save sink progress %q", sink)
	now := time.Now().UnixMilli()
	parts, vals := make([]string, 0, len(seqs)), make([]int64, 0, len(seqs))
	for p, s := range seqs {
		parts, vals = append(parts, p), append(vals, s)
	}
	return pgx.BeginFunc(ctx, db.pool, func(ptx pgx.Tx) error {
		if _, err := ptx.Exec(ctx, `INSERT INTO event_sinks (sink, tx_id, event_id, updated) VALUES ($1, $2, $3, $4)
			ON CONFLICT (sink) DO UPDATE SET tx_id = excluded.tx_id, event_id = excluded.event_id, updated = excluded.updated`,
			sink, pos.TxID, pos.ID, now); err != nil {
			return err
		}
		if len(parts) > 0 {
			if _, err := ptx.Exec(ctx, `INSERT INTO event_sink_seqs (sink, part, seq, updated)
				SELECT $1, p, s, $4 FROM unnest($2::text[], $3::bigint[]) AS t(p, s) ORDER BY p
				ON CONFLICT (sink, part) DO UPDATE SET seq = greatest(event_sink_seqs.seq, excluded.seq), updated = excluded.updated`,
				sink, parts, vals, now); err != nil {
				return err
			}
		}
		for _, d := range dead {
			if _, err := ptx.Exec(ctx, `INSERT INTO event_dead (sink, event_id, part, type, attempts, error, dead_at, replay)
				VALUES ($1, $2, $3, $4, $5, $6, $7, false) ON CONFLICT (sink, event_id) DO UPDATE SET attempts = excluded.attempts,
				error = excluded.error, dead_at = excluded.dead_at, replay = false`,
				sink, d.EventID, d.Partition, d.Type, d.Attempts, d.Error, d.DeadAt); err != nil {
				return err
			}
		}
		return nil
	})
}

const deadCols = `sink, event_id, part, type, attempts, error, dead_at, replay`

func scanDead(s scanner) (d domain.DeadLetter, err error) {
	err = s.Scan(&d.Sink, &d.EventID, &d.Partition, &d.Type, &d.Attempts, &d.Error, &d.DeadAt, &d.Replay)
	return d, err
}

// DeadLetters lists dead letters, oldest first.
func (db *DB) DeadLetters(ctx context.Context, sink string, limit int) (_ []domain.DeadLetter, err error) {
	defer wrap(&err, "dead letters %q", sink)
	rows, err := db.pool.Query(ctx, `SELECT `+deadCols+` FROM event_dead WHERE $1 = '' OR sink = $1
		ORDER BY dead_at, event_id LIMIT $2`, sink, limit)
	return collect(rows, err, scanDead)
}

// CountDeadLetters counts dead letters per sink.
func (db *DB) CountDeadLetters(ctx context.Context) (_ map[string]int64, err error) {
	defer wrap(&err, "count dead letters")
	rows, err := db.pool.Query(ctx, `SELECT sink, count(*) FROM event_dead WHERE NOT replay GROUP BY sink`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// ReplayDeadLetters marks dead letters for another delivery.
func (db *DB) ReplayDeadLetters(ctx context.Context, sink string, ids []int64) (n int, err error) {
	defer wrap(&err, "replay dead letters %q", sink)
	tag, err := db.pool.Exec(ctx, `UPDATE event_dead SET replay = true WHERE NOT replay AND ($1 = '' OR sink = $1)
		AND ($2::bigint[] IS NULL OR event_id = ANY($2))`, sink, ids)
	return int(tag.RowsAffected()), err
}

// TakeReplays returns dead letters marked for replay with their events.
func (db *DB) TakeReplays(ctx context.Context, sink string, limit int) (_ []domain.DeadLetter, _ []domain.Event, err error) {
	defer wrap(&err, "take replays %q", sink)
	rows, err := db.pool.Query(ctx, `SELECT `+deadCols+` FROM event_dead WHERE sink = $1 AND replay ORDER BY event_id LIMIT $2`, sink, limit)
	dead, err := collect(rows, err, scanDead)
	if err != nil || len(dead) == 0 {
		return nil, nil, err
	}
	ids := make([]int64, len(dead))
	for i, d := range dead {
		ids[i] = d.EventID
	}
	rows, err = db.pool.Query(ctx, `SELECT `+eventCols+` FROM events WHERE id = ANY($1) ORDER BY id`, ids)
	evs, err := collect(rows, err, scanEvent)
	return dead, evs, err
}

// ResolveDeadLetter deletes a replayed dead letter, or marks it dead again.
func (db *DB) ResolveDeadLetter(ctx context.Context, sink string, eventID int64, errMsg string) (err error) {
	defer wrap(&err, "resolve dead letter %q %d", sink, eventID)
	if errMsg == "" {
		_, err = db.pool.Exec(ctx, `DELETE FROM event_dead WHERE sink = $1 AND event_id = $2`, sink, eventID)
		return err
	}
	_, err = db.pool.Exec(ctx, `UPDATE event_dead SET replay = false, error = $3, attempts = attempts + 1, dead_at = $4
		WHERE sink = $1 AND event_id = $2`, sink, eventID, errMsg, time.Now().UnixMilli())
	return err
}

// TryLease takes a session advisory lock on a connection of its own: the
// lock goes with the connection, so a node that dies (or loses its
// connection) frees it for another node at once.
func (db *DB) TryLease(ctx context.Context, name string) (_ domain.Lease, ok bool, err error) {
	defer wrap(&err, "lease %q", name)
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, false, err
	}
	// Advisory locks are per database, not per schema: the key names the
	// schema too, so that groupd installations in different schemas of
	// one database (and parallel test schemas) never hold each other's
	// lease.
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		conn.Release()
		return nil, false, err
	}
	key := leaseKey(schema, name)
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil || !ok {
		conn.Release()
		return nil, false, err
	}
	return &pgLease{conn: conn, key: key}, true, nil
}

func leaseKey(schema, name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("groupd lease " + schema + "." + name))
	return int64(h.Sum64())
}

type pgLease struct {
	conn *pgxpool.Conn
	key  int64
}

// Check pings the lease's connection.
func (l *pgLease) Check(ctx context.Context) error {
	return l.conn.Ping(ctx)
}

// Release unlocks and returns the connection; a broken one is closed.
func (l *pgLease) Release() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := l.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, l.key); err != nil {
		_ = l.conn.Conn().Close(ctx) // never hand a connection holding the lock back to the pool
	}
	l.conn.Release()
}
