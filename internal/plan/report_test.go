package plan_test

import (
	"sync"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/plan"
	"github.com/khaosat/khaosat/internal/survey"
)

var q1 = time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)

func cellOf(v *plan.ReportView, ind string) *plan.ViewCell {
	for i, c := range v.Cells {
		if c.Indicator == ind && c.Sex == "" && c.AgeGroup == "" {
			return &v.Cells[i]
		}
	}
	return nil
}

// TestReportJourney: the commune officer submits; the commune's own
// officer may not sign it off, the city's supervisor (the parent after the
// 2025 reform) returns it with a comment; a late edit arrives; the frozen
// figures stay and the change is listed; the officer resubmits and the
// city approves. Each step is audited and sent to a webhook.
func TestReportJourney(t *testing.T) {
	t.Parallel()
	w := mustWorld(t)
	hook := &survey.Webhook{ID: "hook-1", URL: "https://example.org/h", Events: []string{"report"}, Owner: manager, CreatedAt: q1}
	if err := w.store.InsertWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	w.submit(t, "household", "00004", q1, household(q1, "yes", 1, 2, 3, 10, 12))
	w.submit(t, "household", "00004", q1, household(q1, "no", 2, 4, 8))

	if _, err := w.plan.Submit(ctx, officer2, "2026Q1", "00004"); code(err) != survey.CodeForbidden {
		t.Errorf("another commune's officer submits: %v", err)
	}
	r, err := w.plan.Submit(ctx, officer, "2026Q1", "00004")
	if err != nil {
		t.Fatal(err)
	}
	if r.Parent != survey.CityCode || r.State != plan.StateSubmitted || len(r.Current().Hash) != 64 {
		t.Fatalf("submitted: %+v", r)
	}
	if _, err := w.plan.Submit(ctx, officer, "2026Q1", "00004"); code(err) != survey.CodeConflict {
		t.Errorf("submitting twice: %v", err)
	}
	if _, err := w.plan.Approve(ctx, officer, "2026Q1", "00004"); code(err) != survey.CodeForbidden {
		t.Errorf("the commune approves its own report: %v", err)
	}
	if _, err := w.plan.Return(ctx, cityBoss, "2026Q1", "00004", "  "); code(err) != survey.CodeInvalid {
		t.Errorf("a return without a comment: %v", err)
	}
	if _, err := w.plan.Return(ctx, cityBoss, "2026Q1", "00004", "Kiểm tra lại số trẻ dưới 5 tuổi"); err != nil {
		t.Fatal(err)
	}
	rem, err := w.plan.Reminders(ctx, officer, "2026Q1")
	if err != nil || len(rem) != 1 || rem[0].Kind != "returned" || rem[0].Comment == "" {
		t.Errorf("the officer's reminders: %+v %v", rem, err)
	}

	v, err := w.plan.Get(ctx, officer, "2026Q1", "00004", 0)
	if err != nil {
		t.Fatal(err)
	}
	c := cellOf(v, "BIRTH_REG_U5")
	if c == nil || *c.Numerator != 3 || *c.Denominator != 5 || len(v.Changes) != 0 {
		t.Fatalf("frozen BIRTH_REG_U5: %+v, changes %+v", c, v.Changes)
	}
	// A late submission: one more registered child under five.
	w.submit(t, "household", "00004", q1, household(q1, "yes", 3))
	v, err = w.plan.Get(ctx, officer, "2026Q1", "00004", 0)
	if err != nil {
		t.Fatal(err)
	}
	if c := cellOf(v, "BIRTH_REG_U5"); *c.Numerator != 3 || *c.Value != 60 {
		t.Errorf("the frozen cell moved: %+v", c)
	}
	var ch *plan.Change
	for i, x := range v.Changes {
		if x.Indicator == "BIRTH_REG_U5" && x.Sex == "" && x.AgeGroup == "" {
			ch = &v.Changes[i]
		}
	}
	if ch == nil || *ch.DeltaNumerator != 1 || *ch.DeltaDenom != 1 || *ch.DeltaValue != 6.7 {
		t.Fatalf("the changed cell: %+v", ch)
	}

	r2, err := w.plan.Submit(ctx, officer, "2026Q1", "00004")
	if err != nil {
		t.Fatal(err)
	}
	if len(r2.Versions) != 2 || r2.Versions[0].Hash != r.Versions[0].Hash || r2.Versions[1].Hash == r.Versions[0].Hash {
		t.Errorf("resubmitted versions: %+v", r2.Versions)
	}
	rem, _ = w.plan.Reminders(ctx, cityBoss, "2026Q1")
	if len(rem) != 1 || rem[0].Kind != "to_review" {
		t.Errorf("the city's reminders: %+v", rem)
	}
	if _, err := w.plan.Approve(ctx, cityBoss, "2026Q1", "00004"); err != nil {
		t.Fatal(err)
	}
	v1, err := w.plan.Get(ctx, officer, "2026Q1", "00004", 1)
	if err != nil || *cellOf(v1, "BIRTH_REG_U5").Numerator != 3 {
		t.Errorf("version 1 after approval: %v", err)
	}
	st, err := w.plan.Status(ctx, cityBoss, "2026Q1", "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts[plan.StateApproved] != 1 || st.Counts[plan.StateNotSubmitted] != len(st.Units)-1 || len(st.Units) != 126 {
		t.Errorf("city status: %v over %d units", st.Counts, len(st.Units))
	}
	entries, _ := w.store.ListAudit(ctx, survey.AuditQuery{Limit: 50})
	n := 0
	for _, e := range entries {
		if e.Target == "2026Q1/00004" {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d audit entries of the report, want 4", n)
	}
	ds, err := w.store.Deliveries(ctx, hook.ID, 10)
	if err != nil || len(ds) != 4 {
		t.Fatalf("webhook deliveries: %d %v", len(ds), err)
	}
	if ds[0].Event.ReviewState != plan.StateApproved || ds[0].Event.SubmissionID != "2026Q1/00004" {
		t.Errorf("the last delivery: %+v", ds[0].Event)
	}
}

// TestReportRace: two city supervisors decide on one report at once, one
// approving and one returning it: one wins, the other is told the report
// changed.
func TestReportRace(t *testing.T) {
	t.Parallel()
	w := mustWorld(t)
	for range 5 {
		w.submit(t, "household", "00004", q1, household(q1, "yes", 1, 2))
	}
	for round := range 5 {
		period := "2026Q" + string(rune('1'+round%4))
		if round == 4 {
			period = "2026"
		}
		if _, err := w.plan.Submit(ctx, officer, period, "00004"); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, a := range []survey.Actor{cityBoss, cityTwo} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i == 0 {
					_, errs[i] = w.plan.Approve(ctx, a, period, "00004")
				} else {
					_, errs[i] = w.plan.Return(ctx, a, period, "00004", "Thiếu")
				}
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch code(err) {
			case survey.CodeConflict:
			case survey.CodeInternal:
				if err == nil {
					ok++
					continue
				}
				t.Fatal(err)
			default:
				t.Fatalf("a decision: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%s: %d decisions won, want 1 (%v)", period, ok, errs)
		}
		r, _ := w.store.Report(ctx, plan.ReportID(period, "00004"))
		if len(r.History) != 2 {
			t.Errorf("%s: history %+v", period, r.History)
		}
	}
}
