package indicator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

var hierName = map[string]string{"old": "hanoi-2025-03", "new": "hanoi-2025-07"}

// verifyQuery is a table query and how the test selects rows for it.
type verifyQuery struct {
	q        indicator.TableQuery
	from, to string
	keep     func(s *genSub) bool // the unit filter
}

func day(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

var verifyQueries = []verifyQuery{
	{indicator.TableQuery{Period: "2024", Level: "commune", By: []string{"sex", "age_group"}}, "2024-01-01", "2024-12-31", nil},
	{indicator.TableQuery{Period: "2024", Level: "district", By: []string{"age_group"}}, "2024-01-01", "2024-12-31", nil},
	{indicator.TableQuery{Period: "2025", Level: "commune", By: []string{"sex", "age_group"}}, "2025-01-01", "2025-12-31", nil},
	{indicator.TableQuery{Period: "2025", Level: "district", By: []string{"sex"}}, "2025-01-01", "2025-12-31", nil},
	{indicator.TableQuery{Period: "2026", Level: "commune", By: []string{"sex", "age_group"}}, "2026-01-01", "2026-12-31", nil},
	{indicator.TableQuery{Period: "2026Q2", Level: "city"}, "2026-04-01", "2026-06-30", nil},
	{indicator.TableQuery{Period: "2025", Level: "city", By: []string{"age_group"}}, "2025-01-01", "2025-12-31", nil},
	{indicator.TableQuery{From: "2025-05-15", To: "2025-08-10", Level: "commune", By: []string{"sex"}}, "2025-05-15", "2025-08-10", nil},
	{indicator.TableQuery{Period: "2024", Unit: "001", Level: "commune", By: []string{"sex", "age_group"}}, "2024-01-01", "2024-12-31",
		func(s *genSub) bool { return s.district == "001" }},
	{indicator.TableQuery{Period: "2026", Unit: "00004", Level: "commune", By: []string{"age_group"}}, "2026-01-01", "2026-12-31",
		func(s *genSub) bool { return s.hier == "new" && s.unit == "00004" }},
}

type cellKey struct{ hier, unit, sex, ag, code string }

// expected counts the generated answers for one query.
func expected(subs []*genSub, vq verifyQuery) map[cellKey][2]int {
	from, to := day(vq.from), day(vq.to)
	out := map[cellKey][2]int{}
	for _, s := range subs {
		if s.rejected || s.deleted || s.date.Before(from) || s.date.After(to) || (vq.keep != nil && !vq.keep(s)) {
			continue
		}
		unit := s.unit
		switch vq.q.Level {
		case "district":
			unit = s.district
		case "city":
			unit = "01"
		}
		if unit == "" {
			continue
		}
		for _, row := range oracleRows(s) {
			age := oracleAge(day(row["date_of_birth"].(string)), s.date)
			for code, dn := range oracle(s.form, row, age) {
				if !dn[0] {
					continue
				}
				k := cellKey{hier: hierName[s.hier], unit: unit, code: code}
				if vq.q.Level == "city" {
					k.hier = ""
				}
				if slices.Contains(vq.q.By, "sex") {
					k.sex = row["sex"].(string)
				}
				if slices.Contains(vq.q.By, "age_group") {
					k.ag = oracleAgeGroup(age)
				}
				v := out[k]
				v[0]++
				if dn[1] {
					v[1]++
				}
				out[k] = v
			}
		}
	}
	return out
}

// check compares every row of the engine's table with the independent
// counts, and makes sure no counted cell is missing from the table.
func check(t *testing.T, w *world, subs []*genSub, label string) {
	t.Helper()
	for _, vq := range verifyQueries {
		tab, err := w.indicators.Table(context.Background(), admin, vq.q)
		if err != nil {
			t.Fatalf("%s %+v: %v", label, vq.q, err)
		}
		want := expected(subs, vq)
		seen := map[cellKey]bool{}
		bad := 0
		for _, r := range tab.Rows {
			k := cellKey{r.Hierarchy, r.Unit, r.Sex, r.AgeGroup, r.Indicator}
			seen[k] = true
			w := want[k]
			var wantValue *float64
			if w[0] > 0 {
				v := float64(w[1])
				if ind, _ := tabIndicator(tab, r.Indicator); ind == "percent" {
					v = float64((2000*w[1]+w[0])/(2*w[0])) / 10
				}
				wantValue = &v
			}
			if r.Numerator == nil || *r.Numerator != w[1] || r.Denominator == nil || *r.Denominator != w[0] || !sameValue(r.Value, wantValue) {
				if bad++; bad <= 5 {
					t.Errorf("%s %+v: row %+v: got num=%v den=%v value=%v, want %d/%d value=%v", label, vq.q, k, ptr(r.Numerator), ptr(r.Denominator), ptr(r.Value), w[1], w[0], ptr(wantValue))
				}
			}
		}
		for k, v := range want {
			if !seen[k] {
				t.Errorf("%s %+v: cell %+v (%v) missing from the table", label, vq.q, k, v)
			}
		}
		if len(want) == 0 {
			t.Errorf("%s %+v: the generated data has nothing in this query; the test would not test", label, vq.q)
		}
	}
}

func tabIndicator(t *indicator.Table, code string) (string, bool) {
	for _, ind := range t.Indicators {
		if ind.Code == code {
			return ind.Type, true
		}
	}
	return "", false
}

func sameValue(a, b *float64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func ptr[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestIndicatorsRandomized generates a data set, submits it through intake,
// rejects, approves, edits, deletes and restores some of it between
// queries, and checks every
// indicator × unit × sex × age group against the independent computation.
func TestIndicatorsRandomized(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			w := mustWorld(t, nil)
			g := gen{rand.New(rand.NewPCG(seed, seed*7919))}
			var subs []*genSub
			forms := []string{"household", "household", "household", "disability", "labour", "hiv"}
			for range 220 {
				s := g.sub(forms[g.r.IntN(len(forms))])
				w.submit(t, s.form, s.envelope())
				subs = append(subs, s)
			}
			check(t, w, subs, "after intake")
			// Reject some, restore some of those, edit others, delete
			// others through the lifecycle service.
			life := survey.NewLifecycle(w.intake, w.store, survey.NewAuditor(w.store))
			w.life = life
			ctx := context.Background()
			for i, s := range subs {
				switch {
				case i%7 == 0:
					w.setReview(t, s, survey.ReviewRejected)
					s.rejected = true
				case i%11 == 0:
					s.data = g.answers(s.form, s.date)
					w.edit(t, s)
				case i%5 == 0:
					if err := life.Delete(ctx, admin, s.form, s.id); err != nil {
						t.Fatalf("delete %s: %v", s.id, err)
					}
					s.deleted = true
				}
			}
			check(t, w, subs, "after rejections, edits and deletions")
			for i, s := range subs {
				switch {
				case i%14 == 0:
					w.setReview(t, s, survey.ReviewApproved)
					s.rejected = false
				case i%10 == 0 && s.deleted:
					if _, err := life.Restore(ctx, admin, s.form, s.id); err != nil {
						t.Fatalf("restore %s: %v", s.id, err)
					}
					s.deleted = false
				}
			}
			check(t, w, subs, "after approvals and restores")
		})
	}
}

// setReview changes a submission's review state through the lifecycle.
func (w *world) setReview(tb testing.TB, s *genSub, state string) {
	tb.Helper()
	if _, err := w.life.Review(context.Background(), admin, s.form, s.id, survey.ReviewInput{State: state, Comment: "kiểm tra"}); err != nil {
		tb.Fatalf("review %s: %v", s.id, err)
	}
}

// edit stores new answers as a new revision through the lifecycle.
func (w *world) edit(tb testing.TB, s *genSub) {
	tb.Helper()
	ctx := context.Background()
	cur, err := w.store.Submission(ctx, s.id)
	if err != nil {
		tb.Fatal(err)
	}
	body, err := json.Marshal(s.envelope())
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.life.Edit(ctx, admin, s.form, s.id, cur.Revision, body); err != nil {
		var se *survey.Error
		if errorsAs(err, &se) {
			tb.Fatalf("edit %s: %v %+v", s.id, err, se.Fields)
		}
		tb.Fatalf("edit %s: %v", s.id, err)
	}
}
