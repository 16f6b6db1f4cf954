-- groupd schema, PostgreSQL.
--
-- Partitioning: every group-scoped table (groups, group_members,
-- group_requests, group_attributes) leads its primary key with group_id and
-- every query that touches it filters by group_id, except the per-user
-- indexes (user_id, ...) which a distributed engine serves by fan-out. For
-- Citus: distribute these tables by group_id (colocated), distribute the
-- version tables by owner_id, and make users a reference table or distribute
-- it by user_id. No unique constraint omits the distribution column (seq
-- uniqueness comes from the sequences, not from an index), and the foreign
-- keys to groups include it, as Citus requires of colocated tables.

-- users: seq keeps creation order for ListUsers.
CREATE SEQUENCE user_seq;
CREATE TABLE users (
	user_id     text   PRIMARY KEY,
	nickname    text   NOT NULL DEFAULT '',
	face_url    text   NOT NULL DEFAULT '',
	ex          text   NOT NULL DEFAULT '',
	create_time bigint NOT NULL DEFAULT 0,
	seq         bigint NOT NULL DEFAULT nextval('user_seq')
);
CREATE INDEX users_seq ON users (seq);

CREATE SEQUENCE group_seq;
CREATE TABLE groups (
	group_id                 text    PRIMARY KEY,
	name                     text    NOT NULL DEFAULT '',
	notification             text    NOT NULL DEFAULT '',
	introduction             text    NOT NULL DEFAULT '',
	face_url                 text    NOT NULL DEFAULT '',
	ex                       text    NOT NULL DEFAULT '',
	status                   integer NOT NULL DEFAULT 0,
	group_type               integer NOT NULL DEFAULT 0,
	creator_user_id          text    NOT NULL DEFAULT '',
	owner_user_id            text    NOT NULL DEFAULT '',
	need_verification        integer NOT NULL DEFAULT 0,
	look_member_info         integer NOT NULL DEFAULT 0,
	apply_member_friend      integer NOT NULL DEFAULT 0,
	notification_update_time bigint  NOT NULL DEFAULT 0,
	notification_user_id     text    NOT NULL DEFAULT '',
	create_time              bigint  NOT NULL DEFAULT 0,
	-- member_count is kept in the transaction of every membership change.
	member_count             bigint  NOT NULL DEFAULT 0,
	data_seq                 bigint  NOT NULL DEFAULT 0,
	member_count_limit       bigint  NOT NULL DEFAULT 0,
	invite_mode              integer NOT NULL DEFAULT 0,
	be_invited_mode          integer NOT NULL DEFAULT 0,
	number_message           bigint  NOT NULL DEFAULT 0,
	mute_all                 boolean NOT NULL DEFAULT false,
	muted_roles              integer[] NOT NULL DEFAULT '{}',
	mute_until               bigint  NOT NULL DEFAULT 0,
	seq                      bigint  NOT NULL DEFAULT nextval('group_seq')
);
CREATE INDEX groups_seq ON groups (seq);
CREATE INDEX groups_create_time ON groups (create_time DESC, seq DESC);

-- group_members.seq is drawn from member_seq: never reused, increasing in
-- insertion order across the store (and in commit order within one group,
-- since inserts hold the group row lock).
CREATE SEQUENCE member_seq;
CREATE TABLE group_members (
	group_id         text    NOT NULL REFERENCES groups (group_id),
	user_id          text    NOT NULL,
	role_level       integer NOT NULL DEFAULT 20,
	custom_role      integer NOT NULL DEFAULT 0,
	join_time        bigint  NOT NULL DEFAULT 0,
	nickname         text    NOT NULL DEFAULT '',
	face_url         text    NOT NULL DEFAULT '',
	join_source      integer NOT NULL DEFAULT 0,
	inviter_user_id  text    NOT NULL DEFAULT '',
	operator_user_id text    NOT NULL DEFAULT '',
	mute_end_time    bigint  NOT NULL DEFAULT 0,
	ex               text    NOT NULL DEFAULT '',
	seq              bigint  NOT NULL DEFAULT nextval('member_seq'),
	PRIMARY KEY (group_id, user_id)
);
-- The INCLUDE columns make the list queries index-only: a deep page walks
-- its offset in the index and reads only the page's rows from the table.
-- A user's groups in join order (ListJoined, JoinedGroupIDs, CountJoined).
CREATE INDEX group_members_user ON group_members (user_id, seq) INCLUDE (group_id);
-- A group's member list: role level descending, then join order.
CREATE INDEX group_members_role ON group_members (group_id, role_level DESC, seq) INCLUDE (user_id);
-- A group's members in join order (keyset paging, ID lists).
CREATE INDEX group_members_seq ON group_members (group_id, seq) INCLUDE (user_id);

CREATE TABLE group_requests (
	group_id        text    NOT NULL REFERENCES groups (group_id),
	user_id         text    NOT NULL,
	handle_result   integer NOT NULL DEFAULT 0,
	req_msg         text    NOT NULL DEFAULT '',
	handle_msg      text    NOT NULL DEFAULT '',
	req_time        bigint  NOT NULL DEFAULT 0,
	handle_user_id  text    NOT NULL DEFAULT '',
	handle_time     bigint  NOT NULL DEFAULT 0,
	join_source     integer NOT NULL DEFAULT 0,
	inviter_user_id text    NOT NULL DEFAULT '',
	ex              text    NOT NULL DEFAULT '',
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_requests_group ON group_requests (group_id, req_time DESC);
CREATE INDEX group_requests_user ON group_requests (user_id, req_time DESC);

CREATE TABLE group_attributes (
	group_id text NOT NULL REFERENCES groups (group_id),
	key      text NOT NULL,
	value    text NOT NULL DEFAULT '',
	PRIMARY KEY (group_id, key)
);

-- Version logs for incremental sync. kind is 'gm' (owner_id = a group ID)
-- or 'ug' (owner_id = a user ID). version_owners holds each log's position;
-- its row is the lock that orders concurrent LogVersion calls on one owner.
CREATE TABLE version_owners (
	kind        text   NOT NULL,
	owner_id    text   NOT NULL,
	version_id  text   NOT NULL,
	version     bigint NOT NULL,
	min_version bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (kind, owner_id)
);

-- One row per (owner, element): the element's latest op and version.
CREATE TABLE version_entries (
	kind       text    NOT NULL,
	owner_id   text    NOT NULL,
	element_id text    NOT NULL,
	op         integer NOT NULL,
	version    bigint  NOT NULL,
	PRIMARY KEY (kind, owner_id, element_id)
);
CREATE INDEX version_entries_version ON version_entries (kind, owner_id, version);
