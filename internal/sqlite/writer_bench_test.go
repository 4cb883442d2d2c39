package sqlite_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/storetest"
	"github.com/khaosat/khaosat/internal/survey"
)

// BenchmarkCreateSubmission: the intake transaction of a household with
// three children (the submission, its change event and 15 fact cells, as
// the indicator set derives from the intake example, sealed into the
// submission's box and added to its commune's day and month totals) from
// 8 goroutines
// through the group commit, against the same transaction without facts in
// the same run: what keeping the indicator facts costs the writer, in
// transactions per second and in CPU time per transaction.
func BenchmarkCreateSubmission(b *testing.B) {
	s := MustOpen(b)
	s.UseFactSealer(storetest.TestFactSealer(b))
	ctx := context.Background()
	cells := make([]survey.FactCell, 15)
	for i := range cells {
		cells[i] = survey.FactCell{Indicator: "I" + strconv.Itoa(i%8), Sex: []string{"male", "female"}[i%2], AgeGroup: "5-11", Den: 1, Num: i % 2}
	}
	day := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)
	var failed atomic.Int64
	// cpu is the process's user and system CPU time so far: on a shared
	// machine a write's CPU cost is steadier than its wall-clock rate.
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	var cpuT [2]time.Duration
	rate := func(n int, withFacts bool) float64 {
		c0 := cpu()
		defer func() {
			if withFacts {
				cpuT[1] += cpu() - c0
			} else {
				cpuT[0] += cpu() - c0
			}
		}()
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(n) {
					sub := &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: "00004", SurveyDate: day,
						Data: map[string]any{"members_total": int64(5)}, ReceivedAt: day, UpdatedAt: day, Revision: 1, ReviewState: survey.ReviewReceived}
					e := &survey.Event{Kind: survey.EventCreate, SubmissionID: sub.ID, Form: sub.FormID, Unit: sub.Unit, SurveyDate: day, At: day}
					var f *survey.Facts
					if withFacts {
						f = &survey.Facts{SubmissionID: sub.ID, Form: sub.FormID, Commune: sub.Unit, Hierarchy: "h", SurveyDate: day, Cells: cells}
					}
					if err := s.CreateSubmission(ctx, sub, e, f); err != nil {
						failed.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		return float64(n) / time.Since(start).Seconds()
	}
	b.ResetTimer()
	half := b.N / 2
	bare := rate(half, false)
	full := rate(b.N-half, true)
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d writes failed", failed.Load())
	}
	b.ReportMetric(full, "with_facts_tx/s")
	b.ReportMetric(bare, "without_facts_tx/s")
	b.ReportMetric(full/bare, "with/without")
	b.ReportMetric(float64(cpuT[1].Microseconds())/float64(b.N-half), "cpu_µs/tx_with_facts")
	b.ReportMetric(float64(cpuT[0].Microseconds())/float64(half), "cpu_µs/tx_without_facts")
}
