-- settings: installation-wide values groupd keeps for itself, by name
-- (the token signing salt, the Redis cache epoch). Additive: nothing else
-- refers to it. For Citus: a reference table.
CREATE TABLE settings (
	name  text PRIMARY KEY,
	value text NOT NULL
);
