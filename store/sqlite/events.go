package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/groupd/groupd/domain"
)

// The event log. SQLite has one writer, so IDs are given out in commit
// order and a reader needs no more than "id > last": TxID is always 0.

var _ domain.EventLog = (*DB)(nil)

const eventCols = `id, part, seq, type, group_id, user_ids, time, operator_user_id, dialect, operation_id, data`

func scanEvent(s scanner) (e domain.Event, err error) {
	var users string
	err = s.Scan(&e.ID, &e.Partition, &e.Seq, &e.Type, &e.GroupID, &users, &e.Time, &e.OperatorUserID,
		&e.Dialect, &e.OperationID, &e.Data)
	e.UserIDs = domain.SplitUserIDs(users)
	return e, err
}

// AppendEvents numbers each event in its partition and inserts it.
func (t *txn) AppendEvents(ctx context.Context, events []domain.Event) (err error) {
	defer wrap(&err, "sqlite.AppendEvents(%d events)", len(events))
	if len(events) == 0 {
		return nil
	}
	return t.atomic(func() error {
		for _, e := range events {
			rows, err := t.th.query(ctx, `INSERT INTO event_partitions (part, seq) VALUES (?, 1)
				ON CONFLICT (part) DO UPDATE SET seq = seq + 1 RETURNING seq`, e.Partition)
			if err != nil {
				return err
			}
			seq, err := collectOne(rows)
			if err != nil {
				return err
			}
			if _, err := t.th.exec(ctx, `INSERT INTO events (part, seq, type, group_id, user_ids, time,
				operator_user_id, dialect, operation_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				e.Partition, seq, e.Type, e.GroupID, domain.JoinUserIDs(e.UserIDs), e.Time,
				e.OperatorUserID, e.Dialect, e.OperationID, e.Data); err != nil {
				return err
			}
		}
		return nil
	})
}

func collectOne(rows *sql.Rows) (int64, error) {
	defer rows.Close()
	var v int64
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, err
		}
		return 0, errors.New("no row returned")
	}
	if err := rows.Scan(&v); err != nil {
		return 0, err
	}
	return v, rows.Close()
}

// ReadEvents returns up to limit events with ID > after.ID, by ID.
func (db *DB) ReadEvents(ctx context.Context, after domain.EventPos, limit int) (_ []domain.Event, err error) {
	defer wrap(&err, "sqlite.ReadEvents(%d)", after.ID)
	rows, err := db.reader.h.query(ctx, `SELECT `+eventCols+` FROM events WHERE id > ? ORDER BY id LIMIT ?`, after.ID, limit)
	if err != nil {
		return nil, err
	}
	return collectRows(rows, scanEvent)
}

// collectRows scans every row with scan.
func collectRows[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// EventPosOf is (0, id) when event id is kept.
func (db *DB) EventPosOf(ctx context.Context, id int64) (_ domain.EventPos, ok bool, err error) {
	defer wrap(&err, "sqlite.EventPosOf(%d)", id)
	if id == 0 {
		return domain.EventPos{}, true, nil
	}
	var n int
	if err := db.rdb.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE id = ?`, id).Scan(&n); err != nil {
		return domain.EventPos{}, false, err
	}
	return domain.EventPos{ID: id}, n > 0, nil
}

// EventHead is the newest event's position.
func (db *DB) EventHead(ctx context.Context) (_ domain.EventPos, err error) {
	defer wrap(&err, "sqlite.EventHead")
	var id sql.NullInt64
	if err := db.rdb.QueryRowContext(ctx, `SELECT max(id) FROM events`).Scan(&id); err != nil {
		return domain.EventPos{}, err
	}
	if !id.Valid {
		// Empty log: everything given out so far is pruned.
		if err := db.rdb.QueryRowContext(ctx, `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)`).Scan(&id); err != nil {
			return domain.EventPos{}, err
		}
	}
	return domain.EventPos{ID: id.Int64}, nil
}

// PruneEvents deletes, in one short write, up to limit of the oldest events
// if they are older than before, and forgets the delivery state of
// partitions untouched since before.
func (db *DB) PruneEvents(ctx context.Context, before int64, limit int) (n int, err error) {
	defer wrap(&err, "sqlite.PruneEvents")
	err = db.Write(ctx, func(dtx domain.Tx) error {
		t := dtx.(*txn)
		n = 0
		rows, err := t.th.query(ctx, `SELECT coalesce(max(id), 0), count(*) FROM
			(SELECT id, time FROM events ORDER BY id LIMIT ?) WHERE time < ?`, limit, before)
		if err != nil {
			return err
		}
		var maxID, count int64
		for rows.Next() {
			if err := rows.Scan(&maxID, &count); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if count == 0 {
			return nil
		}
		// Only a prefix by ID goes, so the pruned mark is exact.
		res, err := t.th.exec(ctx, `DELETE FROM events WHERE id <= ?`, maxID)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		n = int(k)
		if _, err := t.th.exec(ctx, `INSERT INTO event_meta (name, value) VALUES ('pruned_id', ?)
			ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)`, maxID); err != nil {
			return err
		}
		_, err = t.th.exec(ctx, `DELETE FROM event_sink_seqs WHERE (sink, part) IN
			(SELECT sink, part FROM event_sink_seqs WHERE updated < ? LIMIT ?)`, before, limit)
		return err
	})
	return n, err
}

// SinkState reads a sink's low-water mark.
func (db *DB) SinkState(ctx context.Context, sink string) (pos domain.EventPos, ok bool, err error) {
	defer wrap(&err, "sqlite.SinkState(%q)", sink)
	err = db.rdb.QueryRowContext(ctx, `SELECT tx_id, event_id FROM event_sinks WHERE sink = ?`, sink).Scan(&pos.TxID, &pos.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.EventPos{}, false, nil
	}
	return pos, err == nil, err
}

// DeliveredSeqs reads the last delivered Seq of partitions.
func (db *DB) DeliveredSeqs(ctx context.Context, sink string, parts []string) (_ map[string]int64, err error) {
	defer wrap(&err, "sqlite.DeliveredSeqs(%q, %d)", sink, len(parts))
	out := make(map[string]int64, len(parts))
	if len(parts) == 0 {
		return out, nil
	}
	list, _ := json.Marshal(parts)
	rows, err := db.rdb.QueryContext(ctx, `SELECT part, seq FROM event_sink_seqs
		WHERE sink = ? AND part IN (SELECT value FROM json_each(?))`, sink, string(list))
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

// SaveSinkProgress records a sink's progress in one write.
func (db *DB) SaveSinkProgress(ctx context.Context, sink string, pos domain.EventPos, seqs map[string]int64, dead []domain.DeadLetter) (err error) {
	defer wrap(&err, "sqlite.SaveSinkProgress(%q)", sink)
	now := time.Now().UnixMilli()
	return db.Write(ctx, func(dtx domain.Tx) error {
		t := dtx.(*txn)
		return t.atomic(func() error {
			if _, err := t.th.exec(ctx, `INSERT INTO event_sinks (sink, tx_id, event_id, updated) VALUES (?, ?, ?, ?)
				ON CONFLICT (sink) DO UPDATE SET tx_id = excluded.tx_id, event_id = excluded.event_id, updated = excluded.updated`,
				sink, pos.TxID, pos.ID, now); err != nil {
				return err
			}
			for p, s := range seqs {
				if _, err := t.th.exec(ctx, `INSERT INTO event_sink_seqs (sink, part, seq, updated) VALUES (?, ?, ?, ?)
					ON CONFLICT (sink, part) DO UPDATE SET seq = max(seq, excluded.seq), updated = excluded.updated`,
					sink, p, s, now); err != nil {
					return err
				}
			}
			for _, d := range dead {
				if _, err := t.th.exec(ctx, `INSERT INTO event_dead (sink, event_id, part, type, attempts, error, dead_at, replay)
					VALUES (?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT (sink, event_id) DO UPDATE SET attempts = excluded.attempts,
					error = excluded.error, dead_at = excluded.dead_at, replay = 0`,
					sink, d.EventID, d.Partition, d.Type, d.Attempts, d.Error, d.DeadAt); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

const deadCols = `sink, event_id, part, type, attempts, error, dead_at, replay`

func scanDead(s scanner) (d domain.DeadLetter, err error) {
	err = s.Scan(&d.Sink, &d.EventID, &d.Partition, &d.Type, &d.Attempts, &d.Error, &d.DeadAt, &d.Replay)
	return d, err
}

// DeadLetters lists dead letters, oldest first.
func (db *DB) DeadLetters(ctx context.Context, sink string, limit int) (_ []domain.DeadLetter, err error) {
	defer wrap(&err, "sqlite.DeadLetters(%q)", sink)
	rows, err := db.rdb.QueryContext(ctx, `SELECT `+deadCols+` FROM event_dead WHERE ? = '' OR sink = ?
		ORDER BY dead_at, event_id LIMIT ?`, sink, sink, limit)
	if err != nil {
		return nil, err
	}
	return collectRows(rows, scanDead)
}

// CountDeadLetters counts dead letters per sink.
func (db *DB) CountDeadLetters(ctx context.Context) (_ map[string]int64, err error) {
	defer wrap(&err, "sqlite.CountDeadLetters")
	rows, err := db.rdb.QueryContext(ctx, `SELECT sink, count(*) FROM event_dead WHERE replay = 0 GROUP BY sink`)
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
	defer wrap(&err, "sqlite.ReplayDeadLetters(%q)", sink)
	list, _ := json.Marshal(ids)
	err = db.Write(ctx, func(dtx domain.Tx) error {
		t := dtx.(*txn)
		res, err := t.th.exec(ctx, `UPDATE event_dead SET replay = 1 WHERE replay = 0 AND (? = '' OR sink = ?)
			AND (? = 'null' OR event_id IN (SELECT value FROM json_each(?)))`, sink, sink, string(list), string(list))
		if err != nil {
			return err
		}
		k, err := res.RowsAffected()
		n = int(k)
		return err
	})
	return n, err
}

// TakeReplays returns dead letters marked for replay with their events.
func (db *DB) TakeReplays(ctx context.Context, sink string, limit int) (_ []domain.DeadLetter, _ []domain.Event, err error) {
	defer wrap(&err, "sqlite.TakeReplays(%q)", sink)
	rows, err := db.rdb.QueryContext(ctx, `SELECT `+deadCols+` FROM event_dead WHERE sink = ? AND replay = 1
		ORDER BY event_id LIMIT ?`, sink, limit)
	if err != nil {
		return nil, nil, err
	}
	dead, err := collectRows(rows, scanDead)
	if err != nil || len(dead) == 0 {
		return nil, nil, err
	}
	ids := make([]int64, len(dead))
	for i, d := range dead {
		ids[i] = d.EventID
	}
	list, _ := json.Marshal(ids)
	rows, err = db.rdb.QueryContext(ctx, `SELECT `+eventCols+` FROM events WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, string(list))
	if err != nil {
		return nil, nil, err
	}
	evs, err := collectRows(rows, scanEvent)
	return dead, evs, err
}

// ResolveDeadLetter deletes a replayed dead letter, or marks it dead again.
func (db *DB) ResolveDeadLetter(ctx context.Context, sink string, eventID int64, errMsg string) (err error) {
	defer wrap(&err, "sqlite.ResolveDeadLetter(%q, %d)", sink, eventID)
	return db.Write(ctx, func(dtx domain.Tx) error {
		t := dtx.(*txn)
		if errMsg == "" {
			_, err := t.th.exec(ctx, `DELETE FROM event_dead WHERE sink = ? AND event_id = ?`, sink, eventID)
			return err
		}
		_, err := t.th.exec(ctx, `UPDATE event_dead SET replay = 0, error = ?, attempts = attempts + 1, dead_at = ?
			WHERE sink = ? AND event_id = ?`, errMsg, time.Now().UnixMilli(), sink, eventID)
		return err
	})
}

// TryLease always succeeds: one process owns a SQLite store (the data
// directory lock).
func (db *DB) TryLease(ctx context.Context, name string) (domain.Lease, bool, error) {
	return nopLease{}, true, nil
}

type nopLease struct{}

func (nopLease) Check(context.Context) error { return nil }
func (nopLease) Release()                    {}
