-- The schema of the embedded database. Times are Unix milliseconds (UTC);
-- survey dates are the milliseconds of their UTC midnight.

-- A submission: the columns every query filters or sorts on, and the
-- whole stored submission in doc (BSON: it keeps int64, float64 and dates
-- exact, and decodes fast for exports). Rowid order is arrival order.
CREATE TABLE submissions (
	id           TEXT NOT NULL UNIQUE,
	form         TEXT NOT NULL,
	form_version INTEGER NOT NULL,
	unit         TEXT NOT NULL,
	survey_date  INTEGER NOT NULL,
	collector    TEXT NOT NULL,
	collector_name TEXT NOT NULL, -- the username at the time of sending (the review queue's filter)
	received_at  INTEGER NOT NULL,
	revision     INTEGER NOT NULL,
	review_state TEXT NOT NULL,
	deleted_at   INTEGER,
	sealed_key   TEXT,
	doc          BLOB NOT NULL
);
CREATE INDEX submissions_form_received ON submissions (form, received_at, id);
CREATE INDEX submissions_collector_received ON submissions (collector, received_at, id);
CREATE INDEX submissions_form_unit_date ON submissions (form, unit, survey_date);
CREATE INDEX submissions_sealed_key ON submissions (sealed_key, id) WHERE sealed_key IS NOT NULL;

-- Earlier revisions of edited submissions, written with the edit.
CREATE TABLE submission_history (
	submission TEXT NOT NULL,
	revision   INTEGER NOT NULL,
	doc        BLOB NOT NULL,
	PRIMARY KEY (submission, revision)
) WITHOUT ROWID;

CREATE TABLE comments (
	id         TEXT PRIMARY KEY,
	submission TEXT NOT NULL,
	at         INTEGER NOT NULL,
	doc        BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX comments_submission ON comments (submission, at, id);

-- The change feed. seq is the rowid, assigned by the insert inside the
-- transaction of the change: one writer commits in order, and a rolled
-- back insert takes no number, so the feed has no gap.
CREATE TABLE events (
	seq          INTEGER PRIMARY KEY,
	kind         TEXT NOT NULL,
	submission   TEXT NOT NULL,
	form         TEXT NOT NULL,
	unit         TEXT NOT NULL,
	survey_date  INTEGER NOT NULL,
	collector    TEXT NOT NULL,
	revision     INTEGER NOT NULL,
	review_state TEXT NOT NULL,
	at           INTEGER NOT NULL,
	by           TEXT NOT NULL
);

-- Indicator facts: one row per submission × indicator × sex × age group,
-- replaced in the transaction of every change of the submission, and their
-- running totals per commune and month (fact_months), kept in the same
-- transaction: a query for whole months (a year, a quarter) sums the
-- totals, a few rows per commune and month, and only the days of a partial
-- month are counted from the rows. Both are read through covering keys.
CREATE TABLE facts (
	submission  TEXT NOT NULL,
	hierarchy   TEXT NOT NULL,
	commune     TEXT NOT NULL,
	district    TEXT NOT NULL,
	survey_date INTEGER NOT NULL,
	month       INTEGER NOT NULL, -- YYYYMM of survey_date
	indicator   TEXT NOT NULL,
	sex         TEXT NOT NULL,
	age_group   TEXT NOT NULL,
	den         INTEGER NOT NULL,
	num         INTEGER NOT NULL
);
CREATE INDEX facts_submission ON facts (submission);
CREATE INDEX facts_by_area ON facts (hierarchy, commune, survey_date, indicator, district, sex, age_group, den, num);

CREATE TABLE fact_months (
	hierarchy TEXT NOT NULL,
	commune   TEXT NOT NULL,
	indicator TEXT NOT NULL,
	sex       TEXT NOT NULL,
	age_group TEXT NOT NULL,
	month     INTEGER NOT NULL,
	district  TEXT NOT NULL,
	den       INTEGER NOT NULL,
	num       INTEGER NOT NULL,
	PRIMARY KEY (hierarchy, commune, indicator, sex, age_group, month)
) WITHOUT ROWID;

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
	id       TEXT PRIMARY KEY,
	username TEXT NOT NULL UNIQUE,
	doc      BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE forms (
	id  TEXT PRIMARY KEY,
	doc BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE form_versions (
	form    TEXT NOT NULL,
	version INTEGER NOT NULL,
	doc     BLOB NOT NULL,
	PRIMARY KEY (form, version)
) WITHOUT ROWID;

CREATE TABLE form_drafts (
	form TEXT PRIMARY KEY,
	hash TEXT NOT NULL,
	doc  BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE refresh_tokens (
	hash       TEXT PRIMARY KEY,
	family     TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	device_id  TEXT NOT NULL,
	used_at    INTEGER,
	revoked_at INTEGER,
	doc        BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE enrollments (
	hash    TEXT PRIMARY KEY,
	used_at INTEGER,
	device  TEXT,
	doc     BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE audit (
	id       TEXT PRIMARY KEY,
	at       INTEGER NOT NULL,
	user_id  TEXT NOT NULL,
	username TEXT NOT NULL,
	action   TEXT NOT NULL,
	doc      BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX audit_at ON audit (at, id);

-- Attachments are blobs in the database, not files: an upload commits
-- or not with the same guarantees as the submissions, a backup copies them
-- consistently with everything else, and they are small (10 MB by
-- default). A new upload of a name adds a row; the latest is served.
CREATE TABLE attachments (
	seq         INTEGER PRIMARY KEY,
	submission  TEXT NOT NULL,
	name        TEXT NOT NULL,
	doc         BLOB NOT NULL,
	body        BLOB NOT NULL
);
CREATE INDEX attachments_submission ON attachments (submission, name, seq);

CREATE TABLE webhooks (
	id         TEXT PRIMARY KEY,
	created_at INTEGER NOT NULL,
	cursor     TEXT NOT NULL,
	doc        BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE webhook_deliveries (
	id         TEXT PRIMARY KEY,
	hook       TEXT NOT NULL,
	state      TEXT NOT NULL,
	next_at    INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	doc        BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at, id);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (hook, created_at, id);
