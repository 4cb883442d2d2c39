package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/storetest"
	"github.com/khaosat/khaosat/internal/survey"
)

// TestFactsChangedSinceRace races writers of facts, whose commits the
// writer groups: once a write is acknowledged, the facts version has moved
// past the one read before it, and the log names its commune among the
// changes since that version. A reader that saw the version move finds the
// change there. Run with -race.
func TestFactsChangedSinceRace(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.UseFactSealer(storetest.TestFactSealer(t))
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				commune := fmt.Sprintf("%03d%02d", g, i)
				before, _ := s.FactsVersion()
				f := &survey.Facts{SubmissionID: uuid.NewString(), Form: "household", Commune: commune, Hierarchy: "h2025", SurveyDate: day,
					Cells: []survey.FactCell{{Indicator: "CHILD_POP", Sex: "male", AgeGroup: "0-4", Den: 1, Num: 1}}}
				if err := s.ReplaceFacts(ctx, f); err != nil {
					t.Error(err)
					return
				}
				after, _ := s.FactsVersion()
				areas, ok := s.FactsChangedSince(before)
				if after <= before || !ok || !slices.Contains(areas, indicator.FactsArea{Hierarchy: "h2025", Commune: commune}) {
					t.Errorf("write to %s acknowledged: version %d → %d, changes since %d %v (%v)", commune, before, after, before, areas, ok)
					return
				}
				if areas, _ := s.FactsChangedSince(after); slices.Contains(areas, indicator.FactsArea{Hierarchy: "h2025", Commune: commune}) {
					t.Errorf("write to %s logged after the version it made", commune)
				}
			}
		}()
	}
	wg.Wait()
}
