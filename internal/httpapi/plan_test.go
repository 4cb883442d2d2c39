package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
}

func (a *api) csv(path, tok, body string) response {
	a.t.Helper()
	return a.raw("POST", path, tok, []byte(body), map[string]string{"Content-Type": "text/csv; charset=utf-8"})
}

// TestPlanAPI: targets imported from a CSV (a bad row changes nothing),
// the dashboard against them, a commune's report submitted, returned by
// the city, submitted again after a late edit and approved, the city's
// status view, reminders, and the report as XLSX.
func TestPlanAPI(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	manager := a.user("manager", "01")
	officer := a.user("supervisor", "00004")
	city := a.user("supervisor", "01")
	col := a.user("collector", "00004")
	a.submit(col, "00004")

	const header = "indicator,unit,period,value,better,baseline_value,baseline_period\n"
	bad := header + "CHILD_POP,00004,2026Q2,2,more,,\nBIRTH_REG_U5,00008,2026Q2,120,,,\n"
	r := a.csv("/api/v1/plan/targets/import", manager, bad)
	if r.status != http.StatusUnprocessableEntity || !cmp.Equal(r.error(t).fields(), []string{"/rows/3/value range"}) {
		t.Fatalf("a bad row: %d %s", r.status, r.body)
	}
	var list struct {
		Items []map[string]any `json:"items"`
	}
	a.do("GET", "/api/v1/plan/targets?period=2026Q2", manager, nil).decode(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("a failed import stored %d targets", len(list.Items))
	}
	if r := a.do("POST", "/api/v1/plan/targets/import", manager, map[string]any{}); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("a JSON import: %d", r.status)
	}
	if r := a.csv("/api/v1/plan/targets/import", officer, bad); r.status != http.StatusForbidden {
		t.Errorf("a supervisor imports: %d", r.status)
	}
	good := header + "CHILD_POP,00004,2026Q2,50,more,1,2025\nCHILD_POP,00008,2026Q2,50,,,\n"
	if r := a.csv("/api/v1/plan/targets/import", manager, good); r.status != http.StatusOK {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	if r := a.do("PUT", "/api/v1/plan/targets/2026Q2/00004/BIRTH_REG_U5", manager, map[string]any{"value": 100}); r.status != http.StatusOK {
		t.Fatalf("put target: %d %s", r.status, r.body)
	}
	if r := a.do("PUT", "/api/v1/plan/targets/2026Q2/00004/BIRTH_REG_U5", manager, map[string]any{"value": 100, "colour": 1}); r.status != http.StatusBadRequest {
		t.Errorf("an unknown field: %d", r.status)
	}

	var dash struct {
		Rows []struct {
			Indicator string   `json:"indicator"`
			Value     *float64 `json:"value"`
			OnTrack   *bool    `json:"on_track"`
			Baseline  *float64 `json:"baseline"`
			Trend     []any    `json:"trend"`
		} `json:"rows"`
	}
	r = a.do("GET", "/api/v1/plan/dashboard?period=2026Q2&unit=00004", officer, nil)
	if r.status != http.StatusOK {
		t.Fatalf("dashboard: %d %s", r.status, r.body)
	}
	r.decode(t, &dash)
	verdicts := map[string]bool{}
	for _, row := range dash.Rows {
		if row.OnTrack != nil {
			verdicts[row.Indicator] = *row.OnTrack
		}
		if row.Indicator == "CHILD_POP" && (row.Baseline == nil || *row.Baseline != 1 || len(row.Trend) != 4) {
			t.Errorf("CHILD_POP row: %+v", row)
		}
	}
	if d := cmp.Diff(map[string]bool{"CHILD_POP": false, "BIRTH_REG_U5": true}, verdicts); d != "" {
		t.Errorf("on track (-want +got):\n%s", d)
	}

	report := "/api/v1/plan/reports/2026Q2/00004"
	if r := a.do("POST", report+"/submit", officer, nil); r.status != http.StatusOK {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	if r := a.do("POST", report+"/approve", officer, nil); r.status != http.StatusForbidden {
		t.Errorf("the commune approves itself: %d", r.status)
	}
	if r := a.do("POST", report+"/return", city, map[string]any{}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a return without a comment: %d %s", r.status, r.body)
	}
	if r := a.do("POST", report+"/return", city, map[string]any{"comment": "Thiếu số liệu"}); r.status != http.StatusOK {
		t.Fatalf("return: %d %s", r.status, r.body)
	}
	var rem struct {
		Items []struct {
			Kind, Unit, Comment string
		} `json:"items"`
	}
	a.do("GET", "/api/v1/plan/reminders?period=2026Q2", officer, nil).decode(t, &rem)
	if len(rem.Items) != 1 || rem.Items[0].Kind != "returned" || rem.Items[0].Comment != "Thiếu số liệu" {
		t.Errorf("the officer's reminders: %+v", rem)
	}
	a.submit(col, "00004") // a late edit
	var view struct {
		State   string `json:"state"`
		Version struct {
			Hash string `json:"hash"`
		} `json:"version"`
		Cells   []map[string]any `json:"cells"`
		Changes []struct {
			Indicator      string `json:"indicator"`
			Sex            string `json:"sex"`
			AgeGroup       string `json:"age_group"`
			DeltaNumerator *int   `json:"delta_numerator"`
		} `json:"changes"`
	}
	a.do("GET", report, officer, nil).decode(t, &view)
	found := false
	for _, c := range view.Changes {
		found = found || (c.Indicator == "CHILD_POP" && c.Sex == "" && c.AgeGroup == "" && c.DeltaNumerator != nil && *c.DeltaNumerator > 0)
	}
	if !found || view.State != "returned" || len(view.Version.Hash) != 64 {
		t.Errorf("the frozen report after a late edit: %+v", view)
	}
	if r := a.do("POST", report+"/submit", officer, nil); r.status != http.StatusOK {
		t.Fatalf("resubmit: %d %s", r.status, r.body)
	}
	if r := a.do("POST", report+"/approve", city, nil); r.status != http.StatusOK {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	if r := a.do("POST", report+"/approve", city, nil); r.status != http.StatusConflict {
		t.Errorf("approving twice: %d", r.status)
	}
	var st struct {
		Counts map[string]int `json:"counts"`
		Units  []struct {
			Code    string `json:"code"`
			State   string `json:"state"`
			OnTrack int    `json:"on_track"`
		} `json:"units"`
	}
	r = a.do("GET", "/api/v1/plan/status?period=2026Q2", city, nil)
	if r.status != http.StatusOK {
		t.Fatalf("status: %d %s", r.status, r.body)
	}
	r.decode(t, &st)
	if st.Counts["approved"] != 1 || len(st.Units) != 126 {
		t.Errorf("status: %v, %d units", st.Counts, len(st.Units))
	}
	r = a.do("GET", report+"/xlsx?version=1", officer, nil)
	if r.status != http.StatusOK {
		t.Fatalf("xlsx: %d %s", r.status, r.body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := f.GetCellValue("report", "B9")
	a.do("GET", report+"?version=1", officer, nil).decode(t, &view)
	if hash != view.Version.Hash {
		t.Errorf("the workbook's hash %q, the report's %q", hash, view.Version.Hash)
	}
	if r := a.do("GET", report+"?version=x", officer, nil); r.status != http.StatusBadRequest {
		t.Errorf("a bad version: %d", r.status)
	}
	other := a.user("supervisor", "00008")
	if r := a.do("GET", report, other, nil); r.status != http.StatusNotFound {
		t.Errorf("another commune reads the report: %d", r.status)
	}
}
