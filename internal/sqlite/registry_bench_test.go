package sqlite_test

import (
	"context"
	"encoding/csv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/registry"
	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/storetest"
	"github.com/khaosat/khaosat/internal/survey"
)

// benchCommunes are the city's communes (2025-07 hierarchy).
func benchCommunes(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open(filepath.Join("..", "..", "forms", "units", "hanoi_communes_2025-07-01.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[2])
	}
	return out
}

var benchNames = []string{"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Hoa", "Đỗ Văn Hùng", "Bùi Thị Lan"}

// householdBench makes household visits: new households, or with
// probability revisit a visit of one made before (same household_id and
// children), spread over all communes.
type householdBench struct {
	mu       sync.Mutex
	rng      *rand.Rand
	communes []string
	made     [][]any // roster of each household made, by index
	ids      []string
	units    []string
}

func (g *householdBench) next(revisit float64) *survey.Submission {
	g.mu.Lock()
	defer g.mu.Unlock()
	day := time.Date(2026, 6, 1+g.rng.IntN(28), 0, 0, 0, 0, time.UTC)
	var hh, unit string
	var kids []any
	if len(g.ids) > 0 && g.rng.Float64() < revisit {
		i := g.rng.IntN(len(g.ids))
		hh, unit, kids = g.ids[i], g.units[i], g.made[i]
	} else {
		hh, unit = uuid.NewString(), g.communes[g.rng.IntN(len(g.communes))]
		for range 1 + g.rng.IntN(3) {
			kids = append(kids, map[string]any{"child_id": uuid.NewString(), "full_name": benchNames[g.rng.IntN(len(benchNames))] + " " + strconv.Itoa(g.rng.IntN(500)),
				"sex": []string{"male", "female"}[g.rng.IntN(2)], "date_of_birth": time.Date(2010+g.rng.IntN(15), time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28), 0, 0, 0, 0, time.UTC)})
		}
		g.ids, g.units, g.made = append(g.ids, hh), append(g.units, unit), append(g.made, kids)
	}
	return &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: unit, SurveyDate: day,
		Data:       map[string]any{"household_id": hh, "head_name": "Chủ hộ " + hh[:4], "address": "Tổ " + hh[4:8], "members_total": int64(5), "children": kids},
		ReceivedAt: day, UpdatedAt: day, Revision: 1, ReviewState: survey.ReviewReceived}
}

// writeBench stores n submissions of g from 8 goroutines and returns the
// rate per second; withRegistry adds each one's registry observation.
func writeBench(tb testing.TB, s *sqlite.Store, g *householdBench, n int, withRegistry bool, cells []survey.FactCell) float64 {
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Int64
	start := time.Now()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				sub := g.next(0.3)
				e := &survey.Event{Kind: survey.EventCreate, SubmissionID: sub.ID, Form: sub.FormID, Unit: sub.Unit, SurveyDate: sub.SurveyDate, At: sub.ReceivedAt}
				f := &survey.Facts{SubmissionID: sub.ID, Form: sub.FormID, Commune: sub.Unit, Hierarchy: "h", SurveyDate: sub.SurveyDate, Cells: cells}
				if withRegistry {
					f.Registry = registry.ObservationOf(sub, false)
				}
				if err := s.CreateSubmission(ctx, sub, e, f); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		tb.Fatalf("%d writes failed", failed.Load())
	}
	return float64(n) / time.Since(start).Seconds()
}

// BenchmarkRegistryIntake: the intake transaction of household visits
// (30 % of them revisits, over all of Hanoi's communes) with the registry
// fed in it, against the same transaction without the registry in the
// same run, on a registry already holding KHAOSAT_BENCH_REGISTRY_N
// households (default 20,000; about 2 children each). Reports both rates,
// their ratio, and the registry's cost per child.
func BenchmarkRegistryIntake(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("KHAOSAT_BENCH_REGISTRY_N")); err == nil && v > 0 {
		n = v
	}
	s := MustOpen(b)
	s.UseFactSealer(storetest.TestFactSealer(b))
	l, err := registry.LoadLinker(os.DirFS(filepath.Join("..", "..", "forms", "units")), "hanoi_commune_mapping_old_to_new_2025-07-01.csv")
	if err != nil {
		b.Fatal(err)
	}
	s.UseLinker(l)
	cells := make([]survey.FactCell, 15)
	for i := range cells {
		cells[i] = survey.FactCell{Indicator: "I" + strconv.Itoa(i%8), Sex: []string{"male", "female"}[i%2], AgeGroup: "5-11", Den: 1, Num: i % 2}
	}
	g := &householdBench{rng: rand.New(rand.NewPCG(1, 2)), communes: benchCommunes(b)}
	t0 := time.Now()
	writeBench(b, s, g, n, true, cells)
	b.Logf("preloaded %d visits in %s", n, time.Since(t0).Round(time.Millisecond))
	b.ResetTimer()
	half := b.N / 2
	bare := writeBench(b, s, g, half, false, cells)
	full := writeBench(b, s, g, b.N-half, true, cells)
	b.StopTimer()
	b.ReportMetric(bare, "bare-tx/s")
	b.ReportMetric(full, "registry-tx/s")
	b.ReportMetric(full/bare, "registry/bare")
	// About 2 children a visit: the registry's added time per child.
	b.ReportMetric((1/full-1/bare)*1000/2, "added-ms/child")
}
