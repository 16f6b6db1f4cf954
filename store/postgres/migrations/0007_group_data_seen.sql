-- A membership's group_data_seen is the group's data_seq last reported to
-- the member's joined-group log. A change to a group's own data is logged
-- once, in the group's log; each member's log catches up when it is next
-- read (domain catchUpJoinedLog), so the change costs the same whatever
-- the member count. Until now every change was logged in every member's
-- log: those are up to date.
ALTER TABLE group_members ADD COLUMN group_data_seen bigint NOT NULL DEFAULT 0;
UPDATE group_members m SET group_data_seen = g.data_seq FROM groups g
WHERE g.group_id = m.group_id AND g.data_seq > 0;
