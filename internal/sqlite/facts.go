package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/khaosat/khaosat/internal/survey"
)

// putFacts replaces a submission's fact rows inside a transaction (nil f:
// no indicators kept).
func putFacts(tx *sql.Tx, id string, f *survey.Facts) error {
	if f == nil {
		return nil
	}
	if _, err := tx.Exec(`DELETE FROM facts WHERE submission = ?`, id); err != nil {
		return translate("replace indicator facts", err)
	}
	if len(f.Cells) == 0 {
		return nil
	}
	stmt, err := tx.Prepare(`INSERT INTO facts (submission, hierarchy, commune, district, survey_date, indicator, sex, age_group, den, num)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return translate("insert indicator facts", err)
	}
	defer stmt.Close()
	date := ms(f.SurveyDate)
	for _, c := range f.Cells {
		if _, err := stmt.Exec(id, f.Hierarchy, f.Commune, f.District, date, c.Indicator, c.Sex, c.AgeGroup, c.Den, c.Num); err != nil {
			return translate("insert indicator facts", err)
		}
	}
	return nil
}

// ReplaceFacts replaces the fact rows of a submission (a rebuild).
func (s *Store) ReplaceFacts(ctx context.Context, f *survey.Facts) error {
	return s.write(ctx, func(tx *sql.Tx) error { return putFacts(tx, f.SubmissionID, f) })
}

// CountFacts sums the fact rows q selects with one GROUP BY per part,
// served by a covering index.
func (s *Store) CountFacts(ctx context.Context, q survey.FactsQuery) ([]survey.FactCount, error) {
	cols := []string{"hierarchy", "commune"}
	switch q.Level {
	case survey.LevelDistrict:
		cols = []string{"hierarchy", "district"}
	case survey.LevelCity:
		cols = []string{"''", "''"}
	}
	cols = append(cols, "indicator")
	if q.BySex {
		cols = append(cols, "sex")
	} else {
		cols = append(cols, "''")
	}
	if q.ByAge {
		cols = append(cols, "age_group")
	} else {
		cols = append(cols, "''")
	}
	group := "1, 2, 3, 4, 5"
	var out []survey.FactCount
	for _, p := range q.Parts {
		w := &where{}
		if len(q.Indicators) > 0 {
			w.add("indicator IN ("+placeholders(len(q.Indicators))+")", anys(q.Indicators)...)
		}
		w.add("hierarchy = ?", p.Hierarchy)
		if p.Communes != nil {
			if len(p.Communes) == 0 {
				continue
			}
			w.add("commune IN ("+placeholders(len(p.Communes))+")", anys(p.Communes)...)
		}
		w.add("survey_date >= ? AND survey_date <= ?", ms(p.From), ms(p.To))
		query := "SELECT " + strings.Join(cols, ", ") + ", SUM(den), SUM(num) FROM facts" + w.sql() + " GROUP BY " + group
		rows, err := s.r.QueryContext(ctx, query, w.args...)
		if err != nil {
			return nil, translate("count indicator facts", err)
		}
		for rows.Next() {
			var c survey.FactCount
			if err := rows.Scan(&c.Hierarchy, &c.Unit, &c.Indicator, &c.Sex, &c.AgeGroup, &c.Den, &c.Num); err != nil {
				rows.Close()
				return nil, translate("count indicator facts", err)
			}
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate("count indicator facts", err)
		}
	}
	return out, nil
}

func anys(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

const metaIndicators = "indicators"

// IndicatorSetHash returns the hash recorded by SetIndicatorSetHash, or "".
func (s *Store) IndicatorSetHash(ctx context.Context) (string, error) {
	var h string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaIndicators).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return h, translate("read indicator meta", err)
}

// SetIndicatorSetHash records the hash of the definitions the facts follow.
func (s *Store) SetIndicatorSetHash(ctx context.Context, hash string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, metaIndicators, hash)
		return translate("write indicator meta", err)
	})
}
