package indicator_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

// cell is what a test expects of one row: numerator, denominator, value
// (nil: null), suppressed.
type cell struct {
	Num   any
	Den   any
	Value any
	Supp  bool
}

func cells(t *testing.T, w *world, actor survey.Actor, q indicator.TableQuery) map[string]cell {
	t.Helper()
	tab, err := w.indicators.Table(context.Background(), actor, q)
	if err != nil {
		t.Fatalf("%+v: %v", q, err)
	}
	out := map[string]cell{}
	for _, r := range tab.Rows {
		k := r.Indicator
		if r.AgeGroup != "" {
			k += " " + r.AgeGroup
		}
		out[k] = cell{ptr(r.Numerator), ptr(r.Denominator), ptr(r.Value), r.Suppressed}
	}
	return out
}

func child(sex, dob string, kv ...any) map[string]any {
	c := map[string]any{"child_id": uuid.NewString(), "full_name": "Trẻ", "sex": sex, "date_of_birth": dob,
		"birth_registered": "yes", "lives_with": "both_parents", "mother_alive": "yes", "father_alive": "yes",
		"in_school": "not_applicable", "health_insurance": "yes", "special_circumstances": []any{}}
	for i := 0; i < len(kv); i += 2 {
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

func env(unit, date string, data map[string]any) map[string]any {
	return map[string]any{"id": uuid.NewString(), "form_version": 1, "unit": unit, "survey_date": date, "data": data}
}

func household(children ...any) map[string]any {
	return map[string]any{"address": "Tổ 1", "head_name": "Chủ hộ", "members_total": len(children) + 2, "poverty_status": "not_poor", "children": children}
}

func labourAt(dob string, econ, chore float64, hazards ...any) map[string]any {
	d := map[string]any{"full_name": "Trẻ", "sex": "male", "date_of_birth": dob, "econ_hours": econ, "chore_hours": chore,
		"hazardous_conditions": append([]any{}, hazards...), "works_far_from_family": "no", "attends_school": "yes"}
	if econ > 0 {
		d["sector"] = "trade"
	}
	return d
}

// TestIndicatorBoundaries: values computed by hand, at each age and hours
// boundary, survey date 2026-05-10.
func TestIndicatorBoundaries(t *testing.T) {
	w := mustWorld(t, nil)
	const day = "2026-05-10"
	w.submit(t, "household", env("00070", day, household(
		child("male", "2021-05-10", "health_insurance", "yes"),                            // exactly 5
		child("female", "2021-05-11", "birth_registered", "no", "health_insurance", "no"), // 4, a day before 5
		child("male", "2014-05-10", "in_school", "yes", "special_circumstances", []any{"violence"}, "receiving_support", "yes",
			"mother_alive", "no", "father_alive", "no"), // exactly 12
		child("female", "2011-05-10", "in_school", "no", "special_circumstances", []any{"disabled"}, "receiving_support", "no",
			"mother_alive", "no"), // exactly 15
		child("female", "2008-05-11", "in_school", "yes", "father_alive", "no"), // 17, a day before 18
	)))
	for _, l := range []map[string]any{
		labourAt("2014-05-10", 13.5, 0), labourAt("2014-05-10", 14, 0), // 12: 13.5 vs 14 hours
		labourAt("2018-01-01", 0, 21), labourAt("2018-01-01", 0, 21.5), // 8: chores exactly 21 vs 21.5
		labourAt("2011-05-10", 42.5, 0, "heavy_loads"), labourAt("2011-05-10", 43, 0), // 15: 42.5 vs 43
		labourAt("2021-05-10", 1, 0), // exactly 5, one hour
	} {
		w.submit(t, "labour", env("00070", day, l))
	}
	got := cells(t, w, admin, indicator.TableQuery{Period: "2026", Unit: "00070"})
	want := map[string]cell{
		"CHILD_POP":        {4, 5, 4.0, false},
		"CSPC_RATE":        {2, 4, 50.0, false},
		"CSPC_ASSISTED":    {1, 2, 50.0, false},
		"BIRTH_REG_U5":     {0, 1, 0.0, false},
		"ORPHAN_RATE":      {3, 5, 60.0, false},
		"DOUBLE_ORPHANS":   {1, 5, 1.0, false},
		"SCHOOL_6_14":      {1, 1, 100.0, false},
		"HEALTH_INS_U6":    {1, 2, 50.0, false},
		"FUNC_DIFF_2_4":    {0, 0, nil, false},
		"FUNC_DIFF_5_17":   {0, 0, nil, false},
		"CHILD_LABOUR":     {4, 7, 57.1, false},
		"HAZARDOUS_WORK":   {1, 7, 14.3, false},
		"HIV_STATUS_KNOWN": {0, 0, nil, false},
		"ON_ART":           {0, 0, nil, false},
		"AIDS_ORPHANS":     {0, 0, nil, false},
		"OVC_SUPPORT":      {0, 0, nil, false},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("indicators (-want +got):\n%s", d)
	}
	byAge := cells(t, w, admin, indicator.TableQuery{Period: "2026", Unit: "00070", Codes: []string{"CHILD_LABOUR", "HEALTH_INS_U6"}, By: []string{"age_group"}})
	wantAge := map[string]cell{
		"CHILD_LABOUR 0-4": {0, 0, nil, false}, "CHILD_LABOUR 5-11": {2, 3, 66.7, false},
		"CHILD_LABOUR 12-14": {1, 2, 50.0, false}, "CHILD_LABOUR 15-17": {1, 2, 50.0, false},
		"HEALTH_INS_U6 0-4": {0, 1, 0.0, false}, "HEALTH_INS_U6 5-11": {1, 1, 100.0, false},
		"HEALTH_INS_U6 12-14": {0, 0, nil, false}, "HEALTH_INS_U6 15-17": {0, 0, nil, false},
	}
	if d := cmp.Diff(wantAge, byAge); d != "" {
		t.Errorf("by age group (-want +got):\n%s", d)
	}
}

func TestPercentRounding(t *testing.T) {
	for _, tt := range []struct {
		num, den int
		want     float64
	}{{1, 8, 12.5}, {1, 16, 6.3}, {3, 16, 18.8}, {1, 3, 33.3}, {2, 3, 66.7}, {1, 2000, 0.1}, {1, 2001, 0}, {0, 5, 0}, {7, 7, 100}} {
		if got := indicator.Percent(tt.num, tt.den); got != tt.want {
			t.Errorf("Percent(%d, %d) = %v, want %v", tt.num, tt.den, got, tt.want)
		}
	}
}

func hivAt(status, onART, mother string, support ...any) map[string]any {
	d := map[string]any{"full_name": "Trẻ", "sex": "female", "date_of_birth": "2016-03-01", "hiv_status": status,
		"mother_status": mother, "father_status": "alive_healthy", "household_adult_ill": "no", "caregiver": "parent",
		"attends_school": "yes", "support_received": append([]any{}, support...)}
	if onART != "" {
		d["on_art"] = onART
	}
	return d
}

// TestIndicatorSuppression: sensitive cells with a numerator or a
// denominator of 1–4 are hidden (numerator, denominator and value) from a
// supervisor without the sensitive grant, and only from them; ON_ART's
// denominator of 2 (children living with HIV) was shown before.
func TestIndicatorSuppression(t *testing.T) {
	w := mustWorld(t, nil)
	for _, d := range []map[string]any{
		hivAt("positive", "yes", "alive_healthy"), hivAt("positive", "no", "alive_healthy"), hivAt("negative", "", "deceased_aids"),
		hivAt("negative", "", "alive_healthy", "medical"), hivAt("negative", "", "alive_healthy"), hivAt("unknown", "", "alive_healthy"),
	} {
		w.submit(t, "hiv", env("00070", "2026-03-02", d))
	}
	q := indicator.TableQuery{Period: "2026", Unit: "00070", Codes: []string{"HIV_STATUS_KNOWN", "ON_ART", "AIDS_ORPHANS", "OVC_SUPPORT"}}
	open := map[string]cell{
		"HIV_STATUS_KNOWN": {5, 6, 83.3, false}, "ON_ART": {1, 2, 50.0, false},
		"AIDS_ORPHANS": {1, 6, 1.0, false}, "OVC_SUPPORT": {1, 6, 16.7, false},
	}
	hidden := map[string]cell{
		"HIV_STATUS_KNOWN": {5, 6, 83.3, false}, "ON_ART": {nil, nil, nil, true},
		"AIDS_ORPHANS": {nil, nil, nil, true}, "OVC_SUPPORT": {nil, nil, nil, true},
	}
	for _, tt := range []struct {
		name  string
		actor survey.Actor
		want  map[string]cell
	}{
		{"admin", admin, open},
		{"manager", survey.Actor{UserID: "m", Role: survey.RoleManager, Units: []string{"01"}}, open},
		{"supervisor with the grant", survey.Actor{UserID: "s1", Role: survey.RoleSupervisor, Units: []string{"00070"}, SensitiveAccess: true}, open},
		{"supervisor without the grant", survey.Actor{UserID: "s2", Role: survey.RoleSupervisor, Units: []string{"00070"}}, hidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, cells(t, w, tt.actor, q)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	for _, tt := range []struct {
		name  string
		actor survey.Actor
		q     indicator.TableQuery
		code  survey.Code
	}{
		{"collector", survey.Actor{UserID: "c", Role: survey.RoleCollector, Units: []string{"00070"}}, q, survey.CodeForbidden},
		{"designer", survey.Actor{UserID: "d", Role: survey.RoleDesigner}, q, survey.CodeForbidden},
		{"supervisor outside their units", survey.Actor{UserID: "s3", Role: survey.RoleSupervisor, Units: []string{"00082"}}, q, survey.CodeForbidden},
		{"manager asking for the city", survey.Actor{UserID: "m2", Role: survey.RoleManager, Units: []string{"00082"}},
			indicator.TableQuery{Period: "2026", Unit: "01"}, survey.CodeForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.indicators.Table(context.Background(), tt.actor, tt.q)
			if survey.ErrorCode(err) != tt.code {
				t.Errorf("got %v, want %s", err, tt.code)
			}
		})
	}
}

// TestIndicatorHierarchy: rows follow the hierarchy valid on each survey
// date, across the reform of 2025-07-01.
func TestIndicatorHierarchy(t *testing.T) {
	w := mustWorld(t, nil)
	w.submit(t, "household", env("00004", "2025-06-30", household(child("male", "2022-01-01"))))                                // Phường Trúc Bạch, Quận Ba Đình
	w.submit(t, "household", env("00004", "2025-07-01", household(child("male", "2022-01-01"), child("female", "2020-01-01")))) // Phường Ba Đình
	w.submit(t, "household", env("00001", "2024-03-01", household(child("female", "2019-01-01"))))
	type row struct {
		Hier, Unit, Name string
		Den              int
	}
	rows := func(q indicator.TableQuery) (all int, nonzero []row) {
		t.Helper()
		q.Codes = []string{"CHILD_POP"}
		tab, err := w.indicators.Table(context.Background(), admin, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		for _, r := range tab.Rows {
			if *r.Denominator > 0 {
				nonzero = append(nonzero, row{r.Hierarchy, r.Unit, r.UnitName, *r.Denominator})
			}
		}
		return len(tab.Rows), nonzero
	}
	for _, tt := range []struct {
		q    indicator.TableQuery
		all  int
		want []row
	}{
		{indicator.TableQuery{Period: "2025", Level: "commune"}, 526 + 126, []row{
			{"hanoi-2025-03", "00004", "Phường Trúc Bạch", 1}, {"hanoi-2025-07", "00004", "Phường Ba Đình", 2}}},
		{indicator.TableQuery{Period: "2025", Level: "district"}, 30, []row{{"hanoi-2025-03", "001", "Quận Ba Đình", 1}}},
		{indicator.TableQuery{Period: "2025", Level: "city"}, 1, []row{{"", "01", "Thành phố Hà Nội", 3}}},
		{indicator.TableQuery{Period: "2025Q3", Level: "commune"}, 126, []row{{"hanoi-2025-07", "00004", "Phường Ba Đình", 2}}},
		{indicator.TableQuery{Period: "2024", Level: "district"}, 30, []row{{"hanoi-2025-03", "001", "Quận Ba Đình", 1}}},
		{indicator.TableQuery{Period: "2024", Unit: "001", Level: "commune"}, 13, []row{{"hanoi-2025-03", "00001", "Phường Phúc Xá", 1}}},
		{indicator.TableQuery{Period: "2026", Level: "commune"}, 126, nil},
		{indicator.TableQuery{Period: "2026", Level: "district"}, 0, nil},
		{indicator.TableQuery{From: "2025-06-30", To: "2025-06-30", Unit: "00004"}, 1, []row{{"hanoi-2025-03", "00004", "Phường Trúc Bạch", 1}}},
	} {
		all, got := rows(tt.q)
		if all != tt.all {
			t.Errorf("%+v: %d rows, want %d", tt.q, all, tt.all)
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%+v (-want +got):\n%s", tt.q, d)
		}
	}
	if _, err := w.indicators.Table(context.Background(), admin, indicator.TableQuery{Period: "2026", Unit: "001"}); survey.ErrorCode(err) != survey.CodeMalformed {
		t.Errorf("a 2024 district in 2026: got %v, want malformed", err)
	}
}

// TestIndicatorFactsMoveAndRebuild: an edit moving a submission to
// another commune and month moves its facts with it (in the same write);
// a changed definition set makes start-up rebuild every fact.
func TestIndicatorFactsMoveAndRebuild(t *testing.T) {
	w := mustWorld(t, nil)
	life := survey.NewLifecycle(w.intake, w.store, survey.NewAuditor(w.store))
	ctx := context.Background()
	q := indicator.TableQuery{Period: "2026", Unit: "00070", Codes: []string{"CHILD_POP"}}
	pop := func() any { return cells(t, w, admin, q)["CHILD_POP"].Num }

	w.submit(t, "household", env("00070", "2026-02-01", household(child("male", "2020-01-01"))))
	moved := w.submit(t, "household", env("00070", "2026-02-02", household(child("male", "2020-01-01"), child("male", "2019-01-01"))))
	if got := pop(); got != 3 {
		t.Fatalf("after intake: CHILD_POP %v, want 3", got)
	}
	e := env("00082", "2026-04-05", household(child("male", "2020-01-01"), child("male", "2019-01-01")))
	e["id"] = moved.ID
	body, _ := json.Marshal(e)
	if _, err := life.Edit(ctx, admin, "household", moved.ID, 1, body); err != nil {
		t.Fatal(err)
	}
	if got := pop(); got != 1 {
		t.Errorf("after the move: CHILD_POP in 00070 %v, want 1", got)
	}
	if got := cells(t, w, admin, indicator.TableQuery{Period: "2026Q2", Unit: "00082", Codes: []string{"CHILD_POP"}})["CHILD_POP"].Num; got != 2 {
		t.Errorf("after the move: CHILD_POP in 00082 %v, want 2", got)
	}

	if err := w.store.SetIndicatorSetHash(ctx, "an older definition set"); err != nil {
		t.Fatal(err)
	}
	if err := w.indicators.EnsureCurrent(ctx); err != nil {
		t.Fatal(err)
	}
	if got := pop(); got != 1 {
		t.Errorf("after the rebuild: CHILD_POP %v, want 1", got)
	}
	current, _ := w.store.IndicatorSetHash(ctx)
	if !strings.HasPrefix(current, w.indicators.Set().Hash+"/") {
		t.Errorf("stored hash %q, want the set's and the facts format", current)
	}
	// Facts kept in the format before sensitive cells were sealed (the
	// bare set hash) are rebuilt too.
	if err := w.store.SetIndicatorSetHash(ctx, w.indicators.Set().Hash); err != nil {
		t.Fatal(err)
	}
	if err := w.indicators.EnsureCurrent(ctx); err != nil {
		t.Fatal(err)
	}
	if h, _ := w.store.IndicatorSetHash(ctx); h != current {
		t.Errorf("after the rebuild of an older format: stored hash %q, want %q", h, current)
	}
}
