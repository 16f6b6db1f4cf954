-- The event log (domain.Event): every committed change appends its events
-- in the same transaction.
--
-- Reading it back: IDs come from a sequence when the row is inserted, not
-- when its transaction commits, so "id > last" would skip an event whose
-- transaction commits after a later ID was read. tx_id is the inserting
-- transaction's ID; a reader takes only events of transactions older than
-- every transaction still running (tx_id < xmin of the current snapshot),
-- in (tx_id, id) order: that prefix never changes once read. Per-partition
-- order comes from seq (event_partitions' row lock orders the writers of
-- one partition).
CREATE TABLE events (
	id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tx_id            bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
	part             text   NOT NULL,
	seq              bigint NOT NULL,
	type             text   NOT NULL,
	group_id         text   NOT NULL,
	user_ids         text   NOT NULL,
	time             bigint NOT NULL,
	operator_user_id text   NOT NULL,
	dialect          text   NOT NULL,
	operation_id     text   NOT NULL,
	data             bytea  NOT NULL
);
CREATE INDEX events_tx ON events (tx_id, id);

CREATE TABLE event_partitions (
	part text   PRIMARY KEY,
	seq  bigint NOT NULL
);

CREATE TABLE event_sinks (
	sink     text   PRIMARY KEY,
	tx_id    bigint NOT NULL,
	event_id bigint NOT NULL,
	updated  bigint NOT NULL
);

CREATE TABLE event_sink_seqs (
	sink    text   NOT NULL,
	part    text   NOT NULL,
	seq     bigint NOT NULL,
	updated bigint NOT NULL,
	PRIMARY KEY (sink, part)
);
CREATE INDEX event_sink_seqs_updated ON event_sink_seqs (updated);

CREATE TABLE event_dead (
	sink     text    NOT NULL,
	event_id bigint  NOT NULL,
	part     text    NOT NULL,
	type     text    NOT NULL,
	attempts integer NOT NULL,
	error    text    NOT NULL,
	dead_at  bigint  NOT NULL,
	replay   boolean NOT NULL DEFAULT false,
	PRIMARY KEY (sink, event_id)
);

CREATE TABLE event_meta (
	name  text   PRIMARY KEY,
	value bigint NOT NULL
);
