package indicator_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

// TestSuppressionBaseFollowsEveryChange: after each kind of change (a new
// submission, an edit that moves a child to another commune and date, a
// rejection, a deletion, a restore), the decision built on the one before
// (only the changed communes counted again) gives the answers of a service
// that counts everything afresh, for the whole table and for one commune.
// The changes do change the answers (the test can fail).
func TestSuppressionBaseFollowsEveryChange(t *testing.T) {
	w, ref, g := suppressionWorld(t, 23)
	ctx := context.Background()
	w.life = survey.NewLifecycle(w.intake, w.store, survey.NewAuditor(w.store))
	queries := []indicator.TableQuery{
		{Codes: sensitiveCodes, Period: "2026", Unit: survey.CityCode, Level: "commune", By: []string{"sex", "age_group"}},
		{Codes: sensitiveCodes[:1], Period: "2026", Unit: "00004"},
		{Codes: sensitiveCodes[2:3], Period: "2026Q1", Unit: survey.CityCode, Level: "city", By: []string{"age_group"}},
		// Across the reform (two hierarchies, districts before it), and
		// before it. (A range of partial months is off the grid, refused
		// without the grant: no decision is taken over one.)
		{Codes: sensitiveCodes, Period: "2025", Unit: survey.CityCode, Level: "district", By: []string{"sex"}},
		{Codes: sensitiveCodes, Period: "2024Q2", Unit: survey.CityCode, Level: "commune", By: []string{"sex"}},
	}
	var subs []*genSub
	for i := range 16 {
		s := g.sub([]string{"household", "hiv"}[i%2])
		if i%4 != 0 { // else: any date and commune, before the reform or after
			s.date = day("2026-01-01").AddDate(0, 0, g.r.IntN(100))
			s.unit, s.hier, s.district = newCommunes[g.r.IntN(len(newCommunes))], "new", ""
			s.data = g.answers(s.form, s.date)
		}
		w.submit(t, s.form, s.envelope())
		subs = append(subs, s)
	}
	var prev []indicator.TableRow
	changed := 0
	check := func(step string) {
		t.Helper()
		for _, q := range queries {
			agreesWithFresh(t, w, ref, q, step)
			// The decisions themselves, not only the rows they mark.
			got, err := indicator.DecisionOf(ctx, w.indicators, supCity, q)
			if err != nil {
				t.Fatal(err)
			}
			want, err := indicator.DecisionOf(ctx, ref, supCity, q)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%s, %+v: decision (-fresh +kept):\n%s", step, q, diff)
			}
		}
		got, _ := w.indicators.Table(ctx, supCity, queries[0])
		if prev != nil && !cmp.Equal(prev, got.Rows) {
			changed++
		}
		prev = got.Rows
	}
	check("before the changes")
	old := 0
	for i, s := range subs {
		if i%4 == 0 && s.hier == "old" {
			old++
		}
		switch i % 4 {
		case 0: // to another commune and date
			if s.hier == "old" {
				s.unit = oldOrder[(indexOf(oldOrder, s.unit)+1)%len(oldOrder)]
				s.district = oldCommunes[s.unit]
				s.date = day("2024-03-01").AddDate(0, 0, g.r.IntN(400))
			} else {
				s.unit = newCommunes[(indexOf(newCommunes, s.unit)+1)%len(newCommunes)]
				s.date = day("2026-01-01").AddDate(0, 0, g.r.IntN(100))
			}
			s.data = g.answers(s.form, s.date)
			w.edit(t, s)
		case 1:
			w.setReview(t, s, survey.ReviewRejected)
		case 2:
			if err := w.life.Delete(ctx, admin, s.form, s.id); err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("after deleting %d", i))
			if _, err := w.life.Restore(ctx, admin, s.form, s.id); err != nil {
				t.Fatal(err)
			}
		case 3:
			n := g.sub(s.form)
			n.date, n.unit = s.date, s.unit
			n.data = g.answers(n.form, n.date)
			w.submit(t, n.form, n.envelope())
		}
		check(fmt.Sprintf("after change %d", i))
	}
	if changed == 0 {
		t.Fatal("no change changed the answer: the test does not exercise the decisions kept")
	}
	if old == 0 {
		t.Fatal("no edit before the reform: the test does not move a child between districts")
	}
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}
