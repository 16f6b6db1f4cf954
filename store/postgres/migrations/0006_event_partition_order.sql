-- Per-partition order in the read order. A transaction's ID is assigned at
-- its first write, before it waits for the partition's row lock, so two
-- writers of one partition can take their seqs in the opposite order of
-- their transaction IDs, and a reader ordering by (tx_id, id) would see seq
-- 2 before seq 1. An event's tx_id is therefore the greater of its own
-- transaction's ID and its partition predecessor's tx_id (kept here). The
-- stable-prefix rule still holds: tx_id is never below the writer's own
-- transaction ID, so tx_id < xmin still implies the writer has finished,
-- and a running writer still gets a tx_id at or above every xmin read so far.
ALTER TABLE event_partitions ADD COLUMN tx_id bigint NOT NULL DEFAULT 0;
