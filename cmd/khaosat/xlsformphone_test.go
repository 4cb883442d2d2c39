package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/schema"
	"github.com/khaosat/khaosat/internal/xlsform"
)

// TestPhoneValidatesImportedXLSForm reads a workbook with a repeat,
// relevance, constraints and a generated id, and checks that the phone's
// validation (web/shared/validate.js) finds exactly the errors the
// server's does, and that the phone hides what the relevance hides.
func TestPhoneValidatesImportedXLSForm(t *testing.T) {
	t.Parallel()
	rows := append(append([][]string{}, visitRows...),
		[]string{"text", "phone", "Điện thoại", "Phone", "", "", "regex(., '^[0-9]{8,15}$')"},
		[]string{"select_one yes_no", "has_card", "Có thẻ", "Has a card", "", "${age} > 5 and ${in_school} != 'no'"},
	)
	res, err := xlsform.Read(bytes.NewReader(workbook(t, "visit", rows)), xlsform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := schema.Compile(res.Schema)
	if err != nil {
		t.Fatal(err)
	}
	base := func() map[string]any {
		return map[string]any{"child_id": "0b8f2a64-7d43-4c8e-9a51-3f0e2b6c9d10", "age": 9, "in_school": "yes", "school_name": "Tiểu học A",
			"visits": []any{map[string]any{"visit_date": "2026-06-01"}}, "has_card": "yes"}
	}
	cases := []map[string]any{base()}
	for _, change := range []func(map[string]any){
		func(d map[string]any) { delete(d, "school_name") },
		func(d map[string]any) { d["in_school"] = "no"; delete(d, "school_name") },
		func(d map[string]any) { d["age"] = 18 },
		func(d map[string]any) { d["age"] = 3 },
		func(d map[string]any) { d["phone"] = "12ab" },
		func(d map[string]any) { d["child_id"] = "abc" },
		func(d map[string]any) {
			d["visits"] = []any{map[string]any{}, map[string]any{}, map[string]any{}, map[string]any{}}
		},
		func(d map[string]any) { d["in_school"] = "no"; d["has_card"] = "no" },
	} {
		d := base()
		change(d)
		cases = append(cases, d)
	}
	server := make([][]string, len(cases))
	for i, c := range cases {
		var data any
		dec := json.NewDecoder(bytes.NewReader([]byte(mustJSON(t, c))))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil {
			t.Fatal(err)
		}
		server[i] = []string{}
		for _, e := range f.Validate(data, time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)) {
			server[i] = append(server[i], e.Path+" "+e.Code)
		}
		sort.Strings(server[i])
	}
	tb := newTab(t, shared.base)
	tb.do(chromedp.Navigate(shared.base + "/"))
	phone := evalIn[[][]string](tb, fmt.Sprintf(`(async () => {
		const { validate } = await import('/shared/validate.js');
		const schema = %s, cases = %s;
		return cases.map(c => validate(schema, c, '2026-06-15').map(e => e.path + ' ' + e.code).sort());
	})()`, res.Schema, mustJSON(t, cases)))
	if diff := cmp.Diff(server, phone); diff != "" {
		t.Errorf("phone and server disagree (-server +phone):\n%s", diff)
	}
	if len(server[1]) == 0 || len(server[3]) == 0 || len(server[8]) == 0 {
		t.Errorf("the rules under test found nothing: %v", server)
	}
	hidden := evalIn[[]string](tb, fmt.Sprintf(`(async () => {
		const { rules } = await import('/shared/form.js');
		const schema = %s;
		return [...rules(schema, {age: 9, in_school: 'no'}).hidden].sort();
	})()`, res.Schema))
	if diff := cmp.Diff([]string{"has_card", "school_name"}, hidden); diff != "" {
		t.Errorf("hidden on the phone (-want +got):\n%s", diff)
	}
}
