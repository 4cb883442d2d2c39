package indicator_test

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

// periodCell is a cell of one period of the grid: "" for the year,
// "Q1" to "Q4" for its quarters.
type periodCell struct {
	period string
	cell   cellKey
}

// recoverCells is knowledge.recoverable over any keys: the hidden cells
// that one subtraction (or addition) of known cells gives away, repeated
// with what it learnt until nothing more comes out.
func recoverCells[K comparable](kn map[K]shown, eqs [][]K) []K {
	known := map[K]bool{}
	for k, s := range kn {
		known[k] = !s.hidden
	}
	var out []K
	for progress := true; progress; {
		progress = false
		for _, eq := range eqs {
			var unknown []K
			for _, k := range eq {
				if !known[k] {
					unknown = append(unknown, k)
				}
			}
			if len(unknown) == 1 {
				known[unknown[0]] = true
				out = append(out, unknown[0])
				progress = true
			}
		}
	}
	return out
}

var quarters = []string{"Q1", "Q2", "Q3", "Q4"}

// TestSuppressionResistsDifferencingAcrossPeriods asks, as supervisors
// without the sensitive grant — of a commune code that names a unit in
// both hierarchies, of a district and of a commune that exist only
// before the reform — every query they may make of a year and of each of
// its quarters (every unit of their area at every level with every
// breakdown), and then tries to recover each hidden cell by subtraction
// within a period (a unit minus its parts) and across periods (a year
// minus three of its quarters, a quarter from the year and the others),
// over several random data sets — one subtraction at a time, and any
// linear combination of the sums. Nothing must come out; primary
// suppression alone leaks (the test can fail).
func TestSuppressionResistsDifferencingAcrossPeriods(t *testing.T) {
	actors := []survey.Actor{
		{UserID: "s-commune", Username: "s-commune", Role: survey.RoleSupervisor, Units: []string{"00004"}},
		{UserID: "s-district", Username: "s-district", Role: survey.RoleSupervisor, Units: []string{"001"}},
		{UserID: "s-old-commune", Username: "s-old-commune", Role: survey.RoleSupervisor, Units: []string{"00037"}},
	}
	var primaryOnlyLeaks, acrossPeriods, linear atomic.Int64
	t.Run("seeds", func(t *testing.T) {
		for _, seed := range []uint64{21, 22, 23, 24} {
			t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
				t.Parallel()
				w := mustWorld(t, nil)
				g := gen{rand.New(rand.NewPCG(seed, seed*7919))}
				forms := []string{"household", "hiv", "hiv", "hiv"}
				for range 220 {
					s := g.sub(forms[g.r.IntN(len(forms))])
					w.submit(t, s.form, s.envelope())
				}
				for _, actor := range actors {
					for _, year := range []string{"2024", "2025", "2026"} {
						kn, truth := map[periodCell]shown{}, map[periodCell]shown{}
						byPeriod := map[string]knowledge{}
						for _, p := range append([]string{""}, quarters...) {
							period := year + p
							byPeriod[p] = knowledge{}
							askEveryTable(t, w, actor, period, func(_ indicator.TableQuery, r, a indicator.TableRow) {
								k := periodCell{p, cellKey{r.Hierarchy, r.Unit, r.Sex, r.AgeGroup, r.Indicator}}
								tr := shown{num: *a.Numerator, den: *a.Denominator}
								truth[k] = tr
								s := shown{hidden: r.Suppressed}
								if !r.Suppressed {
									s.num, s.den = *r.Numerator, *r.Denominator
									if small(tr) {
										t.Errorf("%s %s %+v: a cell of %d/%d is shown", actor.Username, period, k.cell, tr.num, tr.den)
									}
								}
								if prev, ok := kn[k]; ok && prev != s {
									t.Errorf("%s %s %+v: shown as %+v in one query, %+v in another", actor.Username, period, k.cell, prev, s)
								}
								kn[k] = s
								byPeriod[p][k.cell] = s
							})
						}
						// Within each period: a unit and its parts.
						var eqs [][]periodCell
						for p, pk := range byPeriod {
							for _, eq := range pk.equations(w.units) {
								peq := make([]periodCell, len(eq))
								for i, k := range eq {
									peq[i] = periodCell{p, k}
								}
								eqs = append(eqs, peq)
							}
						}
						// Across periods: the year and its quarters. A quarter
						// in which the unit does not exist (before or after
						// the reform) has no row: its cell is a known zero.
						for k := range kn {
							if k.period != "" {
								continue
							}
							eq := []periodCell{k}
							for _, q := range quarters {
								if _, ok := kn[periodCell{q, k.cell}]; ok {
									eq = append(eq, periodCell{q, k.cell})
								}
							}
							eqs = append(eqs, eq)
						}
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
						if got := recoverCells(kn, eqs); len(got) > 0 {
							t.Errorf("%s, %s: %d hidden cells recoverable by differencing across periods, e.g. %s %+v = %+v", actor.Username, year, len(got), year+got[0].period, got[0].cell, truth[got[0]])
						}
						if got := solvable(kn, eqs); len(got) > 0 {
							t.Errorf("%s, %s: %d hidden cells solvable from the sums, e.g. %s %+v = %+v", actor.Username, year, len(got), year+got[0].period, got[0].cell, truth[got[0]])
						}
						// What the periods add to the attack: the cells that
						// each period's tables alone keep, and the year and
						// its quarters together give away.
						var within [][]periodCell
						for _, eq := range eqs {
							if eq[0].period != "" || len(eq) < 2 || eq[1].period == "" {
								within = append(within, eq)
							}
						}
						acrossPeriods.Add(int64(len(recoverCells(kn, eqs)) - len(recoverCells(kn, within))))
						primary := map[periodCell]shown{}
						for k, tr := range truth {
							primary[k] = shown{hidden: small(tr), num: tr.num, den: tr.den}
						}
						one := recoverCells(primary, eqs)
						primaryOnlyLeaks.Add(int64(len(one)))
						// The solver finds at least what one subtraction at
						// a time finds (its own sanity).
						all := solvable(primary, eqs)
						linear.Add(int64(len(all)))
						if len(all) < len(one) {
							t.Errorf("%s, %s: the solver finds %d cells, one subtraction at a time %d", actor.Username, year, len(all), len(one))
						}
					}
				}
			})
		}
	})
	if primaryOnlyLeaks.Load() == 0 {
		t.Errorf("primary suppression alone leaks no cell: the data does not exercise the rule")
	}
	t.Logf("primary suppression alone would leak %d cells; %d more cells leak across periods than within them; %d by any combination of the sums", primaryOnlyLeaks.Load(), acrossPeriods.Load(), linear.Load())
}

// gridRefusal reports whether err is the refusal of an off-grid range,
// naming param.
func gridRefusal(err error, param string) bool {
	var e *survey.Error
	if !errors.As(err, &e) || e.Code != survey.CodeInvalid || len(e.Fields) != 1 {
		return false
	}
	f := e.Fields[0]
	return f.Path == "?"+param && f.Code == "off_grid" && f.Message.VI != "" && f.Message.EN != ""
}

// TestSuppressionResistsOverlappingRanges asks, as supervisors without the
// grant (of a commune after the reform and of a district before it), for
// the ranges that end on a day with a submission and the ranges that
// end the day before, from the start of its quarter, and for the ranges
// from that day and from the day after to the end of the quarter: two
// overlapping ranges differ by one day of one commune. Where both are
// answered and the day's own cell is one the caller may not see, the
// subtraction gives it away. Off the grid of years and quarters the
// sensitive indicators are refused, naming the parameter; the grant, and
// the indicators that are not sensitive, keep every range.
func TestSuppressionResistsOverlappingRanges(t *testing.T) {
	actors := []survey.Actor{
		{UserID: "s-commune", Username: "s-commune", Role: survey.RoleSupervisor, Units: []string{"00004"}},
		{UserID: "s-district", Username: "s-district", Role: survey.RoleSupervisor, Units: []string{"001"}},
	}
	granted := survey.Actor{UserID: "s-granted", Username: "s-granted", Role: survey.RoleSupervisor, Units: []string{"001"}, SensitiveAccess: true}
	var leaks, refused atomic.Int64
	t.Run("seeds", func(t *testing.T) {
		for _, seed := range []uint64{31, 32, 33} {
			t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
				t.Parallel()
				w := mustWorld(t, nil)
				g := gen{rand.New(rand.NewPCG(seed, seed*7919))}
				days := map[string]map[time.Time]bool{}
				// Dense quarters, so that ranges of one commune hold
				// cells large enough to be shown: 2025Q2 before the
				// reform, 2026Q1 after it.
				for i := range 300 {
					from, to := day("2025-04-01"), day("2025-06-30")
					if i%2 == 1 {
						from, to = day("2026-01-01"), day("2026-03-31")
					}
					s := subIn(g, g.pick("household", "hiv", "hiv"), from, to)
					w.submit(t, s.form, s.envelope())
					for _, u := range []string{s.unit, s.district} {
						if days[u] == nil {
							days[u] = map[time.Time]bool{}
						}
						days[u][s.date] = true
					}
				}
				ctx := context.Background()
				for _, actor := range actors {
					for d := range days[actor.Units[0]] {
						qs := time.Date(d.Year(), time.Month(3*((int(d.Month())-1)/3)+1), 1, 0, 0, 0, 0, time.UTC)
						qe := qs.AddDate(0, 3, -1)
						pairs := [][2][2]time.Time{
							{{qs, d}, {qs, d.AddDate(0, 0, -1)}},
							{{d, qe}, {d.AddDate(0, 0, 1), qe}},
						}
						for _, pair := range pairs {
							if pair[1][1].Before(pair[1][0]) {
								continue // the day is the quarter's first or last
							}
							var tabs [2]*indicator.Table
							for i, r := range pair {
								q := indicator.TableQuery{Codes: sensitiveCodes, From: r[0].Format(time.DateOnly), To: r[1].Format(time.DateOnly), Unit: actor.Units[0], Level: "commune", By: []string{"sex"}}
								tab, err := w.indicators.Table(ctx, actor, q)
								switch {
								case err == nil:
									tabs[i] = tab
								case gridRefusal(err, "from") || gridRefusal(err, "to"):
									refused.Add(1)
								default:
									t.Fatalf("%s %s–%s: %v", actor.Username, q.From, q.To, err)
								}
								if _, err := w.indicators.Table(ctx, granted, q); err != nil && actor.Units[0] == "001" {
									t.Errorf("with the grant, %s–%s: %v", q.From, q.To, err)
								}
								q.Codes = []string{"CHILD_POP"}
								if _, err := w.indicators.Table(ctx, actor, q); err != nil {
									t.Errorf("%s, CHILD_POP %s–%s: %v", actor.Username, q.From, q.To, err)
								}
							}
							if tabs[0] == nil || tabs[1] == nil {
								continue
							}
							one := pair[0][1]
							if pair[1][0].After(pair[0][0]) {
								one = pair[0][0]
							}
							dayQ := indicator.TableQuery{Codes: sensitiveCodes, From: one.Format(time.DateOnly), To: one.Format(time.DateOnly), Unit: actor.Units[0], Level: "commune", By: []string{"sex"}}
							truth, err := w.indicators.Table(ctx, admin, dayQ)
							if err != nil {
								t.Fatal(err)
							}
							for i, a := range tabs[0].Rows {
								b, tr := tabs[1].Rows[i], truth.Rows[i]
								if a.Suppressed || b.Suppressed || !small(shown{num: *tr.Numerator, den: *tr.Denominator}) {
									continue
								}
								leaks.Add(1)
								if leaks.Load() <= 3 {
									t.Errorf("%s: %s %s %s on %s is %d/%d: (%d/%d) − (%d/%d)", actor.Username, a.Indicator, a.Unit, a.Sex, dayQ.From,
										*tr.Numerator, *tr.Denominator, *a.Numerator, *a.Denominator, *b.Numerator, *b.Denominator)
								}
							}
						}
					}
				}
			})
		}
	})
	if leaks.Load() > 0 {
		t.Errorf("%d hidden cells of one commune on one day recovered from overlapping ranges", leaks.Load())
	}
	t.Logf("%d off-grid ranges refused", refused.Load())
}

// TestSensitiveIndicatorsOnTheGrid: without the grant, a sensitive
// indicator is given for a calendar year or quarter — as period, or as
// from/to spanning exactly one — and refused for any other range, with
// the parameter named; the other indicators and the grant keep every
// range.
func TestSensitiveIndicatorsOnTheGrid(t *testing.T) {
	w := mustWorld(t, nil)
	g := gen{rand.New(rand.NewPCG(41, 41*7919))}
	for range 40 {
		s := g.sub(g.pick("household", "hiv"))
		w.submit(t, s.form, s.envelope())
	}
	ctx := context.Background()
	sup := survey.Actor{UserID: "s", Username: "s", Role: survey.RoleSupervisor, Units: []string{survey.CityCode}}
	granted := sup
	granted.SensitiveAccess = true
	on := []indicator.TableQuery{
		{Period: "2026"}, {Period: "2026Q3"}, {},
		{From: "2026-01-01", To: "2026-12-31"}, {From: "2025-04-01", To: "2025-06-30"}, {From: "2025-07-01", To: "2025-09-30"},
	}
	for _, q := range on {
		q.Codes = []string{"ON_ART", "CHILD_POP"}
		if _, err := w.indicators.Table(ctx, sup, q); err != nil {
			t.Errorf("%+v: %v", q, err)
		}
	}
	// The same cell, asked as a period or as its dates, agrees.
	a, errA := w.indicators.Table(ctx, sup, indicator.TableQuery{Codes: sensitiveCodes, Period: "2025Q2", Level: "commune", By: []string{"sex"}})
	b, errB := w.indicators.Table(ctx, sup, indicator.TableQuery{Codes: sensitiveCodes, From: "2025-04-01", To: "2025-06-30", Level: "commune", By: []string{"sex"}})
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	for i := range a.Rows {
		if a.Rows[i].Suppressed != b.Rows[i].Suppressed {
			t.Errorf("%+v as 2025Q2 and as its dates: suppressed %v, %v", a.Rows[i], a.Rows[i].Suppressed, b.Rows[i].Suppressed)
		}
	}
	off := []struct {
		q     indicator.TableQuery
		param string
	}{
		{indicator.TableQuery{From: "2026-02-01", To: "2026-02-28"}, "from"}, // a month
		{indicator.TableQuery{From: "2026-01-01", To: "2026-02-28"}, "to"},   // part of a quarter
		{indicator.TableQuery{From: "2026-01-01", To: "2026-06-30"}, "to"},   // two quarters
		{indicator.TableQuery{From: "2026-01-01", To: "2026-01-01"}, "to"},   // one day
		{indicator.TableQuery{From: "2025-06-30", To: "2025-06-30"}, "from"},
		{indicator.TableQuery{From: "2025-10-01", To: "2026-03-31"}, "to"}, // across years
		{indicator.TableQuery{From: "2026-04-02", To: "2026-06-30"}, "from"},
	}
	for _, tt := range off {
		for _, codes := range [][]string{{"ON_ART"}, {"CHILD_POP", "CSPC_RATE"}, nil} {
			q := tt.q
			q.Codes = codes
			if _, err := w.indicators.Table(ctx, sup, q); !gridRefusal(err, tt.param) {
				t.Errorf("%+v: %v, want the range refused naming ?%s", q, err, tt.param)
			}
			if _, err := w.indicators.Table(ctx, granted, q); err != nil {
				t.Errorf("with the grant, %+v: %v", q, err)
			}
		}
		q := tt.q
		q.Codes = []string{"CHILD_POP", "BIRTH_REG_U5"}
		if _, err := w.indicators.Table(ctx, sup, q); err != nil {
			t.Errorf("not sensitive, %+v: %v", q, err)
		}
	}
}

// subIn generates a submission of form with a survey date between from
// and to.
func subIn(g gen, form string, from, to time.Time) *genSub {
	for {
		if s := g.sub(form); !s.date.Before(from) && !s.date.After(to) {
			return s
		}
	}
}

// solvable returns the hidden cells that some linear combination of the
// equations gives away once the shown cells are put in: those whose unit
// vector lies in the row space of the equations restricted to the hidden
// cells. It is the whole of what sums can tell, not only one subtraction
// at a time. Arithmetic modulo a 61-bit prime: with coefficients of 0
// and ±1, a rank lower than over the rationals is out of reach in
// practice.
func solvable[K comparable](kn map[K]shown, eqs [][]K) []K {
	const p = (1 << 61) - 1
	mul := func(a, b uint64) uint64 {
		hi, lo := bits.Mul64(a, b)
		_, r := bits.Div64(hi%p, lo, p)
		return r
	}
	inv := func(a uint64) uint64 { // a^(p-2)
		r, e := uint64(1), uint64(p-2)
		for ; e > 0; e >>= 1 {
			if e&1 == 1 {
				r = mul(r, a)
			}
			a = mul(a, a)
		}
		return r
	}
	col := map[K]int{}
	var keys []K
	var rows []map[int]uint64
	for _, eq := range eqs {
		row := map[int]uint64{}
		for i, k := range eq {
			if !kn[k].hidden {
				continue
			}
			c, ok := col[k]
			if !ok {
				c = len(keys)
				col[k] = c
				keys = append(keys, k)
			}
			v := uint64(1) // the parts
			if i == 0 {
				v = p - 1 // the total
			}
			row[c] = (row[c] + v) % p
			if row[c] == 0 {
				delete(row, c)
			}
		}
		if len(row) > 0 {
			rows = append(rows, row)
		}
	}
	// Gauss–Jordan on sparse rows.
	pivotRow := map[int]map[int]uint64{}
	for _, row := range rows {
		for c, r := range pivotRow { // reduce by every pivot found so far
			if v, ok := row[c]; ok {
				for cc, rv := range r {
					row[cc] = (row[cc] + p - mul(v, rv)) % p
					if row[cc] == 0 {
						delete(row, cc)
					}
				}
			}
		}
		if len(row) == 0 {
			continue
		}
		pc := -1
		for c := range row {
			if pc < 0 || c < pc {
				pc = c
			}
		}
		iv := inv(row[pc])
		for c := range row {
			row[c] = mul(row[c], iv)
		}
		for _, r := range pivotRow { // and keep the others reduced by it
			if v, ok := r[pc]; ok {
				for cc, rv := range row {
					r[cc] = (r[cc] + p - mul(v, rv)) % p
					if r[cc] == 0 {
						delete(r, cc)
					}
				}
			}
		}
		pivotRow[pc] = row
	}
	var out []K
	for c, r := range pivotRow {
		if len(r) == 1 {
			out = append(out, keys[c])
		}
	}
	return out
}
