package plan_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/plan"
	"github.com/khaosat/khaosat/internal/survey"
)

// benchRows is the number of household child rows the benchmarks seed
// (KHAOSAT_BENCH_ROWS, default 200000).
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("KHAOSAT_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 200_000
}

// seed bulk-loads households (about four children each) and one hiv
// follow-up for every twenty child rows across every commune of 2026,
// with their facts.
func seed(b *testing.B, w *world, rows int) {
	start := time.Now()
	r := rand.New(rand.NewPCG(42, 4242))
	communes := w.units.Children(survey.CityCode, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	compiled := map[string]interface {
		ToStorage(map[string]any) map[string]any
	}{}
	for _, id := range []string{"household", "hiv"} {
		sf, err := w.catalog.Compiled(ctx, id, 1)
		if err != nil {
			b.Fatal(err)
		}
		compiled[id] = sf
	}
	var subs []*survey.Submission
	var facts []*survey.Facts
	flush := func() {
		if err := w.store.LoadSubmissions(ctx, subs, facts); err != nil {
			b.Fatal(err)
		}
		subs, facts = subs[:0], facts[:0]
	}
	add := func(form string, data map[string]any, day time.Time) {
		raw, _ := json.Marshal(data)
		var plain map[string]any
		_ = json.Unmarshal(raw, &plain)
		sub := &survey.Submission{ID: uuid.NewString(), FormID: form, FormVersion: 1, Unit: communes[r.IntN(len(communes))].Code,
			SurveyDate: day, ReceivedAt: day, UpdatedAt: day, Revision: 1, ReviewState: survey.ReviewReceived, Data: compiled[form].ToStorage(plain)}
		f, err := w.indicators.FactsOf(sub)
		if err != nil {
			b.Fatal(err)
		}
		subs, facts = append(subs, sub), append(facts, f)
		if len(subs) == 5000 {
			flush()
		}
	}
	day := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(180)) }
	for n := 0; n < rows; n += 4 {
		d := day()
		add("household", household(d, []string{"yes", "no"}[r.IntN(2)], r.IntN(18), r.IntN(18), r.IntN(18), r.IntN(18)), d)
	}
	for range rows / 20 {
		add("hiv", hiv(r, q1), day())
	}
	flush()
	b.Logf("seeded %d child rows with their facts in %s", rows, time.Since(start).Round(time.Millisecond))
}

// BenchmarkPlan measures, over seeded data, freezing a commune's quarter
// report, comparing it with today's data (as a person without the
// sensitive grant, who gets the suppression too), and the city's status
// view (every commune × 16 indicators with targets, as the city's
// supervisor without the grant). Each is reported against the baseline
// of the same run: one live table of the same scope through the
// indicator service (a commune's total for freeze and compare, the city's
// communes for the status view).
func BenchmarkPlan(b *testing.B) {
	w := mustWorld(b)
	seed(b, w, benchRows())
	var rows []plan.TargetInput
	for _, u := range w.units.Children(survey.CityCode, time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)) {
		for _, ind := range w.indicators.Set().Indicators {
			v := 50.0
			rows = append(rows, plan.TargetInput{Indicator: ind.Code, Unit: u.Code, Period: "2026Q2", Value: &v})
		}
	}
	if _, err := w.plan.ImportTargets(ctx, manager, rows); err != nil {
		b.Fatal(err)
	}
	baseline := func(b *testing.B, q indicator.TableQuery, a survey.Actor) time.Duration {
		start := time.Now()
		if _, err := w.indicators.Table(ctx, a, q); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	report := func(b *testing.B, elapsed, base time.Duration, unit string) {
		b.ReportMetric(float64(elapsed.Microseconds())/1000/float64(b.N), "ms/"+unit)
		b.ReportMetric(float64(base.Microseconds())/1000/float64(b.N), "table_ms/"+unit)
		b.ReportMetric(float64(elapsed)/float64(base), "x_table")
	}
	commune := indicator.TableQuery{Period: "2026Q2", Unit: "00004", Level: "commune"}
	b.Run("freeze a commune's report", func(b *testing.B) {
		var base, spent time.Duration
		for b.Loop() {
			start := time.Now()
			if _, err := w.plan.Submit(ctx, officer, "2026Q2", "00004"); err != nil {
				b.Fatal(err)
			}
			spent += time.Since(start)
			if _, err := w.plan.Return(ctx, cityBoss, "2026Q2", "00004", "lại"); err != nil {
				b.Fatal(err)
			}
			base += baseline(b, commune, officer)
		}
		report(b, spent, base, "freeze")
	})
	b.Run("compare a report with today", func(b *testing.B) {
		if _, err := w.plan.Submit(ctx, officer, "2026Q1", "00004"); err != nil {
			b.Fatal(err)
		}
		var base, spent time.Duration
		for b.Loop() {
			start := time.Now()
			if _, err := w.plan.Get(ctx, officer, "2026Q1", "00004", 0); err != nil {
				b.Fatal(err)
			}
			spent += time.Since(start)
			base += baseline(b, indicator.TableQuery{Period: "2026Q1", Unit: "00004", Level: "commune"}, officer)
		}
		report(b, spent, base, "compare")
	})
	b.Run("city status view", func(b *testing.B) {
		var base, spent time.Duration
		for b.Loop() {
			start := time.Now()
			st, err := w.plan.Status(ctx, cityBoss, "2026Q2", "")
			if err != nil {
				b.Fatal(err)
			}
			spent += time.Since(start)
			if len(st.Units) != 126 || len(st.Units[0].Cells) != 16 {
				b.Fatalf("%d units, %d cells", len(st.Units), len(st.Units[0].Cells))
			}
			base += baseline(b, indicator.TableQuery{Period: "2026Q2", Level: "commune"}, cityBoss)
		}
		report(b, spent, base, "view")
	})
}
