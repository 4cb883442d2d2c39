package indicator_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

// BenchmarkSuppressedTable measures what suppression costs a caller
// without the sensitive grant: the same table (a district's communes by
// sex and age group, every indicator) for an admin, the baseline, and
// for a supervisor of the district, in the same run.
func BenchmarkSuppressedTable(b *testing.B) {
	w := mustWorld(b, nil)
	g := gen{rand.New(rand.NewPCG(5, 5*7919))}
	forms := []string{"household", "household", "hiv", "disability", "labour"}
	for range 300 {
		s := g.sub(forms[g.r.IntN(len(forms))])
		w.submit(b, s.form, s.envelope())
	}
	q := indicator.TableQuery{Period: "2024", Unit: "001", Level: "commune", By: []string{"sex", "age_group"}}
	sup := survey.Actor{UserID: "s", Username: "s", Role: survey.RoleSupervisor, Units: []string{"001"}}
	ctx := context.Background()
	var base, supp time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := w.indicators.Table(ctx, admin, q); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if _, err := w.indicators.Table(ctx, sup, q); err != nil {
			b.Fatal(err)
		}
		base, supp = base+mid.Sub(start), supp+time.Since(mid)
	}
	b.ReportMetric(float64(base.Microseconds())/float64(b.N), "admin-µs/op")
	b.ReportMetric(float64(supp.Microseconds())/float64(b.N), "supervisor-µs/op")
	b.ReportMetric(float64(supp)/float64(base), "supervisor/admin")
}
