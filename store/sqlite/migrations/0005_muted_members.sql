-- Members under a mute, by group: which groups of a page have a muted
-- member is a short probe per group (ZIM FetchForbidGroupList), not a walk
-- of every member. Unmuted members (mute_end_time 0) are not indexed.
CREATE INDEX group_members_muted ON group_members (group_id, mute_end_time) WHERE mute_end_time > 0;
