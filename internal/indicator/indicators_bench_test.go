package indicator_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/indicator"
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

// seed generates households (and disability, labour and hiv submissions,
// one for every ten child rows each) across every commune of 2026,
// derives their facts with the engine and bulk-loads submissions and
// facts into the store.
func seed(b *testing.B, w *world, rows int) int {
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
	var subs []*survey.Submission
	var facts []*survey.Facts
	total := 0
	flush := func() {
		if err := w.store.LoadSubmissions(ctx, subs, facts); err != nil {
			b.Fatal(err)
		}
		total += len(subs)
		subs, facts = subs[:0], facts[:0]
	}
	add := func(form string, day time.Time) int {
		data := forms[form](day)
		raw, _ := json.Marshal(data)
		var plain map[string]any
		_ = json.Unmarshal(raw, &plain)
		sub := &survey.Submission{ID: uuid.NewString(), FormID: form, FormVersion: 1, Unit: communes[g.r.IntN(len(communes))].Code,
			SurveyDate: day, ReceivedAt: day, UpdatedAt: day, Revision: 1, ReviewState: survey.ReviewReceived, Data: compiled[form].ToStorage(plain)}
		f, err := w.indicators.FactsOf(sub)
		if err != nil {
			b.Fatal(err)
		}
		subs, facts = append(subs, sub), append(facts, f)
		if len(subs) == 5000 {
			flush()
		}
		if form == "household" {
			return len(data["children"].([]any))
		}
		return 0
	}
	for n := 0; n < rows; {
		n += add("household", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.r.IntN(300)))
	}
	for _, form := range []string{"disability", "labour", "hiv"} {
		for range rows / 10 {
			add(form, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.r.IntN(300)))
		}
	}
	flush()
	b.Logf("seeded %d child rows in %d submissions with their facts in %s", rows, total, time.Since(start).Round(time.Millisecond))
	return total
}

// BenchmarkIndicatorTable: the whole table (every indicator × commune ×
// sex × age group of one year) and one indicator of one commune, through
// the service, against the plain SQL read of the sealed month totals the
// service opens, in the same run (the baseline: what the database alone
// takes to give the boxes of a year).
func BenchmarkIndicatorTable(b *testing.B) {
	w := mustWorld(b, nil)
	seed(b, w, benchRows())
	ctx := context.Background()
	db := w.store.ReadDB()
	raw := func(b *testing.B, query string, args ...any) time.Duration {
		start := time.Now()
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		rows.Close()
		return time.Since(start)
	}
	run := func(b *testing.B, q indicator.TableQuery, wantRows int, query string, args ...any) {
		var rawT time.Duration
		for b.Loop() {
			t, err := w.indicators.Table(ctx, admin, q)
			if err != nil {
				b.Fatal(err)
			}
			if len(t.Rows) != wantRows {
				b.Fatalf("%d rows, want %d", len(t.Rows), wantRows)
			}
			b.StopTimer()
			rawT += raw(b, query, args...)
			b.StartTimer()
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
		b.ReportMetric(float64(rawT.Microseconds())/1000/float64(b.N), "raw_ms/query")
		b.ReportMetric(float64(b.Elapsed())/float64(rawT), "service/raw")
	}
	whole := indicator.TableQuery{Period: "2026", Level: "commune", By: []string{"sex", "age_group"}}
	one := indicator.TableQuery{Period: "2026", Unit: "00004", Codes: []string{"CSPC_RATE"}}
	b.Run("whole table", func(b *testing.B) {
		run(b, whole, 16*126*2*4, `SELECT commune, district, month, key_id, box FROM fact_month_totals WHERE month BETWEEN 202601 AND 202612`)
	})
	b.Run("one indicator one commune", func(b *testing.B) {
		run(b, one, 1, `SELECT commune, district, month, key_id, box FROM fact_month_totals
			WHERE hierarchy = 'hanoi-2025-07' AND commune = '00004' AND month BETWEEN 202601 AND 202612`)
	})
}
