-- Housekeeping reads what it removes through indexes instead of scanning.

-- Soft-deleted submissions by deletion time: the ones past the restore
-- window are purged (a partial index: it holds the deleted ones only).
CREATE INDEX submissions_deleted ON submissions (deleted_at) WHERE deleted_at IS NOT NULL;

-- The expiry of refresh tokens and enrollment codes as a column beside the
-- document, so that expired ones are deleted by a range of the index.
-- Rows stored before this version have none (NULL, first in the index):
-- housekeeping fills it from their documents once.
ALTER TABLE refresh_tokens ADD COLUMN expires_at INTEGER;
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);
ALTER TABLE enrollments ADD COLUMN expires_at INTEGER;
CREATE INDEX enrollments_expires ON enrollments (expires_at);
