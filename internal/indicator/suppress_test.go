package indicator_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

var sensitiveCodes = []string{"CSPC_RATE", "CSPC_ASSISTED", "HIV_STATUS_KNOWN", "ON_ART", "AIDS_ORPHANS", "OVC_SUPPORT"}

// shown is what a caller learnt of one cell.
type shown struct {
	hidden   bool
	num, den int
}

// knowledge gathers every cell a caller was shown, across queries.
type knowledge map[cellKey]shown

// onDay is a day inside each hierarchy, to read its unit tree.
var onDay = map[string]time.Time{"hanoi-2025-03": day("2025-06-30"), "hanoi-2025-07": day("2025-07-01")}

// equations lists the sums between known cells that a caller can write
// down by themselves from what the tables show: a unit is the sum of its
// sexes, of its age groups, and of its sub-units (the city of every
// hierarchy's top units). The first key of each is the total.
func (kn knowledge) equations(units *survey.Units) [][]cellKey {
	type gk struct {
		kind  int
		total cellKey
	}
	groups := map[gk][]cellKey{}
	for k := range kn {
		if k.sex != "" {
			t := gk{0, cellKey{k.hier, k.unit, "", k.ag, k.code}}
			groups[t] = append(groups[t], k)
		}
		if k.ag != "" {
			t := gk{1, cellKey{k.hier, k.unit, k.sex, "", k.code}}
			groups[t] = append(groups[t], k)
		}
		if k.hier != "" {
			u, ok := units.At(k.unit, onDay[k.hier])
			if !ok || u.Parent == "" {
				continue
			}
			t := gk{2, cellKey{k.hier, u.Parent, k.sex, k.ag, k.code}}
			if u.Parent == survey.CityCode {
				t.total.hier = ""
			}
			groups[t] = append(groups[t], k)
		}
	}
	var out [][]cellKey
	for t, parts := range groups {
		if _, ok := kn[t.total]; ok {
			out = append(out, append([]cellKey{t.total}, parts...))
		}
	}
	return out
}

// recoverable returns the hidden cells that one subtraction (or addition)
// of shown cells gives away, repeating with what it learnt until nothing
// more comes out — the attack INDICATORS.md guards against.
func (kn knowledge) recoverable(eqs [][]cellKey) []cellKey { return recoverCells(kn, eqs) }

// TestSuppressionResistsDifferencing generates random data and asks, as
// supervisors without the sensitive grant (of a commune, a district and
// the city), every query they may make of each period — every unit of
// their area at every level with every breakdown — and then tries to
// recover each hidden cell from the shown ones by subtraction. Nothing
// must come out; the same attack on primary suppression alone does
// recover cells (the test can fail).
func TestSuppressionResistsDifferencing(t *testing.T) {
	actors := []survey.Actor{
		{UserID: "s-commune", Username: "s-commune", Role: survey.RoleSupervisor, Units: []string{"00004"}},
		{UserID: "s-district", Username: "s-district", Role: survey.RoleSupervisor, Units: []string{"001"}},
		{UserID: "s-city", Username: "s-city", Role: survey.RoleSupervisor, Units: []string{survey.CityCode}},
	}
	var primaryOnlyLeaks, secondary atomic.Int64
	t.Run("seeds", func(t *testing.T) {
		for _, seed := range []uint64{11, 12, 13} {
			t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
				t.Parallel()
				w := mustWorld(t, nil)
				g := gen{rand.New(rand.NewPCG(seed, seed*7919))}
				forms := []string{"household", "hiv", "hiv"}
				for range 160 {
					s := g.sub(forms[g.r.IntN(len(forms))])
					w.submit(t, s.form, s.envelope())
				}
				for _, actor := range actors {
					periods := []string{"2024", "2025", "2026"}
					if actor.Units[0] == survey.CityCode {
						periods = []string{"2025"} // both hierarchies; every commune of Hanoi is a row, so it is slow
					}
					for _, period := range periods {
						kn, truth := knowledge{}, knowledge{}
						// The units to ask about: the actor's own, and every
						// unit a table of it lists.
						// In the city, asking for the city at each level shows
						// every cell there is (and the commune and district
						// actors check that a cell looks the same in every
						// query that shows it).
						askEveryTable(t, w, actor, period, func(q indicator.TableQuery, r, a indicator.TableRow) {
							k := cellKey{r.Hierarchy, r.Unit, r.Sex, r.AgeGroup, r.Indicator}
							tr := shown{num: *a.Numerator, den: *a.Denominator}
							truth[k] = tr
							s := shown{hidden: r.Suppressed}
							if !r.Suppressed {
								s.num, s.den = *r.Numerator, *r.Denominator
								if s != tr {
									t.Fatalf("%+v %+v: shown %+v, true %+v", q, k, s, tr)
								}
								if small(tr) {
									t.Errorf("%s %+v: a cell of %d/%d is shown", actor.Username, k, tr.num, tr.den)
								}
							} else if r.Numerator != nil || r.Denominator != nil || r.Value != nil {
								t.Errorf("%+v: suppressed but carries numbers: %+v", k, r)
							}
							if prev, ok := kn[k]; ok && prev != s {
								t.Errorf("%s %+v: shown as %+v in one query, %+v in another", actor.Username, k, prev, s)
							}
							kn[k] = s
							if s.hidden && !small(tr) {
								secondary.Add(1)
							}
						})
						eqs := kn.equations(w.units)
						for _, eq := range eqs { // the sums hold (the test's own sanity)
							sum := shown{}
							for _, k := range eq[1:] {
								sum.num += truth[k].num
								sum.den += truth[k].den
							}
							if sum != truth[eq[0]] {
								t.Fatalf("%v: parts add up to %+v, total is %+v", eq, sum, truth[eq[0]])
							}
						}
						if got := kn.recoverable(eqs); len(got) > 0 {
							t.Errorf("%s, %s: %d hidden cells recoverable by differencing, e.g. %+v = %+v", actor.Username, period, len(got), got[0], truth[got[0]])
						}
						primary := knowledge{}
						for k, tr := range truth {
							primary[k] = shown{hidden: small(tr), num: tr.num, den: tr.den}
						}
						primaryOnlyLeaks.Add(int64(len(primary.recoverable(eqs))))
					}
				}
			})
		}
	})
	if primaryOnlyLeaks.Load() == 0 || secondary.Load() == 0 {
		t.Errorf("primary suppression alone leaks %d cells, %d cells hidden by secondary suppression: the data does not exercise the rule", primaryOnlyLeaks.Load(), secondary.Load())
	}
	t.Logf("primary suppression alone would leak %d cells; %d cells hidden by secondary suppression", primaryOnlyLeaks.Load(), secondary.Load())
}

func small(s shown) bool { return (s.num >= 1 && s.num <= 4) || (s.den >= 1 && s.den <= 4) }

// askEveryTable asks, as actor, every table of the sensitive indicators
// they may ask in period: their own unit and every unit a table of it
// lists, at each level and breakdown. fn gets each row as the actor sees
// it and the same row as the admin does (the truth), with the query.
func askEveryTable(t *testing.T, w *world, actor survey.Actor, period string, fn func(q indicator.TableQuery, r, truth indicator.TableRow)) {
	t.Helper()
	ctx := context.Background()
	units := map[string]bool{actor.Units[0]: true}
	for _, lv := range []string{"commune", "district"} {
		if actor.Units[0] == survey.CityCode {
			break
		}
		tab, err := w.indicators.Table(ctx, admin, indicator.TableQuery{Codes: sensitiveCodes[:1], Period: period, Unit: actor.Units[0], Level: lv})
		if err != nil {
			continue
		}
		for _, r := range tab.Rows {
			units[r.Unit] = true
		}
	}
	for unit := range units {
		for _, lv := range []string{"commune", "district", "city"} {
			for _, by := range [][]string{nil, {"sex"}, {"age_group"}, {"sex", "age_group"}} {
				q := indicator.TableQuery{Codes: sensitiveCodes, Period: period, Unit: unit, Level: lv, By: by}
				tab, err := w.indicators.Table(ctx, actor, q)
				if err != nil {
					continue // the unit does not exist in this period
				}
				all, err := w.indicators.Table(ctx, admin, q)
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range tab.Rows {
					fn(q, r, all.Rows[i])
				}
			}
		}
	}
}
