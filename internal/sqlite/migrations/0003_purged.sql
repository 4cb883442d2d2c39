-- The ids of submissions deleted and then purged for good after the
-- restore window. A phone that sends such an id again is refused instead
-- of storing the submission anew: what was deleted stays deleted.
CREATE TABLE purged_submissions (
	id        TEXT PRIMARY KEY,
	form      TEXT NOT NULL,
	purged_at INTEGER NOT NULL
) WITHOUT ROWID;
