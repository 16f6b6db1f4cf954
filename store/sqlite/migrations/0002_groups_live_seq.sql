-- The groups that are not dismissed (status 2), by Seq: ZIM's
-- QueryAppGroupList pages and counts them, and must not walk over the
-- dismissed ones. Queries must write the condition exactly so.
CREATE INDEX groups_live_seq ON groups (seq) WHERE status <> 2;
