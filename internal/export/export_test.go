package export_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/khaosat/khaosat/internal/export"
	"github.com/khaosat/khaosat/internal/schema"
	"github.com/khaosat/khaosat/internal/survey"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixture is a fixed small data set: three household submissions from
// forms/testdata, as Intake.View gives them to writers.
func fixture(tb testing.TB, o survey.ExportOptions) (*survey.ExportSpec, []*survey.ExportRecord) {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "forms", "household.json"))
	if err != nil {
		tb.Fatal(err)
	}
	sf, err := schema.Compile(raw)
	if err != nil {
		tb.Fatal(err)
	}
	spec := &survey.ExportSpec{Form: &survey.Form{ID: "household", CurrentVersion: 1}, Fields: sf.Fields, Options: o}
	var recs []*survey.ExportRecord
	for i, name := range []string{"three_children", "no_children", "boundary_ages"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "forms", "testdata", "household", "valid", name+".json"))
		if err != nil {
			tb.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var data map[string]any
		if err := dec.Decode(&data); err != nil {
			tb.Fatal(err)
		}
		recs = append(recs, &survey.ExportRecord{
			ID: fmt.Sprintf("00000000-0000-4000-8000-00000000000%d", i+1), FormVersion: 1, Unit: "00004", UnitName: "Phường Ba Đình",
			SurveyDate: time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC), Collector: "thu-thap-1",
			ReceivedAt: time.Date(2026, 6, 15, 9, 30, i, 125e6, time.UTC), Revision: 1 + i%2, ReviewState: survey.ReviewReceived,
			Data: sf.FromStorage(sf.ToStorage(data)),
		})
	}
	return spec, recs
}

// run exports the fixture with the named format.
func run(tb testing.TB, format string, o survey.ExportOptions) []byte {
	tb.Helper()
	o.Format = format
	spec, recs := fixture(tb, o)
	var buf bytes.Buffer
	w, err := export.Formats()[format].New(&buf, spec)
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got):\n%s", name, diff)
	}
}

// unzip returns the entries of a zip, in order, as name → content.
func unzip(t *testing.T, b []byte) ([]string, map[string]string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		c, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		files[f.Name] = string(c)
	}
	return names, files
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name, format string
		o            survey.ExportOptions
	}{
		{"codes.csv", "csv", survey.ExportOptions{Labels: "codes"}},
		{"vi-labels-split.csv", "csv", survey.ExportOptions{Labels: "vi", HeaderLabels: true, Split: true}},
		{"en-split.csv", "csv", survey.ExportOptions{Labels: "en", Split: true}},
		{"vi.zip.txt", "zip", survey.ExportOptions{Labels: "vi"}},
		{"en-split.zip.txt", "zip", survey.ExportOptions{Labels: "en", Split: true, HeaderLabels: true}},
		{"vi.xlsx.txt", "xlsx", survey.ExportOptions{Labels: "vi"}},
		{"en.xlsx.txt", "xlsx", survey.ExportOptions{Labels: "en", HeaderLabels: true}},
		{"export.jsonl", "jsonl", survey.ExportOptions{Labels: "codes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := run(t, tt.format, tt.o)
			switch tt.format {
			case "zip":
				names, files := unzip(t, b)
				var dump strings.Builder
				for _, n := range names {
					fmt.Fprintf(&dump, "==> %s <==\n%s", n, files[n])
				}
				b = []byte(dump.String())
			case "xlsx":
				b = dumpXLSX(t, b)
			}
			golden(t, tt.name, b)
		})
	}
}

// dumpXLSX reads a workbook back with excelize and prints every sheet's
// cells with their types.
func dumpXLSX(t *testing.T, b []byte) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the XLSX does not open: %v", err)
	}
	defer f.Close()
	var dump strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&dump, "==> %s <==\n", sheet)
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				typ, _ := f.GetCellType(sheet, cell)
				if c > 0 {
					dump.WriteString("\t")
				}
				if typ == excelize.CellTypeNumber || (typ == excelize.CellTypeUnset && v != "") { // a number: no type attribute
					v = "#" + v
				}
				dump.WriteString(v)
			}
			dump.WriteString("\n")
		}
	}
	return []byte(dump.String())
}

func TestCSVIsExcelFriendly(t *testing.T) {
	b := run(t, "csv", survey.ExportOptions{Labels: "vi"})
	if !bytes.HasPrefix(b, []byte("\uFEFF")) {
		t.Error("no UTF-8 byte order mark")
	}
	if !bytes.Contains(b, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(b, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("line ends are not all CRLF")
	}
}

func TestXLSXHasOneSheetPerTable(t *testing.T) {
	b := run(t, "xlsx", survey.ExportOptions{})
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if diff := cmp.Diff([]string{"household", "children", "children_left"}, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	rows, err := f.GetRows("children")
	if err != nil {
		t.Fatal(err)
	}
	// Header + 3 children of the first household + those of boundary_ages.
	if len(rows) < 4 {
		t.Errorf("children sheet has %d rows", len(rows))
	}
}

func TestZipLeavesNoTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	run(t, "zip", survey.ExportOptions{})
	spec, recs := fixture(t, survey.ExportOptions{Format: "zip"})
	w, err := export.NewZip(io.Discard, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(recs[0]); err != nil {
		t.Fatal(err)
	}
	w.Discard() // a failed export
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}
