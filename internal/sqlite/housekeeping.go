package sqlite

import (
	"context"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// DeleteExpired implements survey.Housekeeper. The expiry lives in the
// stored document, so the rows are read and the expired ones deleted by
// key; housekeeping runs rarely and the tables stay small because of it.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (tokens, enrollments int64, err error) {
	expired := func(table string, exp func(raw []byte) (time.Time, error)) ([]string, error) {
		rows, err := s.r.QueryContext(ctx, `SELECT hash, doc FROM `+table)
		if err != nil {
			return nil, translate("read "+table, err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var hash string
			var raw []byte
			if err := rows.Scan(&hash, &raw); err != nil {
				return nil, translate("read "+table, err)
			}
			at, err := exp(raw)
			if err != nil {
				return nil, translate("read "+table, err)
			}
			if at.Before(now) {
				out = append(out, hash)
			}
		}
		return out, translate("read "+table, rows.Err())
	}
	del := func(table string, hashes []string) (int64, error) {
		var n int64
		err := s.write(ctx, func(tx *wtx) error {
			for _, h := range hashes {
				r, err := tx.Exec(`DELETE FROM `+table+` WHERE hash = ?`, h)
				if err != nil {
					return translate("delete expired "+table, err)
				}
				k, _ := r.RowsAffected()
				n += k
			}
			return nil
		})
		return n, err
	}
	toks, err := expired("refresh_tokens", func(raw []byte) (time.Time, error) {
		var t survey.RefreshToken
		err := decode(raw, &t)
		return t.ExpiresAt, err
	})
	if err != nil {
		return 0, 0, err
	}
	if tokens, err = del("refresh_tokens", toks); err != nil {
		return 0, 0, err
	}
	codes, err := expired("enrollments", func(raw []byte) (time.Time, error) {
		var e survey.Enrollment
		err := decode(raw, &e)
		return e.ExpiresAt, err
	})
	if err != nil {
		return tokens, 0, err
	}
	enrollments, err = del("enrollments", codes)
	return tokens, enrollments, err
}
