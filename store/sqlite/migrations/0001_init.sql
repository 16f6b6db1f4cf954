-- groupd schema, version 1.
--
-- Seq columns are INTEGER PRIMARY KEY AUTOINCREMENT: the rowid itself, so
-- every secondary index carries it for free, and AUTOINCREMENT guarantees a
-- value is never handed out twice, even after the highest row is deleted.
-- The natural keys (user_id, group_id, (group_id, user_id)) are UNIQUE.

CREATE TABLE users (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id     TEXT    NOT NULL UNIQUE,
	nickname    TEXT    NOT NULL DEFAULT '',
	face_url    TEXT    NOT NULL DEFAULT '',
	ex          TEXT    NOT NULL DEFAULT '',
	create_time INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE groups (
	seq                      INTEGER PRIMARY KEY AUTOINCREMENT,
	group_id                 TEXT    NOT NULL UNIQUE,
	name                     TEXT    NOT NULL DEFAULT '',
	notification             TEXT    NOT NULL DEFAULT '',
	introduction             TEXT    NOT NULL DEFAULT '',
	face_url                 TEXT    NOT NULL DEFAULT '',
	ex                       TEXT    NOT NULL DEFAULT '',
	status                   INTEGER NOT NULL DEFAULT 0,
	group_type               INTEGER NOT NULL DEFAULT 0,
	creator_user_id          TEXT    NOT NULL DEFAULT '',
	owner_user_id            TEXT    NOT NULL DEFAULT '',
	need_verification        INTEGER NOT NULL DEFAULT 0,
	look_member_info         INTEGER NOT NULL DEFAULT 0,
	apply_member_friend      INTEGER NOT NULL DEFAULT 0,
	notification_update_time INTEGER NOT NULL DEFAULT 0,
	notification_user_id     TEXT    NOT NULL DEFAULT '',
	create_time              INTEGER NOT NULL DEFAULT 0,
	member_count             INTEGER NOT NULL DEFAULT 0,
	data_seq                 INTEGER NOT NULL DEFAULT 0,
	member_count_limit       INTEGER NOT NULL DEFAULT 0,
	invite_mode              INTEGER NOT NULL DEFAULT 0,
	be_invited_mode          INTEGER NOT NULL DEFAULT 0,
	number_message           INTEGER NOT NULL DEFAULT 0,
	mute_all                 INTEGER NOT NULL DEFAULT 0,
	muted_roles              TEXT    NOT NULL DEFAULT '', -- comma list of ZIM roles
	mute_until               INTEGER NOT NULL DEFAULT 0
);
-- Admin search, newest first: scanned backwards as (create_time DESC, seq DESC).
CREATE INDEX groups_create_time ON groups (create_time);

CREATE TABLE group_members (
	seq              INTEGER PRIMARY KEY AUTOINCREMENT,
	group_id         TEXT    NOT NULL REFERENCES groups (group_id),
	user_id          TEXT    NOT NULL,
	role_level       INTEGER NOT NULL,
	custom_role      INTEGER NOT NULL DEFAULT 0,
	join_time        INTEGER NOT NULL DEFAULT 0,
	nickname         TEXT    NOT NULL DEFAULT '',
	face_url         TEXT    NOT NULL DEFAULT '',
	join_source      INTEGER NOT NULL DEFAULT 0,
	inviter_user_id  TEXT    NOT NULL DEFAULT '',
	operator_user_id TEXT    NOT NULL DEFAULT '',
	mute_end_time    INTEGER NOT NULL DEFAULT 0,
	ex               TEXT    NOT NULL DEFAULT '',
	UNIQUE (group_id, user_id)
);
-- A user's joined groups in join order; covering for counts and ID lists.
CREATE INDEX group_members_user ON group_members (user_id, seq, group_id);
-- A group's member list: role level descending, then join order.
CREATE INDEX group_members_role ON group_members (group_id, role_level DESC, seq);
-- A group's members in join order (keyset paging, ID lists); covering for IDs.
CREATE INDEX group_members_group_seq ON group_members (group_id, seq, user_id);

-- How many groups each user is in, kept with every membership change so
-- that counting a user's groups (the total of every joined-groups page)
-- does not walk the user's index range.
CREATE TABLE user_joined_counts (
	user_id TEXT    PRIMARY KEY,
	joined  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE group_requests (
	group_id        TEXT    NOT NULL REFERENCES groups (group_id),
	user_id         TEXT    NOT NULL,
	handle_result   INTEGER NOT NULL DEFAULT 0,
	req_msg         TEXT    NOT NULL DEFAULT '',
	handle_msg      TEXT    NOT NULL DEFAULT '',
	req_time        INTEGER NOT NULL DEFAULT 0,
	handle_user_id  TEXT    NOT NULL DEFAULT '',
	handle_time     INTEGER NOT NULL DEFAULT 0,
	join_source     INTEGER NOT NULL DEFAULT 0,
	inviter_user_id TEXT    NOT NULL DEFAULT '',
	ex              TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX group_requests_group_time ON group_requests (group_id, req_time DESC);
CREATE INDEX group_requests_user_time ON group_requests (user_id, req_time DESC);

CREATE TABLE group_attributes (
	group_id TEXT NOT NULL REFERENCES groups (group_id),
	key      TEXT NOT NULL,
	value    TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (group_id, key)
) WITHOUT ROWID;

-- Version logs for incremental sync. One row per owner holds its position;
-- one row per (owner, element) holds the element's latest change, so a log
-- never grows beyond the owner's element count.
CREATE TABLE version_owners (
	kind        TEXT    NOT NULL,
	owner_id    TEXT    NOT NULL,
	version_id  TEXT    NOT NULL,
	version     INTEGER NOT NULL,
	min_version INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (kind, owner_id)
) WITHOUT ROWID;

CREATE TABLE version_entries (
	kind       TEXT    NOT NULL,
	owner_id   TEXT    NOT NULL,
	element_id TEXT    NOT NULL,
	op         INTEGER NOT NULL,
	version    INTEGER NOT NULL,
	PRIMARY KEY (kind, owner_id, element_id)
) WITHOUT ROWID;
CREATE INDEX version_entries_version ON version_entries (kind, owner_id, version);
