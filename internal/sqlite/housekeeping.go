package sqlite

import (
	"context"
	"time"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/survey"
)

// DeleteExpired implements survey.Housekeeper: one indexed range delete
// per table (expires_at, migration 0002), after filling the column of
// rows stored before it existed.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (tokens, enrollments int64, err error) {
	if err := s.fillExpiry(ctx, "refresh_tokens", func(raw []byte) (time.Time, error) {
		var t account.RefreshToken
		err := decode(raw, &t)
		return t.ExpiresAt, err
	}); err != nil {
		return 0, 0, err
	}
	if err := s.fillExpiry(ctx, "enrollments", func(raw []byte) (time.Time, error) {
		var e account.Enrollment
		err := decode(raw, &e)
		return e.ExpiresAt, err
	}); err != nil {
		return 0, 0, err
	}
	err = s.write(ctx, func(tx *wtx) error {
		r, err := tx.Exec(`DELETE FROM refresh_tokens WHERE expires_at < ?`, ms(now))
		if err != nil {
			return translate("delete expired refresh tokens", err)
		}
		tokens, _ = r.RowsAffected()
		if r, err = tx.Exec(`DELETE FROM enrollments WHERE expires_at < ?`, ms(now)); err != nil {
			return translate("delete expired enrollments", err)
		}
		enrollments, _ = r.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return tokens, enrollments, nil
}

// fillBatch is how many rows one pass of fillExpiry reads.
const fillBatch = 500

// fillExpiry sets the expires_at column of the rows of table that have
// none (stored before migration 0002) from their documents. On a database
// created since, the index answers "none" at once.
func (s *Store) fillExpiry(ctx context.Context, table string, exp func(raw []byte) (time.Time, error)) error {
	op := "fill expiry of " + table
	type row struct {
		hash string
		at   int64
	}
	for {
		rows, err := s.r.QueryContext(ctx, `SELECT hash, doc FROM `+table+` WHERE expires_at IS NULL LIMIT ?`, fillBatch)
		if err != nil {
			return translate(op, err)
		}
		var todo []row
		for rows.Next() {
			var hash string
			var raw []byte
			if err := rows.Scan(&hash, &raw); err != nil {
				rows.Close()
				return translate(op, err)
			}
			at, err := exp(raw)
			if err != nil {
				rows.Close()
				return translate(op, err)
			}
			todo = append(todo, row{hash, ms(at)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(op, err)
		}
		if len(todo) == 0 {
			return nil
		}
		err = s.write(ctx, func(tx *wtx) error {
			for _, r := range todo {
				if _, err := tx.Exec(`UPDATE `+table+` SET expires_at = ? WHERE hash = ?`, r.at, r.hash); err != nil {
					return translate(op, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(todo) < fillBatch {
			return nil
		}
	}
}

// purgeBatch is how many submissions one purge transaction removes: a
// transaction holds the single writer, so it is kept short for intake.
const purgeBatch = 50

// PurgeDeleted implements survey.Housekeeper. Each batch is one
// transaction that picks the submissions deleted before before (through
// the partial index on deleted_at) and removes each with everything keyed
// by it: its facts, taken out of the monthly totals first (a deletion
// normally took them out already; a deletion made while no indicators
// were kept left them in), its history copies, comments and attachment
// blobs; its id is kept in purged_submissions, so that sending it again is
// refused. A restore is a conditional update in the same single writer, so
// it either comes first (the submission is no longer deleted and is not
// picked) or finds nothing to restore. The events of the change feed stay.
func (s *Store) PurgeDeleted(ctx context.Context, before time.Time) (survey.Purged, error) {
	var total survey.Purged
	now := time.Now()
	for {
		var p survey.Purged
		err := s.write(ctx, func(tx *wtx) error {
			p = survey.Purged{}
			ids, err := deletedBefore(tx, before)
			if err != nil {
				return err
			}
			for _, id := range ids {
				n, err := purgeSubmission(tx, id, now)
				if err != nil {
					return err
				}
				p.Submissions++
				p.Attachments += n
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total.Submissions += p.Submissions
		total.Attachments += p.Attachments
		if p.Submissions < purgeBatch {
			return total, nil
		}
	}
}

// purgeSubmission removes submission id and everything keyed by it inside
// the writer's transaction, and returns how many attachment rows went.
func purgeSubmission(tx *wtx, id string, now time.Time) (attachments int64, err error) {
	if err := dropFacts(tx, id); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(`INSERT OR IGNORE INTO purged_submissions (id, form, purged_at) SELECT id, form, ? FROM submissions WHERE id = ?`,
		ms(now), id); err != nil {
		return 0, translate("keep the id of a purged submission", err)
	}
	for _, q := range []string{
		`DELETE FROM submission_history WHERE submission = ?`,
		`DELETE FROM comments WHERE submission = ?`,
		`DELETE FROM submissions WHERE id = ?`,
	} {
		if _, err := tx.Exec(q, id); err != nil {
			return 0, translate("purge submission", err)
		}
	}
	r, err := tx.Exec(`DELETE FROM attachments WHERE submission = ?`, id)
	if err != nil {
		return 0, translate("purge submission", err)
	}
	attachments, _ = r.RowsAffected()
	return attachments, nil
}

// deletedBefore returns up to purgeBatch ids of submissions deleted
// before before, oldest deletion first.
func deletedBefore(tx *wtx, before time.Time) ([]string, error) {
	rows, err := tx.Query(`SELECT id FROM submissions WHERE deleted_at IS NOT NULL AND deleted_at < ? ORDER BY deleted_at LIMIT ?`,
		ms(before), purgeBatch)
	if err != nil {
		return nil, translate("find deleted submissions", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate("find deleted submissions", err)
		}
		ids = append(ids, id)
	}
	return ids, translate("find deleted submissions", rows.Err())
}
