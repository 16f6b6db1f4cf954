-- Members under a mute, by group: which groups of a page have a muted
-- member is a short probe per group, not a walk of every member.
CREATE INDEX group_members_muted ON group_members (group_id, mute_end_time) WHERE mute_end_time > 0;

-- How many groups each user is in, kept by trigger with every membership
-- change, so that the total of a joined-groups page is one point read, not
-- a count(*) over the user's memberships per request.
CREATE TABLE user_joined_counts (
	user_id text   PRIMARY KEY,
	joined  bigint NOT NULL
);
INSERT INTO user_joined_counts (user_id, joined)
	SELECT user_id, count(*) FROM group_members GROUP BY user_id;

CREATE FUNCTION group_members_count_joined() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO user_joined_counts (user_id, joined) VALUES (NEW.user_id, 1)
			ON CONFLICT (user_id) DO UPDATE SET joined = user_joined_counts.joined + 1;
		RETURN NEW;
	END IF;
	UPDATE user_joined_counts SET joined = joined - 1 WHERE user_id = OLD.user_id;
	RETURN OLD;
END
$$;
CREATE TRIGGER group_members_count_joined AFTER INSERT OR DELETE ON group_members
	FOR EACH ROW EXECUTE FUNCTION group_members_count_joined();
