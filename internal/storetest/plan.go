package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/plan"
	"github.com/khaosat/khaosat/internal/survey"
)

// PlanStores is what an adapter provides for the plan's numbers.
type PlanStores interface {
	Stores
	plan.Store
}

// RunPlan runs the contract of the targets and reports store against
// stores made by open, a fresh, empty database per call.
func RunPlan(t *testing.T, open func(t *testing.T) PlanStores, c Caveats) {
	t.Run("Targets", func(t *testing.T) { t.Parallel(); testTargets(t, open(t)) })
	t.Run("Reports", func(t *testing.T) { t.Parallel(); testReports(t, open(t)) })
	t.Run("RaceTenTransitionsOfOneRev", func(t *testing.T) {
		if c.NoAtomicConditionalUpdates != "" {
			t.Skip("not kept by this engine: " + c.NoAtomicConditionalUpdates)
		}
		t.Parallel()
		testRaceReportTransitions(t, open(t))
	})
}

func testTargets(t *testing.T, s PlanStores) {
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	a := &plan.Target{ID: plan.TargetID("2026", "00004", "BIRTH_REG_U5"), Indicator: "BIRTH_REG_U5", Unit: "00004", Period: "2026", Value: 98.5,
		Better: plan.BetterMore, Baseline: &plan.Baseline{Value: 91.2, Period: "2025"}, SetBy: "m", SetAt: at}
	b := &plan.Target{ID: plan.TargetID("2026Q1", "00004", "CHILD_POP"), Indicator: "CHILD_POP", Unit: "00004", Period: "2026Q1", Value: 300,
		Better: plan.BetterLess, SetBy: "m", SetAt: at}
	if err := s.PutTargets(ctx, []*plan.Target{a, b}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Target(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, got); d != "" {
		t.Errorf("target read back (-want +got):\n%s", d)
	}
	a2 := *a
	a2.Value, a2.Baseline = 99, nil
	if err := s.PutTargets(ctx, []*plan.Target{&a2}); err != nil {
		t.Fatal(err)
	}
	list, err := s.Targets(ctx, "2026")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]*plan.Target{&a2}, list); d != "" {
		t.Errorf("targets of 2026 after a change (-want +got):\n%s", d)
	}
	if all, err := s.Targets(ctx, ""); err != nil || len(all) != 2 || all[0].ID != a.ID || all[1].ID != b.ID {
		t.Errorf("every target: %v, %v", all, err)
	}
	if err := s.DeleteTarget(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTarget(ctx, a.ID); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("deleting a deleted target: %v, want ErrNotFound", err)
	}
	if _, err := s.Target(ctx, a.ID); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("reading a deleted target: %v, want ErrNotFound", err)
	}
}

func sampleReport(at time.Time) *plan.Report {
	return &plan.Report{ID: plan.ReportID("2026Q1", "00004"), Unit: "00004", UnitName: "Phường Ba Đình", Hierarchy: "hanoi-2025-07", Parent: "01",
		Period: "2026Q1", State: plan.StateSubmitted, Rev: 1,
		Versions: []plan.Frozen{{Version: 1, At: at, By: "c", ByID: "u-c", Definitions: "defs", Hash: "h1", KeyID: "k", Box: []byte{1, 2, 3}}},
		History:  []plan.Step{{Action: plan.ActionSubmit, State: plan.StateSubmitted, Version: 1, By: "c", ByID: "u-c", At: at}}}
}

func reportDelivery(id string, at time.Time) *survey.Delivery {
	return &survey.Delivery{ID: id, Hook: "h", Event: survey.Event{Kind: plan.EventReport, SubmissionID: "2026Q1/00004", Unit: "00004"},
		State: survey.DeliveryPending, NextAt: at, CreatedAt: at}
}

func testReports(t *testing.T, s PlanStores) {
	at := time.Date(2026, 4, 2, 8, 0, 0, 0, time.UTC)
	r := sampleReport(at)
	if err := s.InsertReport(ctx, r, []*survey.Delivery{reportDelivery("h/report/2026Q1/00004/1", at)}); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertReport(ctx, r, nil); !errors.Is(err, survey.ErrDuplicate) {
		t.Errorf("a second report of one unit and period: %v, want ErrDuplicate", err)
	}
	got, err := s.Report(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(r, got); d != "" {
		t.Errorf("report read back (-want +got):\n%s", d)
	}
	next := *got
	next.State, next.Rev = plan.StateReturned, 2
	next.History = append(append([]plan.Step(nil), got.History...), plan.Step{Action: plan.ActionReturn, State: plan.StateReturned, Version: 1,
		By: "s", ByID: "u-s", At: at.Add(time.Hour), Comment: "Thiếu số liệu quý"})
	if err := s.UpdateReport(ctx, &next, 2, nil); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("an update at a rev not stored: %v, want ErrNotFound", err)
	}
	if err := s.UpdateReport(ctx, &next, 1, []*survey.Delivery{reportDelivery("h/report/2026Q1/00004/2", at)}); err != nil {
		t.Fatal(err)
	}
	states, err := s.ReportStates(ctx, "2026Q1")
	if err != nil {
		t.Fatal(err)
	}
	want := []plan.ReportState{{ID: r.ID, Unit: "00004", Parent: "01", Period: "2026Q1", State: plan.StateReturned, Rev: 2, Version: 1, Comment: "Thiếu số liệu quý"}}
	if d := cmp.Diff(want, states); d != "" {
		t.Errorf("report states (-want +got):\n%s", d)
	}
	if other, err := s.ReportStates(ctx, "2026Q2"); err != nil || len(other) != 0 {
		t.Errorf("states of another period: %v, %v", other, err)
	}
	ds, err := s.DueDeliveries(ctx, at.Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Event.Kind != plan.EventReport {
		t.Errorf("deliveries of the transitions: %+v", ds)
	}
	if ids, err := s.ReportIDs(ctx); err != nil || !cmp.Equal(ids, []string{r.ID}) {
		t.Errorf("report ids: %v %v", ids, err)
	}
	if _, err := s.Report(ctx, "2026Q1/99999"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("no such report: %v", err)
	}
}

// testRaceReportTransitions: ten transitions from one rev at once (two
// supervisors approving and returning one report): exactly one is stored,
// and only its delivery is in the outbox.
func testRaceReportTransitions(t *testing.T, s PlanStores) {
	at := time.Date(2026, 4, 2, 8, 0, 0, 0, time.UTC)
	r := sampleReport(at)
	if err := s.InsertReport(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := *r
			next.State, next.Rev = plan.StateApproved, 2
			if i%2 == 1 {
				next.State = plan.StateReturned
			}
			err := s.UpdateReport(ctx, &next, 1, []*survey.Delivery{reportDelivery("h/report/race/"+string(rune('a'+i)), at)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case !errors.Is(err, survey.ErrNotFound):
				t.Errorf("a losing transition: %v, want ErrNotFound", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d transitions from one rev were stored, want 1", won)
	}
	ds, err := s.DueDeliveries(ctx, at.Add(time.Minute), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 {
		t.Errorf("%d deliveries in the outbox, want the winner's one", len(ds))
	}
}
