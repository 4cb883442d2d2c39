package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/khaosat/khaosat/internal/survey"
)

// pseudonymRE is the shape of a keyed pseudonym.
var pseudonymRE = regexp.MustCompile(`^P-[A-Z2-7]{16}$`)

// personalNames returns the names and phones (x-personal text) of the
// household examples sent, which no export may hold for a caller without
// the personal grant.
func personalNames(sent map[string]map[string]any) []string {
	var out []string
	for _, e := range sent {
		data := e["data"].(map[string]any)
		for _, k := range []string{"head_name", "head_phone"} {
			if s, ok := data[k].(string); ok {
				out = append(out, s)
			}
		}
		kids, _ := data["children"].([]any)
		for _, kid := range kids {
			if s, ok := kid.(map[string]any)["full_name"].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// grantPersonal gives the account the personal-data grant, as an admin.
func grantPersonal(t *testing.T, c *client) {
	t.Helper()
	var me struct {
		ID string `json:"id"`
	}
	c.do("GET", "/api/v1/me", nil).json(t, &me)
	r := adminClient(t, shared).do("PATCH", "/api/v1/users/"+me.ID, map[string]any{"personal_access": true})
	if r.status != http.StatusOK {
		t.Fatalf("grant personal_access: %d %s", r.status, r.body)
	}
}

// personalAdmin is the shared server's admin, given the personal grant
// (no role implies it): its exports hold the answers as they were sent.
func personalAdmin(t *testing.T) *client {
	t.Helper()
	adm := adminClient(t, shared)
	grantPersonal(t, adm)
	return adm
}

// TestExportPseudonymisesPersonal: a manager without the personal grant
// gets every x-personal answer as a keyed pseudonym, in every format: the
// same name gives the same pseudonym in two exports, different names give
// different ones, and no name is anywhere in the file; the export's audit
// entry says so. A manager given the grant gets the names.
func TestExportPseudonymisesPersonal(t *testing.T) {
	sent := submitExamples(t, "00301")
	names := personalNames(sent)
	if len(names) < 4 {
		t.Fatalf("the examples hold only %d names", len(names))
	}
	mgr := newUser(t, shared, "manager", "00301")
	noName := func(format string, body []byte) {
		t.Helper()
		for _, n := range names {
			if bytes.Contains(body, []byte(n)) {
				t.Errorf("%s export without the grant holds %q", format, n)
			}
		}
	}
	exportCSV := func(c *client) []map[string]string {
		t.Helper()
		r := c.raw("GET", "/api/v1/forms/household/export?format=csv&unit=00301", nil)
		if r.status != http.StatusOK {
			t.Fatalf("csv export: %d %s", r.status, r.body)
		}
		noName("csv", r.body)
		return parseCSV(t, r.body)
	}
	first, second := exportCSV(mgr), exportCSV(mgr)
	byID := func(rows []map[string]string) map[string]map[string]string {
		m := map[string]map[string]string{}
		for _, r := range rows {
			m[r["id"]] = r
		}
		return m
	}
	again := byID(second)
	seen := map[string]string{} // pseudonym → name
	for _, row := range first {
		data := sent[row["id"]]["data"].(map[string]any)
		name := data["head_name"].(string)
		p := row["head_name"]
		if !pseudonymRE.MatchString(p) {
			t.Errorf("head_name %q is not a pseudonym", p)
		}
		if again[row["id"]]["head_name"] != p {
			t.Errorf("head_name pseudonym changed between two exports: %q, %q", p, again[row["id"]]["head_name"])
		}
		if other, ok := seen[p]; ok && other != name {
			t.Errorf("%q and %q share the pseudonym %s", other, name, p)
		}
		seen[p] = name
		if phone, ok := data["head_phone"].(string); ok && (row["head_phone"] == phone || !pseudonymRE.MatchString(row["head_phone"])) {
			t.Errorf("head_phone %q is not a pseudonym", row["head_phone"])
		}
		if row["address"] != data["address"] || row["poverty_status"] != data["poverty_status"] {
			t.Errorf("an answer that is not personal changed: %q %q", row["address"], row["poverty_status"])
		}
	}
	if len(seen) < 2 {
		t.Errorf("%d distinct pseudonyms for %d households", len(seen), len(first))
	}

	// The other formats, with the repeat tables.
	r := mgr.raw("GET", "/api/v1/forms/household/export?format=zip&unit=00301", nil)
	if r.status != http.StatusOK {
		t.Fatalf("zip export: %d", r.status)
	}
	files := unzipExport(t, r.body)
	for name, b := range files {
		noName("zip "+name, b)
	}
	for _, kid := range parseCSV(t, files["children.csv"]) {
		if !pseudonymRE.MatchString(kid["full_name"]) {
			t.Errorf("child full_name %q is not a pseudonym", kid["full_name"])
		}
	}
	pseudonymised := false
	for _, c := range parseCSV(t, files["codebook.csv"]) {
		if c["column"] == "full_name" && c["personal"] == "pseudonymised" {
			pseudonymised = true
		}
	}
	if !pseudonymised {
		t.Error("the codebook does not say full_name is pseudonymised")
	}
	r = mgr.raw("GET", "/api/v1/forms/household/export?format=jsonl&unit=00301", nil)
	if r.status != http.StatusOK {
		t.Fatalf("jsonl export: %d", r.status)
	}
	noName("jsonl", r.body)
	for _, l := range strings.Split(strings.TrimSpace(string(r.body)), "\n") {
		var got struct {
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatal(err)
		}
		if s, _ := got.Data["head_name"].(string); !pseudonymRE.MatchString(s) {
			t.Errorf("jsonl head_name %q is not a pseudonym", s)
		}
	}
	r = mgr.raw("GET", "/api/v1/forms/household/export?format=xlsx&unit=00301", nil)
	if r.status != http.StatusOK {
		t.Fatalf("xlsx export: %d", r.status)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	for _, sheet := range f.GetSheetList() {
		rows, _ := f.GetRows(sheet)
		var all bytes.Buffer
		for _, row := range rows {
			all.WriteString(strings.Join(row, "\x1f") + "\n")
		}
		noName("xlsx "+sheet, all.Bytes())
	}
	f.Close()

	// The audit entries say the personal answers were pseudonymised.
	for _, e := range exportEntries(t, dbOf(t, shared), whoami(t, mgr)) {
		if e.Details["personal"] != "pseudonymised" {
			t.Errorf("audit entry of a %v export: personal = %v, want pseudonymised", e.Details["format"], e.Details["personal"])
		}
	}

	// With the grant, the names.
	granted := newUser(t, shared, "manager", "00301")
	grantPersonal(t, granted)
	rows := exportCSV2(t, granted, "00301")
	for _, row := range rows {
		if want := sent[row["id"]]["data"].(map[string]any)["head_name"]; row["head_name"] != want {
			t.Errorf("manager with the grant: head_name %q, want %q", row["head_name"], want)
		}
	}
	for _, e := range exportEntries(t, dbOf(t, shared), whoami(t, granted)) {
		if e.Details["personal"] != "clear" {
			t.Errorf("audit entry with the grant: personal = %v, want clear", e.Details["personal"])
		}
	}
}

// exportCSV2 is a CSV export of unit by c.
func exportCSV2(t *testing.T, c *client, unit string) []map[string]string {
	t.Helper()
	r := c.raw("GET", "/api/v1/forms/household/export?format=csv&unit="+unit, nil)
	if r.status != http.StatusOK {
		t.Fatalf("csv export: %d %s", r.status, r.body)
	}
	return parseCSV(t, r.body)
}

// TestPersonalGrantIsAdmins: only an admin gives the personal grant, to
// any account (an admin's own included: no role implies it), and the
// change is audited; the account shows it.
func TestPersonalGrantIsAdmins(t *testing.T) {
	mgr := newUser(t, shared, "manager", "00322")
	var me struct {
		ID             string `json:"id"`
		PersonalAccess bool   `json:"personal_access"`
	}
	mgr.do("GET", "/api/v1/me", nil).json(t, &me)
	if me.PersonalAccess {
		t.Fatal("a new manager has the personal grant")
	}
	for _, role := range []string{"manager", "supervisor", "designer", "collector"} {
		c := newUser(t, shared, role, "00322")
		if r := c.do("PATCH", "/api/v1/users/"+me.ID, map[string]any{"personal_access": true}); r.status != http.StatusForbidden {
			t.Errorf("%s grants personal_access: %d, want 403", role, r.status)
		}
	}
	adm := adminClient(t, shared)
	r := adm.do("PATCH", "/api/v1/users/"+me.ID, map[string]any{"personal_access": true})
	if r.status != http.StatusOK {
		t.Fatalf("admin grants: %d %s", r.status, r.body)
	}
	var u struct {
		PersonalAccess bool `json:"personal_access"`
	}
	r.json(t, &u)
	if !u.PersonalAccess {
		t.Error("the granted account does not show personal_access")
	}
	found := false
	for _, e := range auditOf(t, "user.change", me.ID) {
		if fs, ok := e.Details["fields"].([]any); ok {
			for _, f := range fs {
				if f == "personal_access" {
					found = true
				}
			}
		}
	}
	if !found {
		t.Error("the grant left no audit entry naming personal_access")
	}
}

// auditOf returns the audit entries of action whose target is target.
func auditOf(t *testing.T, action, target string) []*survey.AuditEntry {
	t.Helper()
	es, err := dbOf(t, shared).ListAudit(context.Background(), survey.AuditQuery{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []*survey.AuditEntry
	for _, e := range es {
		if e.Target == target {
			out = append(out, e)
		}
	}
	return out
}
