package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"
)

func indicatorEnvelope(unit, date string, data map[string]any) map[string]any {
	return map[string]any{"id": uuid.NewString(), "form_version": 1, "unit": unit, "survey_date": date, "data": data}
}

func hivChild(status, mother string) map[string]any {
	d := map[string]any{"full_name": "Trẻ", "sex": "female", "date_of_birth": "2015-01-01", "hiv_status": status,
		"mother_status": mother, "father_status": "alive_healthy", "household_adult_ill": "no", "caregiver": "parent",
		"attends_school": "yes", "support_received": []any{}}
	if status == "positive" {
		d["on_art"] = "yes"
	}
	return d
}

type tableRow struct {
	Indicator   string   `json:"indicator"`
	Unit        string   `json:"unit"`
	UnitName    string   `json:"unit_name"`
	Hierarchy   string   `json:"hierarchy"`
	Sex         string   `json:"sex"`
	AgeGroup    string   `json:"age_group"`
	Numerator   *int     `json:"numerator"`
	Denominator *int     `json:"denominator"`
	Value       *float64 `json:"value"`
	Suppressed  bool     `json:"suppressed"`
}

type table struct {
	Rows []tableRow `json:"rows"`
}

// asRecords renders JSON rows as the CSV/XLSX columns would.
func asRecords(rows []tableRow) [][]string {
	out := [][]string{{"indicator", "unit", "unit_name", "hierarchy", "sex", "age_group", "numerator", "denominator", "value", "suppressed"}}
	for _, r := range rows {
		num, den, val := "", "", ""
		if r.Numerator != nil {
			num = strconv.Itoa(*r.Numerator)
		}
		if r.Denominator != nil {
			den = strconv.Itoa(*r.Denominator)
		}
		if r.Value != nil {
			val = strconv.FormatFloat(*r.Value, 'f', -1, 64)
		}
		out = append(out, []string{r.Indicator, r.Unit, r.UnitName, r.Hierarchy, r.Sex, r.AgeGroup, num, den, val, strconv.FormatBool(r.Suppressed)})
	}
	return out
}

// TestIndicatorsAPI: definitions, tables as JSON, CSV and XLSX with equal
// rows, suppression by role, scope, and precise errors, over real HTTP.
func TestIndicatorsAPI(t *testing.T) {
	const unit, day = "00097", "2026-02-10"
	col := newUser(t, shared, "collector", unit)
	households := []map[string]any{householdData(t), householdData(t)}
	for _, h := range households {
		if r := col.do("POST", "/api/v1/forms/household/submissions", indicatorEnvelope(unit, day, h)); r.status != http.StatusCreated {
			t.Fatalf("household: %d %s", r.status, r.body)
		}
	}
	for _, h := range []map[string]any{hivChild("positive", "alive_healthy"), hivChild("negative", "deceased_aids"), hivChild("negative", "alive_healthy")} {
		if r := col.do("POST", "/api/v1/forms/hiv/submissions", indicatorEnvelope(unit, day, h)); r.status != http.StatusCreated {
			t.Fatalf("hiv: %d %s", r.status, r.body)
		}
	}
	admin := adminClient(t, shared)

	var defs struct {
		Items []struct {
			Code string `json:"code"`
		} `json:"items"`
	}
	admin.do("GET", "/api/v1/indicators", nil).json(t, &defs)
	if len(defs.Items) != 16 || defs.Items[0].Code != "CHILD_POP" {
		t.Errorf("definitions: %+v", defs.Items)
	}

	q := "/api/v1/indicators/table?from=2026-02-01&to=2026-02-28&unit=" + unit + "&by=sex,age_group"
	var js table
	admin.do("GET", q, nil).json(t, &js)
	if len(js.Rows) != 16*2*4 {
		t.Fatalf("%d rows, want %d", len(js.Rows), 16*2*4)
	}
	var pop int
	for _, r := range js.Rows {
		if r.Indicator == "CHILD_POP" && r.Numerator != nil {
			pop += *r.Numerator
		}
	}
	if pop == 0 {
		t.Errorf("CHILD_POP is 0 after two households")
	}
	want := asRecords(js.Rows)

	r := admin.do("GET", q+"&format=csv", nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", r.status, r.header.Get("Content-Type"))
	}
	got, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("CSV differs from the JSON rows (-json +csv):\n%s", d)
	}

	r = admin.do("GET", q+"&format=xlsx", nil)
	if r.status != http.StatusOK {
		t.Fatalf("xlsx: %d", r.status)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	got, err = f.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range got {
		for len(row) < len(want[0]) {
			row = append(row, "") // GetRows drops trailing empty cells
		}
		row[len(row)-1] = strings.ToLower(row[len(row)-1])
	}
	for i := range got {
		for len(got[i]) < len(want[0]) {
			got[i] = append(got[i], "")
		}
		got[i][len(got[i])-1] = strings.ToLower(got[i][len(got[i])-1])
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("XLSX differs from the JSON rows (-json +xlsx):\n%s", d)
	}

	// Suppression: AIDS_ORPHANS is 1 here. Without the grant a sensitive
	// indicator is asked for a quarter or a year (the grid); with it, for
	// any range.
	cell := func(c *client, period string) tableRow {
		var one table
		c.do("GET", "/api/v1/indicators/AIDS_ORPHANS?"+period+"&unit="+unit, nil).json(t, &one)
		if len(one.Rows) != 1 {
			t.Fatalf("AIDS_ORPHANS rows: %+v", one.Rows)
		}
		return one.Rows[0]
	}
	if c := cell(newUser(t, shared, "manager", unit), "from=2026-02-01&to=2026-02-28"); c.Suppressed || c.Numerator == nil || *c.Numerator != 1 {
		t.Errorf("manager: %+v", c)
	}
	sup := newUser(t, shared, "supervisor", unit)
	if c := cell(sup, "period=2026Q1"); !c.Suppressed || c.Numerator != nil || c.Denominator != nil || c.Value != nil {
		t.Errorf("supervisor without the grant: %+v", c)
	}
	if r := sup.do("GET", "/api/v1/indicators/CHILD_POP?from=2026-02-01&to=2026-02-28&unit="+unit, nil); r.status != http.StatusOK {
		t.Errorf("supervisor, an indicator that is not sensitive over a month: %d %s", r.status, r.body)
	}

	for _, tt := range []struct {
		name   string
		c      *client
		path   string
		status int
		field  string
	}{
		{"collector", col, "/api/v1/indicators", http.StatusForbidden, ""},
		{"bad period", admin, "/api/v1/indicators/table?period=2026Q5", http.StatusBadRequest, "?period"},
		{"unknown code in the list", admin, "/api/v1/indicators/table?codes=CHILD_POP,NOPE", http.StatusBadRequest, "?codes"},
		{"unknown parameter", admin, "/api/v1/indicators/table?levle=commune", http.StatusBadRequest, "?levle"},
		{"bad level", admin, "/api/v1/indicators/table?level=ward", http.StatusBadRequest, "?level"},
		{"unknown indicator", admin, "/api/v1/indicators/NOPE", http.StatusNotFound, ""},
		{"outside the caller's units", newUser(t, shared, "manager", "00070"), q, http.StatusForbidden, ""},
		{"sensitive over a month, without the grant", sup, "/api/v1/indicators/AIDS_ORPHANS?from=2026-02-01&to=2026-02-28&unit=" + unit, http.StatusUnprocessableEntity, "?from"},
		{"sensitive over part of a quarter, without the grant", sup, "/api/v1/indicators/table?from=2026-01-01&to=2026-02-28&unit=" + unit, http.StatusUnprocessableEntity, "?to"},
		{"sensitive over two quarters, without the grant", sup, "/api/v1/indicators/table?codes=ON_ART&from=2026-01-01&to=2026-06-30&unit=" + unit + "&format=csv", http.StatusUnprocessableEntity, "?to"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.do("GET", tt.path, nil)
			if r.status != tt.status {
				t.Fatalf("%d %s, want %d", r.status, r.body, tt.status)
			}
			if tt.field != "" {
				e := r.errorBody(t)
				if len(e.Error.Fields) != 1 || e.Error.Fields[0].Path != tt.field || e.Error.Messages.VI == "" || e.Error.Messages.EN == "" {
					t.Errorf("error does not name %s in vi and en: %s", tt.field, r.body)
				}
			}
		})
	}
}

// TestIndicatorsCLI: `khaosat indicators` prints the table of a data
// directory, and `indicators rebuild` recomputes the facts.
func TestIndicatorsCLI(t *testing.T) {
	dir := t.TempDir()
	ts, err := startServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	col := newUser(t, ts, "collector", "00070")
	if r := col.do("POST", "/api/v1/forms/labour/submissions", indicatorEnvelope("00070", "2026-03-03", map[string]any{
		"full_name": "Trẻ", "sex": "male", "date_of_birth": "2014-03-03", "econ_hours": 14, "chore_hours": 0,
		"hazardous_conditions": []any{}, "works_far_from_family": "no", "attends_school": "yes", "sector": "trade"})); r.status != http.StatusCreated {
		t.Fatalf("labour: %d %s", r.status, r.body)
	}
	hiv := envelope(validExamples(t, "hiv")["positive_on_art.json"])
	hiv["unit"] = "00070"
	if r := col.do("POST", "/api/v1/forms/hiv/submissions", hiv); r.status != http.StatusCreated {
		t.Fatalf("hiv: %d %s", r.status, r.body)
	}
	if r := adminClient(t, ts).do("POST", "/api/v1/users", map[string]any{"username": "cli-supervisor", "password": "password-cli-sup",
		"display_name": "Giám sát", "role": "supervisor", "units": []string{"00070"}}); r.status != http.StatusCreated {
		t.Fatalf("supervisor: %d %s", r.status, r.body)
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"indicators", "rebuild", "--data-dir", dir}, nil, &out, &errOut); err != nil {
		t.Fatalf("rebuild: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "rebuilt the indicator facts of 2 submissions") {
		t.Errorf("rebuild printed %q", out.String())
	}
	out.Reset()
	args := []string{"indicators", "--data-dir", dir, "--period", "2026", "--level", "commune", "--codes", "CHILD_LABOUR", "--format", "csv"}
	if err := run(context.Background(), args, nil, &out, &errOut); err != nil {
		t.Fatalf("indicators: %v\n%s", err, errOut.String())
	}
	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 127 {
		t.Errorf("%d lines, want a header and 126 communes", len(recs))
	}
	found := false
	for _, r := range recs {
		if r[1] == "00070" {
			found = true
			if d := cmp.Diff([]string{"CHILD_LABOUR", "00070", "Phường Hoàn Kiếm", "hanoi-2025-07", "", "", "1", "1", "100"}, r); d != "" {
				t.Errorf("00070 (-want +got):\n%s", d)
			}
		}
	}
	if !found {
		t.Errorf("no row for 00070:\n%s", out.String())
	}
	// As a supervisor without the sensitive grant, the one hiv child is
	// suppressed: numerator, denominator and value.
	out.Reset()
	args = []string{"indicators", "--data-dir", dir, "--period", "2026", "--codes", "HIV_STATUS_KNOWN", "--format", "csv", "--as", "cli-supervisor"}
	if err := run(context.Background(), args, nil, &out, &errOut); err != nil {
		t.Fatalf("indicators --as: %v\n%s", err, errOut.String())
	}
	if recs, err = csv.NewReader(&out).ReadAll(); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"indicator", "unit", "unit_name", "hierarchy", "sex", "age_group", "numerator", "denominator", "value"},
		{"HIV_STATUS_KNOWN", "00070", "Phường Hoàn Kiếm", "hanoi-2025-07", "", "", "(suppressed)", "(suppressed)", "(suppressed)"}}
	if d := cmp.Diff(want, recs); d != "" {
		t.Errorf("--as cli-supervisor (-want +got):\n%s", d)
	}
	if err := run(context.Background(), []string{"indicators", "--data-dir", dir, "--period", "2026Q9"}, nil, &out, &errOut); err == nil {
		t.Errorf("a bad period was accepted")
	}
	// Off the grid of years and quarters, the same user is refused the
	// sensitive indicator, the flag named; the operator is not.
	month := []string{"indicators", "--data-dir", dir, "--from", "2026-02-01", "--to", "2026-02-28", "--codes", "HIV_STATUS_KNOWN", "--format", "csv"}
	err = run(context.Background(), append(month, "--as", "cli-supervisor"), nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "--from") || !strings.Contains(err.Error(), "calendar year or quarter") {
		t.Errorf("--as cli-supervisor over a month: %v, want the range refused naming --from", err)
	}
	if err := run(context.Background(), month, nil, &out, &errOut); err != nil {
		t.Errorf("the operator over a month: %v", err)
	}
}
