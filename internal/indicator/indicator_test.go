package indicator_test

import (
	"encoding/json"
	"io/fs"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/schema"
)

func mustForms(tb testing.TB) map[string]*schema.Form {
	tb.Helper()
	names, err := fs.Glob(khaosat.Content, path.Join(khaosat.FormsDir, "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	forms := map[string]*schema.Form{}
	for _, n := range names {
		raw, err := fs.ReadFile(khaosat.Content, n)
		if err != nil {
			tb.Fatal(err)
		}
		f, err := schema.Compile(raw)
		if err != nil {
			tb.Fatal(err)
		}
		forms[f.ID] = f
	}
	return forms
}

func mustSet(tb testing.TB) *indicator.Set {
	tb.Helper()
	raw, err := fs.ReadFile(khaosat.Content, khaosat.IndicatorsFile)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := indicator.Load(raw, mustForms(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestLoadShippedSet(t *testing.T) {
	s := mustSet(t)
	want := []string{"CHILD_POP", "CSPC_RATE", "CSPC_ASSISTED", "BIRTH_REG_U5", "ORPHAN_RATE", "DOUBLE_ORPHANS",
		"SCHOOL_6_14", "HEALTH_INS_U6", "FUNC_DIFF_2_4", "FUNC_DIFF_5_17", "CHILD_LABOUR", "HAZARDOUS_WORK",
		"HIV_STATUS_KNOWN", "ON_ART", "AIDS_ORPHANS", "OVC_SUPPORT"}
	if len(s.Indicators) != len(want) {
		t.Fatalf("got %d indicators, want %d", len(s.Indicators), len(want))
	}
	for i, code := range want {
		if s.Indicators[i].Code != code {
			t.Errorf("indicator %d is %s, want %s", i, s.Indicators[i].Code, code)
		}
	}
	// Sensitive: every indicator of the hiv form and those reading
	// special_circumstances (INDICATORS.md), whatever the file says.
	for _, code := range []string{"ON_ART", "HIV_STATUS_KNOWN", "AIDS_ORPHANS", "OVC_SUPPORT", "CSPC_RATE", "CSPC_ASSISTED"} {
		if ind, _ := s.ByCode(code); !ind.Sensitive {
			t.Errorf("%s is not sensitive", code)
		}
	}
	for _, code := range []string{"CHILD_POP", "BIRTH_REG_U5", "ORPHAN_RATE", "SCHOOL_6_14", "CHILD_LABOUR", "FUNC_DIFF_2_4"} {
		if ind, _ := s.ByCode(code); ind.Sensitive {
			t.Errorf("%s is sensitive", code)
		}
	}
}

// TestLoadRejects: a wrong definition fails to load with the indicator
// code and the position of the mistake.
func TestLoadRejects(t *testing.T) {
	base := indicator.Definition{Code: "X_TEST", Name: schema.Label{VI: "x", EN: "x"}, Rule: schema.Label{VI: "x", EN: "x"},
		Type: "percent", Form: "household", Rows: "children", Denominator: "age >= 0 && age <= 15", Numerator: "in_school == 'yes'"}
	tests := []struct {
		name string
		edit func(d *indicator.Definition)
		want []string
	}{
		{"unknown field", func(d *indicator.Definition) { d.Numerator = "in_shcool == 'yes'" },
			[]string{"indicator X_TEST", "X_TEST numerator:1:1", "undeclared reference to 'in_shcool'"}},
		{"type error", func(d *indicator.Definition) { d.Denominator = "age >= 0 && sex > 3" },
			[]string{"indicator X_TEST", "X_TEST denominator:1:", "no matching overload"}},
		{"not a bool", func(d *indicator.Definition) { d.Numerator = "age + 1" },
			[]string{"indicator X_TEST", "want bool"}},
		{"unknown choice code", func(d *indicator.Definition) { d.Numerator = "in_school == 'yess'" },
			[]string{"indicator X_TEST", "X_TEST numerator:1:14", "yess", "not a choice of field in_school"}},
		{"unknown code in a list", func(d *indicator.Definition) { d.Numerator = "'hvi' in special_circumstances" },
			[]string{"X_TEST numerator:1:1", "hvi"}},
		{"field of another form", func(d *indicator.Definition) { d.Numerator = "hiv_status == 'positive'" },
			[]string{"X_TEST numerator", "undeclared reference to 'hiv_status'"}},
		{"root field on child rows", func(d *indicator.Definition) { d.Numerator = "poverty_status == 'poor'" },
			[]string{"undeclared reference to 'poverty_status'"}},
		{"unknown form", func(d *indicator.Definition) { d.Form = "households" }, []string{"indicator X_TEST", "unknown form"}},
		{"unknown rows", func(d *indicator.Definition) { d.Rows = "kids" }, []string{"indicator X_TEST", "no repeat \"kids\""}},
		{"bad type", func(d *indicator.Definition) { d.Type = "ratio" }, []string{"indicator X_TEST", "type"}},
		{"syntax", func(d *indicator.Definition) { d.Numerator = "in_school == " }, []string{"X_TEST numerator:1:"}},
	}
	forms := mustForms(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := base
			tt.edit(&d)
			raw, _ := json.Marshal(map[string]any{"indicators": []indicator.Definition{d}})
			_, err := indicator.Load(raw, forms)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	raw, _ := json.Marshal(map[string]any{"indicators": []indicator.Definition{base}})
	if _, err := indicator.Load(raw, forms); err != nil {
		t.Fatalf("the base definition does not load: %v", err)
	}
}

func TestEvalBoundaries(t *testing.T) {
	s := mustSet(t)
	survey := time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
	born := func(years int, dayOffset int) time.Time { return survey.AddDate(-years, 0, dayOffset) }
	labour, _ := s.ByCode("CHILD_LABOUR")
	tests := []struct {
		name             string
		dob              time.Time
		econ, chore      float64
		wantDen, wantNum bool
	}{
		{"age 4 (day before 5th birthday)", born(5, 1), 5, 0, false, false},
		{"age exactly 5, 1 hour", born(5, 0), 1, 0, true, true},
		{"age 5, 0.5 hours", born(5, 0), 0.5, 0, true, false},
		{"age 11, chores exactly 21", born(11, 0), 0, 21, true, false},
		{"age 11, chores 21.5", born(11, 0), 0, 21.5, true, true},
		{"age exactly 12, 13.5 hours", born(12, 0), 13.5, 0, true, false},
		{"age exactly 12, 14 hours", born(12, 0), 14, 0, true, true},
		{"age 14, chores 22", born(14, 0), 0, 22, true, true},
		{"age exactly 15, chores 40", born(15, 0), 0, 40, true, false},
		{"age exactly 15, 42.5 hours", born(15, 0), 42.5, 0, true, false},
		{"age exactly 15, 43 hours", born(15, 0), 43, 0, true, true},
		{"age 17, 43 hours", born(18, 1), 43, 0, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := map[string]any{"date_of_birth": tt.dob, "econ_hours": tt.econ, "chore_hours": tt.chore, "sex": "male", "hazardous_conditions": []any{}}
			den, num, err := labour.Eval(indicator.Vars(labour.Fields(), row, survey))
			if err != nil {
				t.Fatal(err)
			}
			if den != tt.wantDen || num != tt.wantNum {
				t.Errorf("got den=%v num=%v, want %v %v", den, num, tt.wantDen, tt.wantNum)
			}
		})
	}
}
