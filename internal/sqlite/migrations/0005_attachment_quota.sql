-- One stored file per attachment name. An upload of a name used to add a
-- row and the latest was served: the earlier ones stayed stored, unseen
-- by any listing and counted by no limit. A new upload now replaces the
-- row of its name in the same transaction; the rows that were already
-- replaced go here. They were never served again (every read took the
-- latest row), and secure_delete zeroes their pages.
DELETE FROM attachments
WHERE seq NOT IN (SELECT MAX(seq) FROM attachments GROUP BY submission, name);
DROP INDEX attachments_submission;
CREATE UNIQUE INDEX attachments_name ON attachments (submission, name);

-- The bytes each user uploaded on a day (in Vietnam time), for the daily
-- quota: a row per user and day, read and moved in the upload's
-- transaction. Days before the current one are deleted as uploads come.
CREATE TABLE attachment_days (
	username TEXT NOT NULL,
	day      TEXT NOT NULL,
	bytes    INTEGER NOT NULL,
	PRIMARY KEY (username, day)
) WITHOUT ROWID;
CREATE INDEX attachment_days_day ON attachment_days (day);
