package protect_test

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

// BenchmarkSealStored measures the sweep that seals stored answers, over
// household submissions (KHAOSAT_BENCH_SEAL, default 20000) loaded with
// their sensitive answers in clear, against a plain decoding scan of the
// same rows in the same run (the least any pass over them costs):
// seal/scan is how many scans one sealing sweep costs, rerun/scan what a
// sweep that finds nothing left to seal costs.
func BenchmarkSealStored(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("KHAOSAT_BENCH_SEAL")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	var seal, rerun, scan time.Duration
	for range b.N {
		b.StopTimer()
		w := mustWorld(b)
		loadClearHouseholds(b, w, n)
		start := time.Now()
		scanned := 0
		if err := w.store.EachSubmission(ctx, func(*survey.Submission) error { scanned++; return nil }); err != nil || scanned != n {
			b.Fatalf("scan: %d of %d, %v", scanned, n, err)
		}
		scan = time.Since(start)

		b.StartTimer()
		start = time.Now()
		p, err := w.answers.SealStored(ctx, w.store, "household", nil)
		seal = time.Since(start)
		b.StopTimer()
		if err != nil || p.Scanned != n || p.Sealed == 0 {
			b.Fatalf("seal: %+v, %v", p, err)
		}
		start = time.Now()
		if p, err := w.answers.SealStored(ctx, w.store, "household", nil); err != nil || p.Sealed != 0 {
			b.Fatalf("rerun: %+v, %v", p, err)
		}
		rerun = time.Since(start)
	}
	b.ReportMetric(float64(n)/seal.Seconds(), "sealed_subs/s")
	b.ReportMetric(float64(n)/rerun.Seconds(), "rerun_subs/s")
	b.ReportMetric(float64(n)/scan.Seconds(), "scan_subs/s")
	b.ReportMetric(seal.Seconds()/scan.Seconds(), "seal/scan")
	b.ReportMetric(rerun.Seconds()/scan.Seconds(), "rerun/scan")
}

// loadClearHouseholds bulk-loads n household submissions as an install
// from before stored them: every answer in Data, nothing sealed.
func loadClearHouseholds(b *testing.B, w *world, n int) {
	ctx := context.Background()
	g := gen{rand.New(rand.NewPCG(7, 77))}
	sf, err := w.catalog.Compiled(ctx, "household", 1)
	if err != nil {
		b.Fatal(err)
	}
	var subs []*survey.Submission
	for i := range n {
		day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%300)
		raw, _ := json.Marshal(g.household(day))
		var plain map[string]any
		_ = json.Unmarshal(raw, &plain)
		subs = append(subs, &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: "00004",
			SurveyDate: day, ReceivedAt: day, UpdatedAt: day, Revision: 1, ReviewState: survey.ReviewReceived, Data: sf.ToStorage(plain)})
		if len(subs) == 5000 || i == n-1 {
			if err := w.store.LoadSubmissions(ctx, subs, nil); err != nil {
				b.Fatal(err)
			}
			subs = subs[:0]
		}
	}
}
