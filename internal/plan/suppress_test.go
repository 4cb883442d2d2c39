package plan_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/plan"
	"github.com/khaosat/khaosat/internal/survey"
)

// leaks returns the hidden cells of a view that one subtraction gives
// away: in a total and its sex parts, or a total and its age-group parts
// (every hiv row has a sex and an age group, so they add up), a group
// with exactly one hidden member.
func leaks(cells []plan.ViewCell, hidden func(plan.ViewCell) bool) []plan.CellKey {
	type gk struct {
		ind, hier string
		bySex     bool
	}
	groups := map[gk][]plan.ViewCell{}
	for _, c := range cells {
		if c.Sex == "" && c.AgeGroup == "" {
			for _, by := range []bool{true, false} {
				k := gk{c.Indicator, c.Hierarchy, by}
				groups[k] = append(groups[k], c)
			}
			continue
		}
		k := gk{c.Indicator, c.Hierarchy, c.Sex != ""}
		groups[k] = append(groups[k], c)
	}
	var out []plan.CellKey
	for _, g := range groups {
		var h []plan.CellKey
		for _, c := range g {
			if hidden(c) {
				h = append(h, c.CellKey)
			}
		}
		if len(h) == 1 {
			out = append(out, h[0])
		}
	}
	return out
}

var sensitive = map[string]bool{"CSPC_RATE": true, "CSPC_ASSISTED": true, "HIV_STATUS_KNOWN": true, "ON_ART": true, "AIDS_ORPHANS": true, "OVC_SUPPORT": true}

// TestFrozenSuppressionResistsDifferencing generates random hiv data in a
// commune, freezes its quarter's report and shows it to the commune's
// officer, who has no sensitive grant: while the data is unchanged, the
// report's cells are marked exactly as the live table marks them for the
// same person; after late edits, every cell the live table hides is
// hidden in the report too, every small frozen cell is hidden, and no
// hidden cell comes out of one subtraction in the report. Targets'
// progress of a hidden cell says nothing. The same attack on primary
// suppression alone recovers cells (the test can fail).
func TestFrozenSuppressionResistsDifferencing(t *testing.T) {
	t.Parallel()
	primaryLeaks := 0
	for _, seed := range []uint64{1, 2, 3, 4} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			w := mustWorld(t)
			r := rand.New(rand.NewPCG(seed, seed*31))
			day := func() time.Time { return q1.AddDate(0, 0, r.IntN(40)) }
			for range 12 + r.IntN(20) {
				w.submit(t, "hiv", "00004", day(), hiv(r, q1))
			}
			if _, err := w.plan.SetTarget(ctx, manager, plan.TargetInput{Indicator: "ON_ART", Unit: "00004", Period: "2026Q1", Value: f(50)}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.plan.Submit(ctx, officer, "2026Q1", "00004"); err != nil {
				t.Fatal(err)
			}
			truth, err := w.plan.Get(ctx, admin, "2026Q1", "00004", 0)
			if err != nil {
				t.Fatal(err)
			}
			shown, err := w.plan.Get(ctx, officer, "2026Q1", "00004", 0)
			if err != nil {
				t.Fatal(err)
			}
			live := liveCells(t, w, officer)
			for _, c := range shown.Cells {
				l := live[c.CellKey]
				if c.Suppressed != l.Suppressed || (!c.Suppressed && *c.Numerator != *l.Numerator) {
					t.Errorf("unchanged data: the report shows %+v, the live table %+v", c, l)
				}
			}
			// Late edits: more follow-ups in the quarter.
			for range 1 + r.IntN(4) {
				w.submit(t, "hiv", "00004", day(), hiv(r, q1))
			}
			shown, err = w.plan.Get(ctx, officer, "2026Q1", "00004", 0)
			if err != nil {
				t.Fatal(err)
			}
			live = liveCells(t, w, officer)
			trueOf := map[plan.CellKey]plan.ViewCell{}
			for _, c := range truth.Cells {
				trueOf[c.CellKey] = c
			}
			for _, c := range shown.Cells {
				tc := trueOf[c.CellKey]
				if !sensitive[c.Indicator] {
					if c.Suppressed {
						t.Errorf("a cell of a non-sensitive indicator is hidden: %+v", c)
					}
					continue
				}
				if live[c.CellKey].Suppressed && !c.Suppressed {
					t.Errorf("the live table hides %+v, the report shows it", c.CellKey)
				}
				if small(tc) && !c.Suppressed {
					t.Errorf("a small frozen cell is shown: %+v", tc)
				}
				if !c.Suppressed && (*c.Numerator != *tc.Numerator || *c.Denominator != *tc.Denominator) {
					t.Errorf("a shown cell is not the frozen figure: %+v vs %+v", c, tc)
				}
			}
			for _, ch := range shown.Changes {
				if (ch.Frozen.Suppressed || ch.Now.Suppressed) && ch.DeltaNumerator != nil {
					t.Errorf("a change of a hidden cell has a delta: %+v", ch)
				}
			}
			if l := leaks(shown.Cells, func(c plan.ViewCell) bool { return c.Suppressed }); len(l) > 0 {
				t.Errorf("hidden cells recoverable by subtraction: %v", l)
			}
			primaryLeaks += len(leaks(truth.Cells, func(c plan.ViewCell) bool { return sensitive[c.Indicator] && small(c) }))
			d, err := w.plan.Dashboard(ctx, officer, "2026Q1", "00004")
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range d.Rows {
				if p.Suppressed && (p.Value != nil || p.OnTrack != nil) {
					t.Errorf("progress of a hidden cell: %+v", p)
				}
				if p.Indicator == "ON_ART" && !p.Suppressed && p.Value != nil && p.OnTrack == nil {
					t.Errorf("a shown cell with a target has no verdict: %+v", p)
				}
			}
		})
	}
	if primaryLeaks == 0 {
		t.Error("primary suppression alone leaked nothing over these seeds: the test cannot tell")
	}
}

func small(c plan.ViewCell) bool {
	n, d := *c.Numerator, *c.Denominator
	return (n >= 1 && n <= 4) || (d >= 1 && d <= 4)
}

// liveCells is the commune's live table for the quarter as the actor sees
// it, total and by sex and by age group.
func liveCells(t *testing.T, w *world, a survey.Actor) map[plan.CellKey]indicator.TableRow {
	t.Helper()
	out := map[plan.CellKey]indicator.TableRow{}
	for _, by := range [][]string{nil, {"sex"}, {"age_group"}} {
		tb, err := w.indicators.Table(ctx, a, indicator.TableQuery{Period: "2026Q1", Unit: "00004", Level: "commune", By: by})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range tb.Rows {
			out[plan.CellKey{Indicator: r.Indicator, Hierarchy: r.Hierarchy, Sex: r.Sex, AgeGroup: r.AgeGroup}] = r
		}
	}
	return out
}
