package survey_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/survey"
)

// benchRows is the number of household child rows of the table benchmark
// (KHAOSAT_BENCH_ROWS, default 200000).
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("KHAOSAT_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 200_000
}

// seedFacts generates households (and disability, labour and hiv
// submissions, one for every ten child rows each) across every commune of
// 2026, derives their facts with the engine and bulk-loads them. Queries
// read facts only, so the submissions themselves are not stored.
func seedFacts(b *testing.B, w *world, rows int) {
	ctx := context.Background()
	g := gen{rand.New(rand.NewPCG(42, 4242))}
	communes := w.units.Children("01", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	forms := map[string]func(time.Time) map[string]any{"household": g.household, "disability": g.disability, "labour": g.labour, "hiv": g.hiv}
	compiled := map[string]interface {
		ToStorage(map[string]any) map[string]any
	}{}
	for id := range forms {
		sf, err := w.catalog.Compiled(ctx, id, 1)
		if err != nil {
			b.Fatal(err)
		}
		compiled[id] = sf
	}
	start := time.Now()
	var facts []*survey.Facts
	add := func(form string, day time.Time) int {
		data := forms[form](day)
		raw, _ := json.Marshal(data)
		var plain map[string]any
		_ = json.Unmarshal(raw, &plain)
		sub := &survey.Submission{ID: uuid.NewString(), FormID: form, FormVersion: 1, Unit: communes[g.r.IntN(len(communes))].Code,
			SurveyDate: day, UpdatedAt: day, Revision: 1, ReviewState: survey.ReviewReceived, Data: compiled[form].ToStorage(plain)}
		f, err := w.indicators.FactsOf(sub)
		if err != nil {
			b.Fatal(err)
		}
		facts = append(facts, f)
		if form == "household" {
			return len(data["children"].([]any))
		}
		return 0
	}
	for n := 0; n < rows; {
		day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.r.IntN(300))
		n += add("household", day)
	}
	for _, form := range []string{"disability", "labour", "hiv"} {
		for range rows / 10 {
			add(form, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.r.IntN(300)))
		}
	}
	derived := time.Since(start)
	start = time.Now()
	if err := w.store.LoadFacts(ctx, facts); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d child rows: %d submissions' facts derived in %s, loaded in %s", rows, len(facts), derived.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// BenchmarkIndicatorTable: the whole table (every indicator × commune ×
// sex × age group of one year) and one indicator of one commune.
func BenchmarkIndicatorTable(b *testing.B) {
	w := mustWorld(b, nil)
	seedFacts(b, w, benchRows())
	ctx := context.Background()
	run := func(b *testing.B, q survey.TableQuery, wantRows int) {
		for b.Loop() {
			t, err := w.indicators.Table(ctx, admin, q)
			if err != nil {
				b.Fatal(err)
			}
			if len(t.Rows) != wantRows {
				b.Fatalf("%d rows, want %d", len(t.Rows), wantRows)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/query")
	}
	whole := survey.TableQuery{Period: "2026", Level: "commune", By: []string{"sex", "age_group"}}
	one := survey.TableQuery{Period: "2026", Unit: "00004", Codes: []string{"CSPC_RATE"}}
	b.Run("store/whole table", func(b *testing.B) { run(b, whole, 16*126*2*4) })
	b.Run("store/one indicator one commune", func(b *testing.B) { run(b, one, 1) })
	start := time.Now()
	if err := w.indicators.CacheFacts(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded the facts into memory in %s", time.Since(start).Round(time.Millisecond))
	b.Run("memory/whole table", func(b *testing.B) { run(b, whole, 16*126*2*4) })
	b.Run("memory/one indicator one commune", func(b *testing.B) { run(b, one, 1) })
}

// BenchmarkIntakeFacts: one household intake with facts against one
// without, alternating in the same run, into a commune-month that already
// holds 50 households; "store" writes the facts before answering (as with
// MongoDB), "mirror" is the embedded server's way (memory now, store in
// the background).
func BenchmarkIntakeFacts(b *testing.B) {
	for _, mode := range []string{"store", "mirror"} {
		b.Run(mode, func(b *testing.B) {
			w := mustWorld(b, nil)
			ctx := context.Background()
			if mode == "mirror" {
				if err := w.indicators.CacheFacts(ctx); err != nil {
					b.Fatal(err)
				}
			}
			plain := mustIntake(b, w.store, w.catalog, w.units)
			g := gen{rand.New(rand.NewPCG(7, 77))}
			envOf := func() []byte {
				data := g.household(time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC))
				for len(data["children"].([]any)) < 3 {
					data = g.household(time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC))
				}
				body, _ := json.Marshal(env("00070", "2026-05-10", data))
				return body
			}
			for range 50 {
				if _, _, err := w.intake.Submit(ctx, admin, "household", envOf()); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.indicators.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			var with, background, without time.Duration
			for b.Loop() {
				b1, b2 := envOf(), envOf()
				start := time.Now()
				if _, _, err := w.intake.Submit(ctx, admin, "household", b1); err != nil {
					b.Fatal(err)
				}
				with += time.Since(start)
				start = time.Now()
				if err := w.indicators.Flush(ctx); err != nil { // the background write, timed apart
					b.Fatal(err)
				}
				background += time.Since(start)
				start = time.Now()
				if _, _, err := plain.Submit(ctx, admin, "household", b2); err != nil {
					b.Fatal(err)
				}
				without += time.Since(start)
			}
			if err := w.indicators.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(with.Microseconds())/1000/float64(b.N), "ms/intake_with_facts")
			b.ReportMetric(float64(without.Microseconds())/1000/float64(b.N), "ms/intake_without")
			b.ReportMetric(float64(with)/float64(without), "ratio")
			if mode == "mirror" {
				b.ReportMetric(float64(background.Microseconds())/1000/float64(b.N), "ms/background_write")
				b.ReportMetric(float64(with+background)/float64(without), "ratio_incl_background")
			}
		})
	}
}
