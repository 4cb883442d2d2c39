package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"github.com/khaosat/khaosat/internal/xlsform"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// workbook writes an XLSForm with the given survey rows, the choices and
// settings of a child-visit form named id.
func workbook(tb testing.TB, id string, survey [][]string) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheets := []struct {
		name string
		rows [][]string
	}{
		{"survey", append([][]string{{"type", "name", "label::vi", "label::en", "required", "relevant", "constraint", "calculation"}}, survey...)},
		{"choices", [][]string{{"list_name", "name", "label::vi", "label::en"}, {"yes_no", "yes", "Có", "Yes"}, {"yes_no", "no", "Không", "No"}}},
		{"settings", [][]string{{"form_id", "form_title::vi", "form_title::en"}, {id, "Phiếu thăm trẻ", "Child visit"}}},
	}
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				tb.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			tb.Fatal(err)
		}
		for r, row := range s.rows {
			cells := make([]any, len(row))
			for j, c := range row {
				cells[j] = c
			}
			at, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(s.name, at, &cells); err != nil {
				tb.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// visitRows have a repeat, a relevance, a constraint and a calculation.
var visitRows = [][]string{
	{"text", "child_id", "Mã trẻ", "Child ID", "", "", "", "uuid()"},
	{"begin_group", "about", "Về trẻ", "About the child"},
	{"integer", "age", "Tuổi", "Age", "yes", "", ". >= 0 and . <= 17"},
	{"select_one yes_no", "in_school", "Đang đi học", "In school", "yes"},
	{"text", "school_name", "Tên trường", "School", "yes", "${in_school} = 'yes'"},
	{"end_group"},
	{"begin_repeat", "visits", "Các lần thăm", "Visits", "", "", "count(.) <= 3"},
	{"date", "visit_date", "Ngày thăm", "Visit date", "yes"},
	{"end_repeat"},
}

// TestXLSFormDraftJourney: a designer starts a form from a workbook,
// a broken workbook changes nothing, the form is published, collected
// and downloaded again as XLSForm.
func TestXLSFormDraftJourney(t *testing.T) {
	des := newUser(t, shared, "designer")
	col := newUser(t, shared, "collector", "00004")
	id := newFormID()
	base := "/api/v1/forms/" + id

	r := col.raw("PUT", base+"/draft", workbook(t, id, visitRows), "Content-Type", xlsxType)
	wantStatus(t, r, http.StatusForbidden, "a collector sends a workbook")

	r = des.raw("PUT", base+"/draft", workbook(t, id, visitRows), "Content-Type", xlsxType)
	wantStatus(t, r, http.StatusCreated, "start a form from a workbook")
	var draft struct {
		Hash     string
		Schema   map[string]any
		Warnings []struct{ Path, Code string }
	}
	r.json(t, &draft)
	if len(draft.Warnings) != 1 || draft.Warnings[0].Path != "/survey/3/type" || draft.Warnings[0].Code != xlsform.CodeNotKept {
		t.Errorf("warnings = %+v, want the group's heading at /survey/3/type", draft.Warnings)
	}
	wantStatus(t, des.raw("PUT", base+"/draft", workbook(t, id, visitRows), "Content-Type", xlsxType), http.StatusOK, "save it again")

	// Five kinds of mistake: five row-level errors, the draft unchanged.
	broken := append([][]string{}, visitRows...)
	broken = append(broken,
		[]string{"rank", "favourite", "Ưa thích", "Favourite"},
		[]string{"integer", "Siblings", "Anh chị em", "Siblings"},
		[]string{"select_one colours", "colour", "Màu", "Colour"},
		[]string{"text", "remark", "Ghi chú", ""},
		[]string{"text", "teacher", "Giáo viên", "Teacher", "", "${at_school} = 'yes'"},
	)
	r = des.raw("PUT", base+"/draft", workbook(t, id, broken), "Content-Type", xlsxType)
	wantStatus(t, r, http.StatusUnprocessableEntity, "a workbook with five mistakes")
	e := r.errorBody(t)
	var got []string
	for _, f := range e.Error.Fields {
		got = append(got, f.Path+" "+f.Code)
		if !strings.Contains(f.Messages.VI, "dòng") || !strings.Contains(f.Messages.EN, "row") {
			t.Errorf("%s: want the row named in both languages: %+v", f.Path, f.Messages)
		}
	}
	want := []string{"/survey/11/type type", "/survey/12/name name", "/survey/13/type choices", "/survey/14/label::en label", "/survey/15/relevant expression"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("errors (-want +got):\n%s", diff)
	}
	r = des.do("GET", base+"/draft", nil)
	wantStatus(t, r, http.StatusOK, "read the draft")
	var after struct{ Hash string }
	r.json(t, &after)
	if after.Hash != draft.Hash {
		t.Fatalf("the refused workbook changed the draft: %s → %s", draft.Hash, after.Hash)
	}

	// Published and collected: validated as any form.
	wantStatus(t, des.do("POST", base+"/publish", map[string]any{"notes": "from XLSForm"}), http.StatusCreated, "publish")
	ok := map[string]any{"child_id": "0b8f2a64-7d43-4c8e-9a51-3f0e2b6c9d10", "age": 9, "in_school": "yes", "school_name": "Tiểu học A",
		"visits": []any{map[string]any{"visit_date": "2026-06-01"}}}
	wantStatus(t, col.do("POST", base+"/submissions", formEnvelope(1, ok)), http.StatusCreated, "a valid submission")
	bad := map[string]any{"age": 18, "in_school": "yes", "visits": []any{map[string]any{}, map[string]any{}, map[string]any{}, map[string]any{}}}
	r = col.do("POST", base+"/submissions", formEnvelope(1, bad))
	wantStatus(t, r, http.StatusUnprocessableEntity, "an invalid submission")
	e = r.errorBody(t)
	for _, f := range []struct{ path, code string }{{"/data/age", "maximum"}, {"/data/school_name", "required"}, {"/data/visits", "max_items"}, {"/data/visits/0/visit_date", "required"}} {
		if !e.hasField(f.path, f.code) {
			t.Errorf("want %s %s, got %s", f.path, f.code, r.body)
		}
	}

	// Downloaded as XLSForm, it reads back into the published form.
	r = col.do("GET", base+"/versions/1/xlsform", nil)
	wantStatus(t, r, http.StatusOK, "download the version")
	if ct := r.header.Get("Content-Type"); ct != xlsxType {
		t.Errorf("Content-Type %q", ct)
	}
	res, err := xlsform.Read(bytes.NewReader(r.body), xlsform.Options{})
	if err != nil {
		t.Fatalf("read the download: %v", err)
	}
	var back map[string]any
	if err := json.Unmarshal(res.Schema, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(draft.Schema, back); diff != "" {
		t.Errorf("download differs from the published form (-published +download):\n%s", diff)
	}
}

// TestXLSFormShippedDownload downloads each shipped form as XLSForm and
// reads it back into the very version the server holds.
func TestXLSFormShippedDownload(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	for _, id := range []string{"household", "disability", "labour"} {
		r := col.do("GET", "/api/v1/forms/"+id+"/versions/1", nil)
		wantStatus(t, r, http.StatusOK, "read "+id)
		var v struct{ Schema map[string]any }
		r.json(t, &v)
		r = col.do("GET", "/api/v1/forms/"+id+"/versions/1/xlsform", nil)
		wantStatus(t, r, http.StatusOK, "download "+id)
		res, err := xlsform.Read(bytes.NewReader(r.body), xlsform.Options{})
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		var back map[string]any
		if err := json.Unmarshal(res.Schema, &back); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(v.Schema, back); diff != "" {
			t.Errorf("%s: (-served +download):\n%s", id, diff)
		}
	}
}

// TestFormsImportCommand runs `khaosat forms import` on a good and a
// broken workbook, and `forms export` on a shipped form.
func TestFormsImportCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "visit.xlsx")
	if err := os.WriteFile(good, workbook(t, "visit", visitRows), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "visit.json")
	var stdout, stderr strings.Builder
	if err := run(context.Background(), []string{"forms", "import", "--out", out, good}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("import: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "survey, row 3, column type: not_kept") {
		t.Errorf("want the group warning with its row, got %q", stdout.String())
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"forms", "lint", out}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("the imported form does not lint: %v\n%s", err, stdout.String())
	}

	broken := filepath.Join(dir, "broken.xlsx")
	rows := append(append([][]string{}, visitRows...), []string{"rank", "favourite", "Ưa thích", "Favourite"})
	if err := os.WriteFile(broken, workbook(t, "broken", rows), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	err := run(context.Background(), []string{"forms", "import", "--lang", "vi", "--out", filepath.Join(dir, "broken.json"), broken}, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(stdout.String(), "survey, dòng 11, cột type: type: ") {
		t.Fatalf("want the refused row in Vietnamese, got %v %q", err, stdout.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "broken.json")); !os.IsNotExist(err) {
		t.Errorf("a refused workbook wrote a form: %v", err)
	}

	xl := filepath.Join(dir, "hiv.xlsx")
	stdout.Reset()
	if err := run(context.Background(), []string{"forms", "export", "--out", xl, filepath.Join("..", "..", "forms", "hiv.json")}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("export: %v\n%s", err, stdout.String())
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"forms", "import", "--out", filepath.Join(dir, "hiv.json"), xl}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("import the exported form: %v\n%s", err, stdout.String())
	}
	a, _ := os.ReadFile(filepath.Join("..", "..", "forms", "hiv.json"))
	b, _ := os.ReadFile(filepath.Join(dir, "hiv.json"))
	var av, bv any
	_ = json.Unmarshal(a, &av)
	_ = json.Unmarshal(b, &bv)
	if diff := cmp.Diff(av, bv); diff != "" {
		t.Errorf("hiv after export and import (-shipped +round trip):\n%s", diff)
	}
}

// TestOpenRosaClosedForm: over OpenRosa as over JSON, a closed form
// refuses a new submission (409) and takes a retry (200). On a server of
// its own, so that no phone test sees the form closed.
func TestOpenRosaClosedForm(t *testing.T) {
	t.Parallel()
	ts := mustStart(t, t.TempDir())
	des := newUser(t, ts, "designer")
	col := newUser(t, ts, "collector", unitIn)
	id := newFormID()
	base := "/api/v1/forms/" + id
	wantStatus(t, des.raw("PUT", base+"/draft", workbook(t, id, visitRows), "Content-Type", xlsxType), http.StatusCreated, "import")
	wantStatus(t, des.do("POST", base+"/publish", map[string]any{"notes": "XLSForm"}), http.StatusCreated, "publish")
	prefix, _, _ := enrolOpenRosaOn(t, ts, col)
	app := newClient(t, ts)
	ok := map[string]any{"age": 9, "in_school": "no"}
	sent := instanceXML(id, 1, uuid.NewString(), unitIn, ok, "")
	wantStatus(t, postInstance(t, app, prefix+"/submission", sent), http.StatusCreated, "an instance")
	wantStatus(t, des.do("POST", base+"/close", nil), http.StatusOK, "close")
	wantStatus(t, postInstance(t, app, prefix+"/submission", sent), http.StatusOK, "a retry after close")
	wantStatus(t, postInstance(t, app, prefix+"/submission", instanceXML(id, 1, uuid.NewString(), unitIn, ok, "")), http.StatusConflict, "a new instance after close")
}
