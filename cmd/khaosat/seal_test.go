package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/app"
	"github.com/khaosat/khaosat/internal/storetest"
	"github.com/khaosat/khaosat/internal/survey"
)

// oldInstall makes dir an install from before receiving_support and
// support_types were sensitive: household version 1 without the marks, and
// one submission, edited once, whose answers are stored in clear. It
// returns the submission's id.
func oldInstall(t *testing.T, dir string) string {
	t.Helper()
	ctx := context.Background()
	cfg := &Config{DataDir: dir}
	db, err := openDB(ctx, cfg, app.Exclusive)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := survey.NewCatalog(db.Store, log).PublishDir(ctx, fstest.MapFS{"forms/household.json": {Data: storetest.HouseholdV1(t)}}, "forms"); err != nil {
		t.Fatal(err)
	}
	prot, err := protection(cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.Build(ctx, db.Store, app.Config{Log: log, Protection: prot})
	if err != nil {
		t.Fatal(err)
	}
	admin := survey.Actor{UserID: "u-admin", Username: "admin", Role: survey.RoleAdmin}
	id := uuid.NewString()
	if _, _, err := svc.Intake.Submit(ctx, admin, "household", storetest.Household(id, "no")); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Lifecycle.Edit(ctx, admin, "household", id, 1, storetest.Household(id, "yes", "cash_allowance", "legal")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(storedSubmissions(t, dir)[id], "receiving_support") {
		t.Fatal("the old install does not hold receiving_support in clear: nothing to reproduce")
	}
	return id
}

// TestUpgradeSealsStoredSupportAnswers: an existing install starts the
// new version. It publishes household version 2 with its note, seals the
// stored answers in the background while serving, seals those a phone
// still sends on version 1, and every reader sees what its role allows.
func TestUpgradeSealsStoredSupportAnswers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	id := oldInstall(t, dir)
	ts := mustStart(t, dir)
	adm := adminClient(t, ts)

	var v struct {
		Version int    `json:"version"`
		Notes   string `json:"notes"`
	}
	adm.do("GET", "/api/v1/forms/household/versions/2", nil).json(t, &v)
	if v.Version != 2 || !strings.Contains(v.Notes, "receiving_support") {
		t.Errorf("household version 2: %+v, want it published at start with its note", v)
	}
	// The sealing runs in the background: wait for it (bounded).
	for deadline := time.Now().Add(time.Minute); strings.Contains(storedSubmissions(t, dir)[id], "receiving_support"); {
		if time.Now().After(deadline) {
			t.Fatal("the stored answers are still in clear a minute after start")
		}
		time.Sleep(50 * time.Millisecond)
	}

	url := "/api/v1/forms/household/submissions/" + id
	var got struct {
		Revision int            `json:"revision"`
		Data     map[string]any `json:"data"`
		Redacted []string       `json:"redacted"`
	}
	adm.do("GET", url, nil).json(t, &got)
	child := got.Data["children"].([]any)[0].(map[string]any)
	if got.Revision != 2 || child["receiving_support"] != "yes" || len(child["support_types"].([]any)) != 2 {
		t.Errorf("the admin reads revision %d, %v; want revision 2 with the answers as edited", got.Revision, child)
	}
	got.Redacted = nil
	newUser(t, ts, "supervisor", "00004").do("GET", url, nil).json(t, &got)
	if !strings.Contains(strings.Join(got.Redacted, " "), "/children/0/receiving_support") {
		t.Errorf("a supervisor without the grant: redacted %v, want receiving_support among them", got.Redacted)
	}
	// A phone still holding version 1 sends it: accepted, sealed at rest.
	col := newUser(t, ts, "collector", "00004")
	late := uuid.NewString()
	var env map[string]any
	if err := json.Unmarshal(storetest.Household(late, "yes", "education"), &env); err != nil {
		t.Fatal(err)
	}
	if r := col.do("POST", "/api/v1/forms/household/submissions", env); r.status != http.StatusCreated {
		t.Fatalf("a version 1 submission after the upgrade: %d %s", r.status, r.body)
	}
	if doc := storedSubmissions(t, dir)[late]; strings.Contains(doc, "receiving_support") || strings.Contains(doc, "support_types") {
		t.Error("a version 1 submission sent after the upgrade is stored with the answers in clear")
	}
	// The manager's export still has the answers.
	r := newUser(t, ts, "manager", "00004").raw("GET", "/api/v1/forms/household/export?format=jsonl", nil)
	if r.status != http.StatusOK || bytes.Count(r.body, []byte(`"receiving_support":"yes"`)) != 2 {
		t.Errorf("the manager's export: %d, want both submissions' receiving_support:\n%s", r.status, r.body)
	}
}

// TestSealVerb: `khaosat seal` on a stopped install publishes the shipped
// forms and seals the stored answers and kept revisions; a second run
// finds nothing left.
func TestSealVerb(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	id := oldInstall(t, dir)
	var out bytes.Buffer
	args := []string{"seal", "--data-dir", dir, "--log-level", "error"}
	if err := run(context.Background(), args, nil, &out, io.Discard); err != nil {
		t.Fatalf("seal: %v", err)
	}
	if want := "household: sealed 1 of 1 submissions and 1 of 1 kept revisions"; !strings.Contains(out.String(), want) {
		t.Errorf("seal said %q, want %q", out.String(), want)
	}
	if strings.Contains(storedSubmissions(t, dir)[id], "receiving_support") {
		t.Error("receiving_support is still in clear after khaosat seal")
	}
	out.Reset()
	if err := run(context.Background(), args, nil, &out, io.Discard); err != nil {
		t.Fatalf("seal again: %v", err)
	}
	if want := "household: sealed 0 of 1 submissions and 0 of 1 kept revisions"; !strings.Contains(out.String(), want) {
		t.Errorf("the second seal said %q, want %q", out.String(), want)
	}
}

// TestPublishingASensitiveMarkSealsStoredAnswers: a designer publishes a
// household version that marks health_insurance sensitive; the running
// server seals the answers it stored before, without a restart.
func TestPublishingASensitiveMarkSealsStoredAnswers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ts := mustStart(t, dir)
	col := newUser(t, ts, "collector", "00004")
	e := envelope(householdData(t))
	if r := col.do("POST", "/api/v1/forms/household/submissions", e); r.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	id := e["id"].(string)
	if !strings.Contains(storedSubmissions(t, dir)[id], "health_insurance") {
		t.Fatal("health_insurance is not stored in clear before the new version")
	}
	var doc map[string]any
	if err := json.Unmarshal(mustRead(t, "../../forms/household.json"), &doc); err != nil {
		t.Fatal(err)
	}
	child := doc["properties"].(map[string]any)["children"].(map[string]any)["items"].(map[string]any)["properties"].(map[string]any)
	child["health_insurance"].(map[string]any)["x-sensitive"] = true
	des := newUser(t, ts, "designer")
	if r := des.do("PUT", "/api/v1/forms/household/draft", doc); r.status != http.StatusOK {
		t.Fatalf("save the draft: %d %s", r.status, r.body)
	}
	if r := des.do("POST", "/api/v1/forms/household/publish", map[string]any{"notes": "health insurance is sensitive"}); r.status != http.StatusCreated {
		t.Fatalf("publish: %d %s", r.status, r.body)
	}
	for deadline := time.Now().Add(time.Minute); strings.Contains(storedSubmissions(t, dir)[id], "health_insurance"); {
		if time.Now().After(deadline) {
			t.Fatal("health_insurance is still in clear a minute after the version marking it was published")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var got struct {
		Data map[string]any `json:"data"`
	}
	adminClient(t, ts).do("GET", "/api/v1/forms/household/submissions/"+id, nil).json(t, &got)
	if v := got.Data["children"].([]any)[0].(map[string]any)["health_insurance"]; v != "yes" {
		t.Errorf("the admin reads health_insurance %v, want yes", v)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
