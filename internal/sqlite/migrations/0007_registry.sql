-- The registry of households and children (internal/registry), written in
-- the transaction of the submission that changes it. reg_visits and
-- reg_followups keep what each submission tells the registry; the other
-- tables are computed from them (Project) and can be rebuilt from the
-- submissions; reg_decisions and reg_aliases are people's decisions.
CREATE TABLE reg_visits (
	submission TEXT PRIMARY KEY,
	household  TEXT NOT NULL,
	doc        TEXT NOT NULL -- the visit as JSON (registry.Visit)
) WITHOUT ROWID;
CREATE INDEX reg_visits_household ON reg_visits (household);

CREATE TABLE reg_followups (
	submission TEXT PRIMARY KEY,
	child      TEXT NOT NULL,
	doc        TEXT NOT NULL -- registry.FollowUp as JSON
) WITHOUT ROWID;
CREATE INDEX reg_followups_child ON reg_followups (child);

CREATE TABLE reg_households (
	id      TEXT PRIMARY KEY,
	commune TEXT NOT NULL,
	dkey    TEXT NOT NULL, -- duplicate key: commune, head's name key, address key
	doc     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX reg_households_commune ON reg_households (commune);
CREATE INDEX reg_households_dkey ON reg_households (dkey);

CREATE TABLE reg_stays (
	child     TEXT NOT NULL,
	household TEXT NOT NULL,
	from_day  INTEGER NOT NULL,
	seen      TEXT NOT NULL, -- registry.Seen.Key of its latest visit
	doc       TEXT NOT NULL,
	PRIMARY KEY (child, household, from_day)
) WITHOUT ROWID;
CREATE INDEX reg_stays_household ON reg_stays (household);
-- A child's latest stay, read at every change of the child.
CREATE INDEX reg_stays_latest ON reg_stays (child, seen);

CREATE TABLE reg_children (
	id       TEXT PRIMARY KEY,
	commune  TEXT NOT NULL,
	name_key TEXT NOT NULL,
	doc      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX reg_children_commune ON reg_children (commune, name_key);

-- The index duplicate candidates are found by (registry.Linker.ChildKeys).
CREATE TABLE reg_child_keys (
	dkey  TEXT NOT NULL,
	child TEXT NOT NULL,
	PRIMARY KEY (dkey, child)
) WITHOUT ROWID;
CREATE INDEX reg_child_keys_child ON reg_child_keys (child);

CREATE TABLE reg_candidates (
	kind TEXT NOT NULL,
	a    TEXT NOT NULL,
	b    TEXT NOT NULL,
	rule TEXT NOT NULL,
	PRIMARY KEY (kind, a, b)
) WITHOUT ROWID;
CREATE INDEX reg_candidates_b ON reg_candidates (kind, b);

CREATE TABLE reg_decisions (
	id        TEXT PRIMARY KEY,
	kind      TEXT NOT NULL,
	action    TEXT NOT NULL, -- merge, not_duplicates
	a         TEXT NOT NULL,
	b         TEXT NOT NULL,
	doc       TEXT NOT NULL,
	undone_at INTEGER
) WITHOUT ROWID;
-- One standing decision per pair: of two concurrent merges of one pair
-- one wins.
CREATE UNIQUE INDEX reg_decisions_pair ON reg_decisions (kind, a, b) WHERE undone_at IS NULL;

CREATE TABLE reg_aliases (
	kind     TEXT NOT NULL,
	alias    TEXT NOT NULL,
	survivor TEXT NOT NULL,
	decision TEXT NOT NULL,
	PRIMARY KEY (kind, alias)
) WITHOUT ROWID;

-- The phones' feed: a record of these communes changed.
CREATE TABLE reg_changes (
	seq     INTEGER PRIMARY KEY AUTOINCREMENT,
	kind    TEXT NOT NULL,
	id      TEXT NOT NULL,
	commune TEXT NOT NULL
);
CREATE INDEX reg_changes_commune ON reg_changes (commune, seq);
