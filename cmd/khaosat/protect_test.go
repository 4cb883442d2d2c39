package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	_ "modernc.org/sqlite" // read the embedded engine's files as they are on disk

	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/sqlite"
)

// sensitiveKeys are the x-sensitive fields of the household and hiv forms.
var sensitiveKeys = []string{"special_circumstances", "receiving_support", "support_types", "hiv_status", "on_art", "mother_status", "father_status"}

// storedSubmissions reads the submissions collection straight from the
// embedded engine's SQLite files (FerretDB keeps each document as JSON text
// in one table per collection), bypassing khaosat and the wire protocol.
func storedSubmissions(t *testing.T, dataDir string) map[string]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, sqlite.FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, doc FROM submissions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id string
		var doc []byte
		if err := rows.Scan(&id, &doc); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(doc) {
			t.Fatalf("stored row %s is not JSON: %.40q", id, doc)
		}
		out[id] = string(doc)
	}
	return out
}

// hasKey reports whether a JSON value has an object member called key at any depth.
func hasKey(v any, key string) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == key || hasKey(e, key) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasKey(e, key) {
				return true
			}
		}
	}
	return false
}

// TestSensitiveAnswersEncryptedAtRest writes a household submission with a
// child in the "hiv" special-circumstance group and an hiv submission with
// hiv_status "positive", then looks at the database files: the answers are
// not there in the clear, while a personal (not sensitive) answer written
// beside them is, which shows the scan reads where the data lands. Admins
// read them back decrypted, others per their rights, also after
// `khaosat keys rotate`.
func TestSensitiveAnswersEncryptedAtRest(t *testing.T) {
	dir := t.TempDir()
	ts, err := startServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	col := newUser(t, ts, "collector", "00004")
	marker := "Nguyễn Đánh Dấu " + uuid.NewString()[:8] // personal, not sensitive: in the clear on household, sealed on hiv
	house := envelope(householdData(t))
	house["data"].(map[string]any)["children"].([]any)[0].(map[string]any)["full_name"] = marker
	hiv := envelope(validExamples(t, "hiv")["positive_on_art.json"])
	hiv["data"].(map[string]any)["full_name"] = marker
	for form, e := range map[string]map[string]any{"household": house, "hiv": hiv} {
		if r := col.do("POST", "/api/v1/forms/"+form+"/submissions", e); r.status != http.StatusCreated {
			t.Fatalf("submit %s: %d %s", form, r.status, r.body)
		}
	}
	houseURL := "/api/v1/forms/household/submissions/" + house["id"].(string)
	hivURL := "/api/v1/forms/hiv/submissions/" + hiv["id"].(string)

	checkReads := func(t *testing.T, ts *testServer) {
		t.Helper()
		admin := adminClient(t, ts)
		var h, v struct {
			Data     map[string]any `json:"data"`
			Redacted []string       `json:"redacted"`
		}
		admin.do("GET", houseURL, nil).json(t, &h)
		admin.do("GET", hivURL, nil).json(t, &v)
		if diff := cmp.Diff([]any{"hiv"}, h.Data["children"].([]any)[0].(map[string]any)["special_circumstances"]); diff != "" {
			t.Errorf("admin reads special_circumstances (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(hiv["data"], v.Data); diff != "" || v.Redacted != nil {
			t.Errorf("admin reads the hiv answers back (-want +got):\n%s redacted=%v", diff, v.Redacted)
		}
		elsewhere := newUser(t, ts, "collector", "00008")
		if r := elsewhere.do("GET", hivURL, nil); r.status != http.StatusNotFound {
			t.Errorf("collector of another commune: %d, want 404", r.status)
		}
		// A supervisor without the grant: the household's sensitive answer
		// is redacted; the hiv form is x-sensitive-form, so even the
		// submission's existence is withheld.
		sup := newUser(t, ts, "supervisor", "00004")
		r := sup.do("GET", houseURL, nil)
		r.json(t, &h)
		var want []string
		for i := range 3 {
			for _, f := range []string{"special_circumstances", "receiving_support", "support_types"} {
				want = append(want, fmt.Sprintf("/children/%d/%s", i, f))
			}
		}
		if r.status != http.StatusOK || bytes.Contains(r.body, []byte(`"hiv"`)) || !cmp.Equal(want, h.Redacted) {
			t.Errorf("supervisor without the grant, household: %d redacted=%v body=%s", r.status, h.Redacted, r.body)
		}
		if r := sup.do("GET", hivURL, nil); r.status != http.StatusNotFound {
			t.Errorf("supervisor without the grant, hiv submission: %d, want 404", r.status)
		}
		if n := countSubmissions(t, sup, "hiv", ""); n != 0 {
			t.Errorf("supervisor without the grant lists %d hiv submissions, want 0", n)
		}
		if n := countSubmissions(t, col, "hiv", ""); n != 1 {
			t.Errorf("the collector lists %d of their own hiv submissions, want 1", n)
		}
		granted := grantedSupervisor(t, ts, "00004")
		granted.do("GET", hivURL, nil).json(t, &v)
		if v.Data["hiv_status"] != "positive" {
			t.Errorf("supervisor with the grant reads %v", v.Data["hiv_status"])
		}
		if n := countSubmissions(t, granted, "hiv", ""); n != 1 {
			t.Errorf("supervisor with the grant lists %d hiv submissions, want 1", n)
		}
	}
	checkReads(t, ts)
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}

	keyBefore := checkAtRest(t, dir, marker, house["id"].(string), hiv["id"].(string))
	var out bytes.Buffer
	if err := run(context.Background(), []string{"keys", "rotate", "--data-dir", dir, "--log-level", "error"}, nil, &out, io.Discard); err != nil {
		t.Fatalf("keys rotate: %v", err)
	}
	if !strings.Contains(out.String(), "re-encrypted 2 submissions") {
		t.Errorf("keys rotate said %q", out.String())
	}
	keyAfter := checkAtRest(t, dir, marker, house["id"].(string), hiv["id"].(string))
	b, err := os.ReadFile(filepath.Join(dir, "data.keys"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := seal.ParseKeys(string(b))
	if err != nil || len(keys) != 2 || seal.KeyID(keys[0]) != keyAfter || seal.KeyID(keys[1]) != keyBefore || keyAfter == keyBefore {
		t.Errorf("after rotation: ring of %d keys, stored under %s (was %s): %v", len(keys), keyAfter, keyBefore, err)
	}
	if st, err := os.Stat(filepath.Join(dir, "data.keys")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("data.keys mode: %v %v", st.Mode(), err)
	}

	again := mustStart(t, dir)
	col.base = again.base
	checkReads(t, again)
	if r := col.do("POST", "/api/v1/forms/hiv/submissions", hiv); r.status != http.StatusOK {
		t.Errorf("a retry after rotation: %d, want 200 (the same submission)", r.status)
	}
}

// checkAtRest looks for the sensitive answers in the stored rows and in
// every file under dir, and returns the data key id they are sealed under.
func checkAtRest(t *testing.T, dir, marker string, ids ...string) string {
	t.Helper()
	rows := storedSubmissions(t, dir)
	keyID := ""
	for _, id := range ids {
		doc, ok := rows[id]
		if !ok {
			t.Fatalf("submission %s is not in the database files (%d rows)", id, len(rows))
		}
		var v map[string]any
		json.Unmarshal([]byte(doc), &v)
		for _, k := range sensitiveKeys {
			if hasKey(v, k) {
				t.Errorf("row %s holds the field %s in the clear", id, k)
			}
		}
		answers, _ := json.Marshal(v["data"]) // the form id "hiv" is outside it
		if bytes.Contains(answers, []byte(`"positive"`)) || bytes.Contains(answers, []byte(`"hiv"`)) {
			t.Errorf("row %s holds a sensitive answer in the clear: %s", id, answers)
		}
		switch whole := v["form"] == "hiv"; { // x-sensitive-form: sealed whole, the name too
		case whole && strings.Contains(doc, marker):
			t.Errorf("row %s of the hiv form holds the child's name in the clear", id)
		case !whole && !strings.Contains(doc, marker):
			t.Errorf("row %s does not hold the personal answer: the scan looks in the wrong place", id)
		}
		sealed, _ := v["sealed"].(map[string]any)
		if sealed == nil || sealed["key"] == nil {
			t.Fatalf("row %s has no sealed answers", id)
		}
		keyID = sealed["key"].(string)
	}
	// Every byte under the data directory, WAL files included. Answers
	// are JSON text, where a field name is quoted and followed by a colon;
	// the form schemas name the fields too, but are stored as base64.
	seen := false
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSocket != 0 {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("read %s: %v", p, err)
			return nil
		}
		seen = seen || bytes.Contains(b, []byte(marker))
		for _, k := range sensitiveKeys {
			if bytes.Contains(b, []byte(`"`+k+`":`)) {
				t.Errorf("%s holds the answer of %s in the clear", p, k)
			}
		}
		return nil
	})
	if !seen {
		t.Errorf("no file under %s holds the personal answer: the raw scan looks in the wrong place", dir)
	}
	return keyID
}

// grantedSupervisor creates a supervisor with the sensitive_access grant.
func grantedSupervisor(t *testing.T, ts *testServer, units ...string) *client {
	t.Helper()
	name := "sup-granted-" + uuid.NewString()[:8]
	r := adminClient(t, ts).do("POST", "/api/v1/users", map[string]any{
		"username": name, "password": "password-" + name, "display_name": name, "role": "supervisor", "units": units, "sensitive_access": true})
	if r.status != http.StatusCreated {
		t.Fatalf("create user: %d %s", r.status, r.body)
	}
	return newClient(t, ts).login(name, "password-"+name)
}
