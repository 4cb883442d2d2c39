package main

import (
	"net/http"
	"net/url"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAnswerFilters lists submissions with q= conditions on answers, run
// by the embedded engine (conditions on one repeat hold for one item).
func TestAnswerFilters(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	post := func(name string, change func(d map[string]any)) string {
		d := householdData(t)
		change(d)
		env := envelope(d)
		if r := col.do("POST", "/api/v1/forms/household/submissions", env); r.status != http.StatusCreated {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
		return name
	}
	ids := map[string]string{}
	record := func(name string) { ids[name] = name }
	// A: as in the example: girls born 2011 (with relatives) and 2023, a boy born 2017.
	record(post("A", func(map[string]any) {}))
	record(post("B", func(d map[string]any) { // one boy
		d["members_total"] = 3
		d["poverty_status"] = "poor"
		d["children"] = d["children"].([]any)[1:2]
	}))
	record(post("C", func(d map[string]any) { // one girl born 2011, with relatives
		d["members_total"] = 10
		d["poverty_status"] = "poor"
		d["children"] = d["children"].([]any)[0:1]
	}))
	names := func(q string) ([]string, response) {
		r := col.do("GET", "/api/v1/forms/household/submissions?q="+url.QueryEscape(q), nil)
		if r.status != http.StatusOK {
			return nil, r
		}
		var page struct {
			Items []struct {
				Data map[string]any `json:"data"`
			} `json:"items"`
		}
		r.json(t, &page)
		var out []string
		for _, it := range page.Items {
			switch it.Data["members_total"] {
			case float64(6):
				out = append(out, "A")
			case float64(3):
				out = append(out, "B")
			case float64(10):
				out = append(out, "C")
			}
		}
		sort.Strings(out)
		return out, r
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"children.sex:female", []string{"A", "C"}},
		{"children.sex:male", []string{"A", "B"}},
		{"members_total>=6", []string{"A", "C"}},
		{"members_total<6", []string{"B"}},
		{"members_total>6,members_total<=10", []string{"C"}},
		{"poverty_status:poor", []string{"B", "C"}},
		{"poverty_status!=poor", []string{"A"}},
		{"children.sex:male,children.date_of_birth<2015-01-01", nil}, // no boy born before 2015
		{"children.sex:female,children.date_of_birth>=2020-01-01", []string{"A"}},
		{"children.sex:female,poverty_status:poor", []string{"C"}},
		{"head_name:Nguyễn Văn Hùng,members_total:3", []string{"B"}},
	} {
		got, r := names(tc.q)
		if r.status != 0 && r.status != http.StatusOK {
			t.Errorf("q=%s: %d %s", tc.q, r.status, r.body)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("q=%s (-want +got):\n%s", tc.q, d)
		}
	}
	for _, tc := range []struct{ q, code string }{
		{"nosuch:1", "unknown_field"},
		{"children.nosuch:1", "unknown_field"},
		{"members_total>=abc", "type"},
		{"children.date_of_birth>2020", "type"},
		{"children.sex>=female", "operator"},
		{"children.special_circumstances:hiv", "sensitive"},
		{"children.support_types:cash_allowance", "sensitive"}, // what support a child gets can tell the circumstance
		{"children.receiving_support:yes", "sensitive"},
		{"children:x", "not_filterable"},
		{"poverty_status:rich", "enum"},
		{"members_total", "format"},
		{"data.$where:1", "format"},
		{"a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1,j:1,k:1", "too_many"},
	} {
		r := col.do("GET", "/api/v1/forms/household/submissions?q="+url.QueryEscape(tc.q), nil)
		if r.status != http.StatusBadRequest || !r.errorBody(t).hasField("?q", tc.code) {
			t.Errorf("q=%s: %d %s, want 400 ?q %s", tc.q, r.status, r.body, tc.code)
		}
	}
}
