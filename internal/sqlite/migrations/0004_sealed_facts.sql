-- Indicator facts sealed at rest. A fact of a sensitive indicator tells a
-- sealed answer (a CSPC_RATE numerator of 1 says the household has a child
-- in special circumstances), and so does a total of one commune and day:
-- the rows of facts and fact_months did both in clear. Every cell now lives
-- in a box sealed under the data keys, the sensitive ones and the others
-- alike: one box per submission, and one per commune and day and per
-- commune and month holding the sum of the boxes there. Only where a box
-- belongs is in clear, which the submissions table tells already.
--
-- The connection that applies this runs with secure_delete on, so the
-- pages of the dropped tables are zeroed, not left readable among the
-- free pages of the file.
DROP TABLE facts;
DROP TABLE fact_months;

-- The facts of the tables dropped are gone: the next start rebuilds them
-- from the submissions (Indicators.EnsureCurrent).
DELETE FROM meta WHERE key = 'indicators';

-- The cells of one submission's current state, in one box (its aad names
-- the submission); the area and day it was added to, so that a change
-- takes it out of the same totals.
CREATE TABLE fact_boxes (
	submission  TEXT PRIMARY KEY,
	hierarchy   TEXT NOT NULL,
	commune     TEXT NOT NULL,
	district    TEXT NOT NULL,
	survey_date INTEGER NOT NULL,
	key_id      TEXT NOT NULL,
	box         BLOB NOT NULL
) WITHOUT ROWID;

-- The summed cells of every submission of a commune and day (day: the
-- milliseconds of its UTC midnight), and of a commune and month (YYYYMM),
-- kept in the transaction of every change: a year or a quarter opens the
-- month boxes of its communes, only the days of a partial month are read
-- from the day boxes. A box with no cell left is deleted. The district is
-- not sensitive and is kept in clear beside it, for counts by district.
-- Rowid tables (the key in a unique index): a month box of every indicator
-- is a few kilobytes, which a rowid table keeps on the row's own page and
-- a table without rowid would spill to overflow pages, written again with
-- every change.
CREATE TABLE fact_day_totals (
	hierarchy TEXT NOT NULL,
	commune   TEXT NOT NULL,
	day       INTEGER NOT NULL,
	district  TEXT NOT NULL,
	key_id    TEXT NOT NULL,
	box       BLOB NOT NULL,
	UNIQUE (hierarchy, commune, day)
);

CREATE TABLE fact_month_totals (
	hierarchy TEXT NOT NULL,
	commune   TEXT NOT NULL,
	month     INTEGER NOT NULL,
	district  TEXT NOT NULL,
	key_id    TEXT NOT NULL,
	box       BLOB NOT NULL,
	UNIQUE (hierarchy, commune, month)
);
