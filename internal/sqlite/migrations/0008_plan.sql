-- The plan's own numbers: targets per indicator, unit and period, and the
-- reports units submit for a period. A report's document holds its frozen
-- versions (sealed figures, appended, never changed) and its history;
-- the columns beside it are what the status view lists and what a
-- transition compares and sets (rev).
CREATE TABLE targets (
	id        TEXT PRIMARY KEY,
	period    TEXT NOT NULL,
	doc       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX targets_period ON targets (period, id);

CREATE TABLE reports (
	id      TEXT PRIMARY KEY,
	period  TEXT NOT NULL,
	unit    TEXT NOT NULL,
	parent  TEXT NOT NULL,
	state   TEXT NOT NULL,
	rev     INTEGER NOT NULL,
	version INTEGER NOT NULL,
	comment TEXT NOT NULL,
	doc     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX reports_period ON reports (period, id);
