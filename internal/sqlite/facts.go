package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

func monthOf(t time.Time) int { return t.Year()*100 + int(t.Month()) }

// putFacts replaces a submission's fact rows inside a transaction and
// moves the monthly totals by the difference (nil f: no indicators kept).
func putFacts(tx *wtx, id string, f *survey.Facts, fresh bool) error {
	if f == nil {
		return nil
	}
	tx.facts = true
	if !fresh {
		if err := dropFacts(tx, id); err != nil {
			return err
		}
	}
	if len(f.Cells) == 0 {
		return nil
	}
	const row = `INSERT INTO facts (submission, hierarchy, commune, district, survey_date, month, indicator, sex, age_group, den, num)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	const total = `INSERT INTO fact_months (hierarchy, commune, indicator, sex, age_group, month, district, den, num)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO UPDATE SET den = den + excluded.den, num = num + excluded.num, district = excluded.district`
	date, month := ms(f.SurveyDate), monthOf(f.SurveyDate)
	for _, c := range f.Cells {
		if _, err := tx.Exec(row, id, f.Hierarchy, f.Commune, f.District, date, month, c.Indicator, c.Sex, c.AgeGroup, c.Den, c.Num); err != nil {
			return translate("insert indicator facts", err)
		}
		if _, err := tx.Exec(total, f.Hierarchy, f.Commune, c.Indicator, c.Sex, c.AgeGroup, month, f.District, c.Den, c.Num); err != nil {
			return translate("insert indicator facts", err)
		}
	}
	return nil
}

// dropFacts takes a submission's fact rows out of the totals, then out of
// the table.
func dropFacts(tx *wtx, id string) error {
	tx.facts = true
	if _, err := tx.Exec(`INSERT INTO fact_months (hierarchy, commune, indicator, sex, age_group, month, district, den, num)
		SELECT hierarchy, commune, indicator, sex, age_group, month, district, -den, -num FROM facts WHERE submission = ?
		ON CONFLICT DO UPDATE SET den = den + excluded.den, num = num + excluded.num`, id); err != nil {
		return translate("replace indicator facts", err)
	}
	if _, err := tx.Exec(`DELETE FROM facts WHERE submission = ?`, id); err != nil {
		return translate("replace indicator facts", err)
	}
	return nil
}

// ReplaceFacts replaces the fact rows of a submission (a rebuild).
func (s *Store) ReplaceFacts(ctx context.Context, f *survey.Facts) error {
	return s.write(ctx, func(tx *wtx) error { return putFacts(tx, f.SubmissionID, f, false) })
}

// CountFacts sums the facts q selects, grouped as q asks: the whole
// months of each part from the monthly totals, the days of its partial
// months from the fact rows. The caller adds up groups that come twice.
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
	sel := "SELECT " + strings.Join(cols, ", ") + ", SUM(den), SUM(num) FROM "
	var out []survey.FactCount
	for _, p := range q.Parts {
		if p.Communes != nil && len(p.Communes) == 0 {
			continue
		}
		area := func() *where {
			w := &where{}
			w.add("hierarchy = ?", p.Hierarchy)
			if p.Communes != nil {
				w.add("commune IN ("+placeholders(len(p.Communes))+")", anys(p.Communes)...)
			}
			if len(q.Indicators) > 0 {
				w.add("indicator IN ("+placeholders(len(q.Indicators))+")", anys(q.Indicators)...)
			}
			return w
		}
		// Whole months inside [From, To] from the totals; the days before
		// the first whole month and after the last from the rows, each day
		// span its own query so that it is one range of the covering key
		// (hierarchy, commune, survey_date). An empty span is no query: a
		// year or a quarter reads the totals alone.
		first := time.Date(p.From.Year(), p.From.Month(), 1, 0, 0, 0, 0, time.UTC)
		if !first.Equal(p.From) {
			first = first.AddDate(0, 1, 0)
		}
		end := time.Date(p.To.Year(), p.To.Month(), 1, 0, 0, 0, 0, time.UTC) // first day of To's month
		if p.To.Equal(end.AddDate(0, 1, -1)) {
			end = end.AddDate(0, 1, 0) // To is the last day of its month
		}
		var queries []*where
		var tables []string
		days := func(lo, hi int64) { // survey_date in [lo, hi]
			w := area()
			if p.Communes == nil {
				// A range on survey_date follows an equality on commune
				// in the key: take the communes the totals know, a
				// superset of those with rows (every row is added to
				// them, and a total is never deleted).
				w.add("commune IN (SELECT DISTINCT commune FROM fact_months WHERE hierarchy = ?)", p.Hierarchy)
			}
			w.add("survey_date >= ? AND survey_date <= ?", lo, hi)
			queries, tables = append(queries, w), append(tables, "facts")
		}
		if first.Before(end) {
			w := area()
			w.add("month BETWEEN ? AND ?", monthOf(first), monthOf(end.AddDate(0, 0, -1)))
			queries, tables = append(queries, w), append(tables, "fact_months")
			if p.From.Before(first) {
				days(ms(p.From), ms(first)-1)
			}
			if !end.After(p.To) {
				days(ms(end), ms(p.To))
			}
		} else {
			days(ms(p.From), ms(p.To))
		}
		for i, w := range queries {
			rows, err := s.r.QueryContext(ctx, sel+tables[i]+w.sql()+" GROUP BY 1, 2, 3, 4, 5", w.args...)
			if err != nil {
				return nil, translate("count indicator facts", err)
			}
			for rows.Next() {
				var c survey.FactCount
				if err := rows.Scan(&c.Hierarchy, &c.Unit, &c.Indicator, &c.Sex, &c.AgeGroup, &c.Den, &c.Num); err != nil {
					rows.Close()
					return nil, translate("count indicator facts", err)
				}
				if c.Den != 0 || c.Num != 0 {
					out = append(out, c)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, translate("count indicator facts", err)
			}
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
	return s.write(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, metaIndicators, hash)
		return translate("write indicator meta", err)
	})
}

// UseFactSealer sets what seals the facts of sensitive indicators.
func (s *Store) UseFactSealer(f survey.FactSealer) { s.sealer = f }
