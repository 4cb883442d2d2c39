package sqlite

import (
	"context"
	"time"

	"github.com/khaosat/khaosat/internal/plan"
	"github.com/khaosat/khaosat/internal/survey"
)

// Targets and reports (internal/plan), as JSON of the domain structs with
// the columns that are looked up, listed and compared beside them.

func fixTarget(t *plan.Target) *plan.Target {
	utc(&t.SetAt)
	return t
}

// PutTargets stores each target in place of any of its ID, in one
// transaction: an import applies whole or not at all.
func (s *Store) PutTargets(ctx context.Context, ts []*plan.Target) error {
	docs := make([]string, len(ts))
	for i, t := range ts {
		var err error
		if docs[i], err = encode(t); err != nil {
			return err
		}
	}
	return s.write(ctx, func(tx *wtx) error {
		for i, t := range ts {
			if _, err := tx.Exec(`INSERT INTO targets (id, period, doc) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`,
				t.ID, t.Period, docs[i]); err != nil {
				return translate("put target", err)
			}
		}
		return nil
	})
}

// DeleteTarget removes a target.
func (s *Store) DeleteTarget(ctx context.Context, id string) error {
	return s.execMatched(ctx, "delete target", `DELETE FROM targets WHERE id = ?`, id)
}

// Target returns one target.
func (s *Store) Target(ctx context.Context, id string) (*plan.Target, error) {
	t, err := getOne[plan.Target](ctx, s, "find target", `SELECT doc FROM targets WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	return fixTarget(t), nil
}

// Targets returns the targets of a period ("": all), in ID order.
func (s *Store) Targets(ctx context.Context, period string) ([]*plan.Target, error) {
	var ts []*plan.Target
	var err error
	if period == "" {
		ts, err = getAll[plan.Target](ctx, s, "list targets", `SELECT doc FROM targets ORDER BY id`)
	} else {
		ts, err = getAll[plan.Target](ctx, s, "list targets", `SELECT doc FROM targets WHERE period = ? ORDER BY id`, period)
	}
	for _, t := range ts {
		fixTarget(t)
	}
	return ts, err
}

func fixReport(r *plan.Report) *plan.Report {
	for i := range r.Versions {
		utc(&r.Versions[i].At)
	}
	for i := range r.History {
		utc(&r.History[i].At)
	}
	return r
}

// insertDeliveries adds a transition's webhook deliveries inside its
// transaction: the outbox holds an event exactly when its change
// committed.
func insertDeliveries(tx *wtx, ds []*survey.Delivery) error {
	for _, d := range ds {
		doc, err := encode(d)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO webhook_deliveries (id, hook, state, next_at, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)`,
			d.ID, d.Hook, d.State, ms(d.NextAt), ms(d.CreatedAt), doc); err != nil {
			return translate("insert delivery", err)
		}
	}
	return nil
}

// InsertReport stores a new report and its deliveries in one transaction.
func (s *Store) InsertReport(ctx context.Context, r *plan.Report, ds []*survey.Delivery) error {
	doc, err := encode(r)
	if err != nil {
		return err
	}
	st := r.StateLine()
	return s.write(ctx, func(tx *wtx) error {
		if _, err := tx.Exec(`INSERT INTO reports (id, period, unit, parent, state, rev, version, comment, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			st.ID, st.Period, st.Unit, st.Parent, st.State, st.Rev, st.Version, st.Comment, doc); err != nil {
			return translate("insert report", err)
		}
		return insertDeliveries(tx, ds)
	})
}

// UpdateReport replaces a report still at rev, and adds its deliveries,
// in one transaction of the single writer.
func (s *Store) UpdateReport(ctx context.Context, r *plan.Report, rev int, ds []*survey.Delivery) error {
	doc, err := encode(r)
	if err != nil {
		return err
	}
	st := r.StateLine()
	return s.write(ctx, func(tx *wtx) error {
		res, err := tx.Exec(`UPDATE reports SET state = ?, rev = ?, version = ?, comment = ?, doc = ? WHERE id = ? AND rev = ?`,
			st.State, st.Rev, st.Version, st.Comment, doc, st.ID, rev)
		if err != nil {
			return translate("update report", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return translate("update report", errNoMatch)
		}
		return insertDeliveries(tx, ds)
	})
}

// Report returns one report.
func (s *Store) Report(ctx context.Context, id string) (*plan.Report, error) {
	r, err := getOne[plan.Report](ctx, s, "find report", `SELECT doc FROM reports WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	return fixReport(r), nil
}

// ReportStates lists a period's report states from the columns alone.
func (s *Store) ReportStates(ctx context.Context, period string) (_ []plan.ReportState, err error) {
	defer func(start time.Time) { s.observe("list report states", start, err) }(time.Now())
	rows, err := s.r.QueryContext(ctx, `SELECT id, unit, parent, period, state, rev, version, comment FROM reports WHERE period = ? ORDER BY id`, period)
	if err != nil {
		return nil, translate("list report states", err)
	}
	defer rows.Close()
	var out []plan.ReportState
	for rows.Next() {
		var st plan.ReportState
		if err := rows.Scan(&st.ID, &st.Unit, &st.Parent, &st.Period, &st.State, &st.Rev, &st.Version, &st.Comment); err != nil {
			return nil, translate("list report states", err)
		}
		out = append(out, st)
	}
	return out, translate("list report states", rows.Err())
}

// ReportIDs lists every report's ID.
func (s *Store) ReportIDs(ctx context.Context) (_ []string, err error) {
	defer func(start time.Time) { s.observe("list reports", start, err) }(time.Now())
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM reports ORDER BY id`)
	if err != nil {
		return nil, translate("list reports", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate("list reports", err)
		}
		out = append(out, id)
	}
	return out, translate("list reports", rows.Err())
}

var _ plan.Store = (*Store)(nil)
