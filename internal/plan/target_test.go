package plan_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/plan"
	"github.com/khaosat/khaosat/internal/survey"
)

func TestTargetRules(t *testing.T) {
	t.Parallel()
	w := mustWorld(t)
	district := survey.Actor{UserID: "u-md", Username: "md", Role: survey.RoleManager, Units: []string{"00008"}}
	good := plan.TargetInput{Indicator: "BIRTH_REG_U5", Unit: "00004", Period: "2026", Value: f(98), BaselineValue: f(90), BaselinePeriod: "2025"}
	cases := []struct {
		name  string
		actor survey.Actor
		in    plan.TargetInput
		code  survey.Code
		field []string
	}{
		{"a supervisor may not", officer, good, survey.CodeForbidden, nil},
		{"outside the manager's area", district, good, survey.CodeForbidden, nil},
		{"unknown indicator", manager, plan.TargetInput{Indicator: "NOPE", Unit: "00004", Period: "2026", Value: f(1)}, survey.CodeInvalid, []string{"/indicator:unknown_indicator"}},
		{"a percent over 100", manager, plan.TargetInput{Indicator: "BIRTH_REG_U5", Unit: "00004", Period: "2026", Value: f(101)}, survey.CodeInvalid, []string{"/value:range"}},
		{"a percent where less is better", manager, plan.TargetInput{Indicator: "BIRTH_REG_U5", Unit: "00004", Period: "2026", Value: f(1), Better: "less"}, survey.CodeInvalid, []string{"/better:percent_more"}},
		{"a count not whole", manager, plan.TargetInput{Indicator: "CHILD_POP", Unit: "00004", Period: "2026", Value: f(1.5)}, survey.CodeInvalid, []string{"/value:integer"}},
		{"off the grid", manager, plan.TargetInput{Indicator: "CHILD_POP", Unit: "00004", Period: "2026-01", Value: f(1)}, survey.CodeInvalid, []string{"/period:invalid"}},
		{"a district after the reform", manager, plan.TargetInput{Indicator: "CHILD_POP", Unit: "001", Period: "2026", Value: f(1)}, survey.CodeInvalid, []string{"/unit:unknown_unit"}},
		{"a baseline not before", manager, plan.TargetInput{Indicator: "CHILD_POP", Unit: "00004", Period: "2026", Value: f(1), BaselineValue: f(2), BaselinePeriod: "2026Q1"}, survey.CodeInvalid, []string{"/baseline_period:not_before"}},
		{"a baseline without a period", manager, plan.TargetInput{Indicator: "CHILD_POP", Unit: "00004", Period: "2026", Value: f(1), BaselineValue: f(2)}, survey.CodeInvalid, []string{"/baseline_period:required"}},
	}
	for _, c := range cases {
		_, err := w.plan.SetTarget(ctx, c.actor, c.in)
		if code(err) != c.code || !slices.Equal(fields(err), c.field) {
			t.Errorf("%s: %v %v, want %s %v", c.name, code(err), fields(err), c.code, c.field)
		}
	}
	// A district code before the reform is a unit of its own.
	if _, err := w.plan.SetTarget(ctx, manager, plan.TargetInput{Indicator: "CHILD_POP", Unit: "001", Period: "2025Q1", Value: f(10)}); err != nil {
		t.Errorf("a district's target before the reform: %v", err)
	}
	got, err := w.plan.SetTarget(ctx, manager, good)
	if err != nil {
		t.Fatal(err)
	}
	changed := good
	changed.Value = f(99)
	if _, err := w.plan.SetTarget(ctx, manager, changed); err != nil {
		t.Fatal(err)
	}
	list, err := w.plan.Targets(ctx, officer, "2026")
	if err != nil || len(list) != 1 || list[0].Value != 99 || list[0].ID != got.ID {
		t.Fatalf("the commune officer's targets: %+v %v", list, err)
	}
	if list, _ := w.plan.Targets(ctx, officer2, "2026"); len(list) != 0 {
		t.Errorf("another commune's officer sees %d targets", len(list))
	}
	if err := w.plan.RemoveTarget(ctx, district, "2026", "00004", "BIRTH_REG_U5"); code(err) != survey.CodeForbidden {
		t.Errorf("removing outside the area: %v", err)
	}
	if err := w.plan.RemoveTarget(ctx, manager, "2026", "00004", "BIRTH_REG_U5"); err != nil {
		t.Fatal(err)
	}
	if err := w.plan.RemoveTarget(ctx, manager, "2026", "00004", "BIRTH_REG_U5"); code(err) != survey.CodeNotFound {
		t.Errorf("removing twice: %v", err)
	}
	entries, err := w.store.ListAudit(ctx, survey.AuditQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	want := []string{plan.AuditTargetRemove, plan.AuditTargetSet, plan.AuditTargetSet, plan.AuditTargetSet}
	if d := cmp.Diff(want, actions); d != "" {
		t.Errorf("audit (-want +got):\n%s", d)
	}
}

// TestImportAllOrNothing: one bad row among good ones changes nothing and
// the error names the row and the field.
func TestImportAllOrNothing(t *testing.T) {
	t.Parallel()
	w := mustWorld(t)
	rows := []plan.TargetInput{
		{Indicator: "CHILD_POP", Unit: "00004", Period: "2026", Value: f(300)},
		{Indicator: "BIRTH_REG_U5", Unit: "00008", Period: "2026", Value: f(120)},
		{Indicator: "CHILD_POP", Unit: "00004", Period: "2026", Value: f(310)},
	}
	_, err := w.plan.ImportTargets(ctx, manager, rows)
	if d := cmp.Diff([]string{"/targets/1/value:range", "/targets/2/indicator:duplicate"}, fields(err)); d != "" {
		t.Errorf("import errors (-want +got):\n%s", d)
	}
	if all, _ := w.store.Targets(ctx, ""); len(all) != 0 {
		t.Fatalf("a failed import stored %d targets", len(all))
	}
	rows[1].Value, rows = f(99), rows[:2]
	ts, err := w.plan.ImportTargets(ctx, manager, rows)
	if err != nil || len(ts) != 2 {
		t.Fatalf("import: %v", err)
	}
	if all, _ := w.store.Targets(ctx, "2026"); len(all) != 2 {
		t.Errorf("stored %d targets, want 2", len(all))
	}
}

func TestOnTrack(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		better string
		value  *float64
		want   *bool
	}{{"more", f(10), bp(true)}, {"more", f(9), bp(false)}, {"less", f(9), bp(true)}, {"less", f(11), bp(false)}, {"more", nil, nil}} {
		tg := &plan.Target{Value: 10, Better: c.better}
		if got := tg.OnTrack(c.value); !cmp.Equal(got, c.want) {
			t.Errorf("%s %v: %v, want %v", c.better, c.value, got, c.want)
		}
	}
}

func bp(b bool) *bool { return &b }

// TestImportCSV: a file with one bad row changes nothing and the error
// names the row by its line and the column; the same file put right
// imports every row.
func TestImportCSV(t *testing.T) {
	t.Parallel()
	w := mustWorld(t)
	file := "\ufeffindicator,unit,period,value,better,baseline_value,baseline_period\n" +
		"CHILD_POP,00004,2026,300,less,,\n" +
		"\n" +
		"BIRTH_REG_U5,00008,2026,9x,,90,2025\n" +
		"SCHOOL_6_14,00008,2026Q1,97.5,,95,2025\n"
	_, err := w.plan.ImportCSV(ctx, manager, strings.NewReader(file))
	if d := cmp.Diff([]string{"/rows/4/value:number"}, fields(err)); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	if all, _ := w.store.Targets(ctx, ""); len(all) != 0 {
		t.Fatalf("a failed import stored %d targets", len(all))
	}
	_, err = w.plan.ImportCSV(ctx, manager, strings.NewReader(strings.Replace(file, "9x", "101", 1)))
	if d := cmp.Diff([]string{"/rows/4/value:range"}, fields(err)); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	_, err = w.plan.ImportCSV(ctx, manager, strings.NewReader("indicator,unit,value,colour\n"))
	if d := cmp.Diff([]string{"/rows/1/colour:unknown_column", "/rows/1/period:missing_column"}, fields(err)); d != "" {
		t.Errorf("header errors (-want +got):\n%s", d)
	}
	ts, err := w.plan.ImportCSV(ctx, manager, strings.NewReader(strings.Replace(file, "9x", "98", 1)))
	if err != nil || len(ts) != 3 {
		t.Fatalf("import: %d %v", len(ts), err)
	}
	if ts[0].Better != plan.BetterLess || ts[2].Baseline == nil || ts[2].Baseline.Value != 95 {
		t.Errorf("imported: %+v %+v", ts[0], ts[2].Baseline)
	}
}
