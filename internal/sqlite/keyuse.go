package sqlite

import (
	"context"
	"database/sql"

	"github.com/khaosat/khaosat/internal/survey"
)

// SetWebhookSecret replaces a webhook's stored secret if it is still old:
// the read, the compare and the write in one transaction of the writer.
func (s *Store) SetWebhookSecret(ctx context.Context, id, old, secret string) error {
	return s.write(ctx, func(tx *wtx) error {
		var raw []byte
		if err := tx.QueryRow(`SELECT doc FROM webhooks WHERE id = ?`, id).Scan(&raw); err != nil {
			return translate("find webhook", err)
		}
		h := &survey.Webhook{}
		if err := decode(raw, h); err != nil {
			return translate("find webhook", err)
		}
		if h.Secret != old {
			return translate("reseal webhook secret", errNoMatch)
		}
		h.Secret = secret
		doc, err := encode(h)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`UPDATE webhooks SET doc = ? WHERE id = ?`, doc, id)
		return translate("reseal webhook secret", err)
	})
}

// FactsSealedUnder counts the indicator fact boxes (per submission, and
// the day and month totals) sealed under key keyID.
func (s *Store) FactsSealedUnder(ctx context.Context, keyID string) (int64, error) {
	var n int64
	for _, table := range []string{"fact_boxes", "fact_day_totals", "fact_month_totals"} {
		var c sql.NullInt64
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE key_id = ?`, keyID).Scan(&c); err != nil {
			return 0, translate("count sealed facts", err)
		}
		n += c.Int64
	}
	return n, nil
}
