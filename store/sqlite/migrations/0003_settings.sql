-- settings: installation-wide values groupd keeps for itself, by name
-- (the token signing salt, the Redis cache epoch). Additive: nothing else
-- refers to it.
CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
