package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/khaosat/khaosat/internal/protect"
	"github.com/khaosat/khaosat/internal/survey"
)

// SubmissionsAfter returns up to limit submissions of form (deleted ones
// too) in id order after the id after. The unary + keeps the planner on
// the id index: through the form index it would sort every submission of
// the form for each page (measured: 12 times slower than a scan at 20,000).
func (s *Store) SubmissionsAfter(ctx context.Context, form, after string, limit int) ([]*survey.Submission, error) {
	return s.docs(ctx, "list submissions", `SELECT doc FROM submissions WHERE +form = ? AND id > ? ORDER BY id LIMIT ?`, form, after, limit)
}

// RevisionsAfter returns up to limit kept revisions of the submissions of
// form in (submission, revision) order after after: the history's primary
// key in order, each joined to its submission by id (+ as above).
func (s *Store) RevisionsAfter(ctx context.Context, form string, after protect.RevisionKey, limit int) ([]*survey.Submission, error) {
	return s.docs(ctx, "list history", `SELECT h.doc FROM submission_history h JOIN submissions s ON s.id = h.submission
		WHERE +s.form = ? AND (h.submission, h.revision) > (?, ?) ORDER BY h.submission, h.revision LIMIT ?`,
		form, after.ID, after.Revision, limit)
}

func (s *Store) docs(ctx context.Context, op, query string, args ...any) ([]*survey.Submission, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	var out []*survey.Submission
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, translate(op, err)
		}
		sub, err := decodeSubmission(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, translate(op, rows.Err())
}

// RevisionsSealedNotUnder returns up to limit kept revisions with sealed
// answers under another key than keyID, in (submission, revision) order
// after after. The history has no key column: the pages of the primary key
// are read and their documents looked at (a rotation is rare, and reads
// each kept revision once).
func (s *Store) RevisionsSealedNotUnder(ctx context.Context, keyID string, after protect.RevisionKey, limit int) ([]*survey.Submission, error) {
	var out []*survey.Submission
	for len(out) < limit {
		page, err := s.docs(ctx, "list sealed history", `SELECT doc FROM submission_history
			WHERE (submission, revision) > (?, ?) ORDER BY submission, revision LIMIT ?`, after.ID, after.Revision, 500)
		if err != nil || len(page) == 0 {
			return out, err
		}
		for _, rev := range page {
			after = protect.RevisionKey{ID: rev.ID, Revision: rev.Revision}
			if rev.Sealed != nil && rev.Sealed.KeyID != keyID && len(out) < limit {
				out = append(out, rev)
			}
		}
	}
	return out, nil
}

// ResealAnswers stores next's answers (Data, Sealed) in submission next.ID
// if it still has cur's revision and sealed answers: the read, the compare
// and the write happen in one transaction of the single writer, and only
// the answers of the row as it is then change (a review written meanwhile
// that kept the revision stays).
func (s *Store) ResealAnswers(ctx context.Context, cur, next *survey.Submission) error {
	return s.write(ctx, func(tx *wtx) error {
		var doc []byte
		if err := tx.QueryRow(`SELECT doc FROM submissions WHERE id = ?`, next.ID).Scan(&doc); err != nil {
			return translate("seal answers", err)
		}
		sub, err := decodeSubmission(doc)
		if err != nil {
			return err
		}
		if sub.Revision != cur.Revision || !survey.SameSealed(sub.Sealed, cur.Sealed) {
			return translate("seal answers", errNoMatch)
		}
		sub.Data, sub.Sealed = next.Data, next.Sealed
		text, err := encodeSubmission(sub)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`UPDATE submissions SET sealed_key = ?, doc = ? WHERE id = ?`, sealedKey(sub), text, sub.ID)
		return translate("seal answers", err)
	})
}

// ResealRevision stores next's answers in the kept revision next.Revision
// of submission next.ID if its sealed answers still are cur's.
func (s *Store) ResealRevision(ctx context.Context, cur, next *survey.Submission) error {
	return s.write(ctx, func(tx *wtx) error {
		var doc []byte
		err := tx.QueryRow(`SELECT doc FROM submission_history WHERE submission = ? AND revision = ?`, next.ID, next.Revision).Scan(&doc)
		if err != nil {
			return translate("seal kept answers", err)
		}
		sub, err := decodeSubmission(doc)
		if err != nil {
			return err
		}
		if !survey.SameSealed(sub.Sealed, cur.Sealed) {
			return translate("seal kept answers", errNoMatch)
		}
		sub.Data, sub.Sealed = next.Data, next.Sealed
		text, err := encodeSubmission(sub)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`UPDATE submission_history SET doc = ? WHERE submission = ? AND revision = ?`, text, sub.ID, sub.Revision)
		return translate("seal kept answers", err)
	})
}

// Meta returns the value recorded under key, or "".
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, translate("read meta", err)
}

// SetMeta records value under key.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	return s.write(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return translate("write meta", err)
	})
}
