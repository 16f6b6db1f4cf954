-- The event log (domain.Event): every committed change appends its events
-- in the same transaction. id is AUTOINCREMENT so that an ID is never
-- reused, even after retention deletes the newest rows.
CREATE TABLE events (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	part             TEXT    NOT NULL,
	seq              INTEGER NOT NULL,
	type             TEXT    NOT NULL,
	group_id         TEXT    NOT NULL,
	user_ids         TEXT    NOT NULL,
	time             INTEGER NOT NULL,
	operator_user_id TEXT    NOT NULL,
	dialect          TEXT    NOT NULL,
	operation_id     TEXT    NOT NULL,
	data             BLOB    NOT NULL
);

-- The last Seq given out per partition (a group, or "u:" + user ID). Kept
-- when the events go, so a partition's Seq never restarts.
CREATE TABLE event_partitions (
	part TEXT    PRIMARY KEY,
	seq  INTEGER NOT NULL
) WITHOUT ROWID;

-- Dispatcher state per sink: the low-water mark (every event before it is
-- delivered or dead-lettered) and the last delivered Seq per partition.
CREATE TABLE event_sinks (
	sink     TEXT    PRIMARY KEY,
	tx_id    INTEGER NOT NULL,
	event_id INTEGER NOT NULL,
	updated  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE event_sink_seqs (
	sink    TEXT    NOT NULL,
	part    TEXT    NOT NULL,
	seq     INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	PRIMARY KEY (sink, part)
) WITHOUT ROWID;

CREATE TABLE event_dead (
	sink     TEXT    NOT NULL,
	event_id INTEGER NOT NULL,
	part     TEXT    NOT NULL,
	type     TEXT    NOT NULL,
	attempts INTEGER NOT NULL,
	error    TEXT    NOT NULL,
	dead_at  INTEGER NOT NULL,
	replay   INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (sink, event_id)
) WITHOUT ROWID;

-- pruned_id: the highest event ID retention has deleted (a change feed
-- resuming from an older ID is told its cursor expired).
CREATE TABLE event_meta (
	name  TEXT    PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;
