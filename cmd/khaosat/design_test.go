package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// designForm is a small child form as a designer would write it; id names
// it so that every test has its own form on the shared server.
func designForm(id string) map[string]any {
	lbl := func(vi, en string) map[string]any { return map[string]any{"vi": vi, "en": en} }
	ch := func(code, vi, en string) map[string]any { return map[string]any{"code": code, "vi": vi, "en": en} }
	return map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$id":     "https://khaosat.example/forms/" + id + ".json",
		"x-form":  id, "x-title": lbl("Phiếu thử nghiệm vòng đời", "Lifecycle test form"),
		"type": "object", "additionalProperties": false,
		"x-order":  []any{"child_name", "sex", "age", "hiv_status", "on_art"},
		"required": []any{"child_name", "sex", "age"},
		"properties": map[string]any{
			"child_name": map[string]any{"type": "string", "minLength": 1, "maxLength": 120, "x-label": lbl("Họ và tên trẻ", "Child's name"), "x-personal": true},
			"sex": map[string]any{"type": "string", "enum": []any{"male", "female"}, "x-label": lbl("Giới tính", "Sex"),
				"x-choices": []any{ch("male", "Nam", "Male"), ch("female", "Nữ", "Female")}},
			"age": map[string]any{"type": "integer", "minimum": 0, "maximum": 17, "x-label": lbl("Tuổi", "Age")},
			"hiv_status": map[string]any{"type": "string", "enum": []any{"positive", "negative", "unknown"}, "x-label": lbl("Tình trạng HIV", "HIV status"),
				"x-sensitive": true, "x-choices": []any{ch("positive", "Dương tính", "Positive"), ch("negative", "Âm tính", "Negative"), ch("unknown", "Không rõ", "Unknown")}},
			"on_art": map[string]any{"type": "string", "enum": []any{"yes", "no"}, "x-label": lbl("Đang điều trị ARV", "On ART"), "x-sensitive": true,
				"x-choices": []any{ch("yes", "Có", "Yes"), ch("no", "Không", "No")}},
		},
		"allOf": []any{map[string]any{
			"if":   map[string]any{"properties": map[string]any{"hiv_status": map[string]any{"const": "positive"}}, "required": []any{"hiv_status"}},
			"then": map[string]any{"required": []any{"on_art"}},
		}},
	}
}

func props(doc map[string]any) map[string]any { return doc["properties"].(map[string]any) }

// withSchool is designForm's version 2: a new question and a new code.
func withSchool(id string) map[string]any {
	doc := designForm(id)
	props(doc)["in_school"] = map[string]any{"type": "boolean", "x-label": map[string]any{"vi": "Đang đi học", "en": "In school"}}
	doc["x-order"] = append(doc["x-order"].([]any), "in_school")
	sex := props(doc)["sex"].(map[string]any)
	sex["enum"] = append(sex["enum"].([]any), "other")
	sex["x-choices"] = append(sex["x-choices"].([]any), map[string]any{"code": "other", "vi": "Khác", "en": "Other"})
	return doc
}

func newFormID() string { return "lifecycle_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "") }

func wantStatus(t *testing.T, r response, status int, what string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.body)
	}
}

func formEnvelope(version int, data map[string]any) map[string]any {
	e := envelope(data)
	e["form_version"] = version
	return e
}

// TestFormLifecycle walks a designer through the whole lifecycle: create
// with lint errors, fix, test against the draft, publish v1 and v2 (after a
// refused breaking change), submissions of both versions each validated
// against its own version, close (409 for new submissions, retries still
// 200), reopen.
func TestFormLifecycle(t *testing.T) {
	des := newUser(t, shared, "designer")
	col := newUser(t, shared, "collector", "00004")
	id := newFormID()
	base := "/api/v1/forms/" + id

	// Create with lint errors: every problem is listed.
	broken := designForm(id)
	delete(props(broken)["sex"].(map[string]any), "x-choices")
	delete(props(broken)["age"].(map[string]any), "x-label")
	r := des.do("POST", "/api/v1/forms", broken)
	wantStatus(t, r, http.StatusUnprocessableEntity, "create a broken form")
	e := r.errorBody(t)
	if !e.hasField("/properties/sex/enum", "choices") || !e.hasField("/properties/age/x-label", "label") {
		t.Fatalf("want both lint errors, got %s", r.body)
	}
	wantStatus(t, des.do("GET", base+"/draft", nil), http.StatusNotFound, "draft of a refused form")

	// Fixed: created with its draft, not yet visible to collectors.
	r = des.do("POST", "/api/v1/forms", designForm(id))
	wantStatus(t, r, http.StatusCreated, "create")
	wantStatus(t, des.do("POST", "/api/v1/forms", designForm(id)), http.StatusConflict, "create twice")
	wantStatus(t, des.do("GET", base+"/draft", nil), http.StatusOK, "get draft")
	wantStatus(t, col.do("GET", base, nil), http.StatusNotFound, "collector reads an unpublished form")

	// Test submissions against the draft store nothing.
	valid := map[string]any{"child_name": "Nguyễn Thị Hoa", "sex": "female", "age": 9, "hiv_status": "positive", "on_art": "yes"}
	r = des.do("POST", base+"/draft/submissions", formEnvelope(1, valid))
	wantStatus(t, r, http.StatusOK, "valid draft test")
	missingART := map[string]any{"child_name": "Nguyễn Thị Hoa", "sex": "female", "age": 9, "hiv_status": "positive"}
	r = des.do("POST", base+"/draft/submissions", formEnvelope(1, missingART))
	wantStatus(t, r, http.StatusUnprocessableEntity, "invalid draft test")
	if !r.errorBody(t).hasField("/data/on_art", "required") {
		t.Fatalf("want /data/on_art required, got %s", r.body)
	}

	// Publish v1.
	r = des.do("POST", base+"/publish", map[string]any{"notes": "first version"})
	wantStatus(t, r, http.StatusCreated, "publish v1")
	var v struct{ Version int }
	r.json(t, &v)
	if v.Version != 1 {
		t.Fatalf("published version %d, want 1", v.Version)
	}
	wantStatus(t, des.do("POST", base+"/publish", map[string]any{}), http.StatusNotFound, "publish without a draft")

	// A breaking change is refused with the list of changes.
	breaking := designForm(id)
	hiv := props(breaking)["hiv_status"].(map[string]any)
	hiv["enum"] = []any{"positive", "negative"}
	hiv["x-choices"] = hiv["x-choices"].([]any)[:2]
	wantStatus(t, des.do("PUT", base+"/draft", breaking), http.StatusOK, "save a breaking draft")
	r = des.do("POST", base+"/publish", map[string]any{"notes": "drop unknown"})
	wantStatus(t, r, http.StatusConflict, "publish a breaking change")
	if !r.errorBody(t).hasField("/hiv_status", "choice_removed") {
		t.Fatalf("want /hiv_status choice_removed, got %s", r.body)
	}

	// v2 adds a question and a code.
	wantStatus(t, des.do("PUT", base+"/draft", withSchool(id)), http.StatusOK, "save v2 draft")
	wantStatus(t, des.do("POST", base+"/publish", map[string]any{"notes": "school"}), http.StatusCreated, "publish v2")
	wantStatus(t, des.do("PUT", base+"/draft", withSchool(id)), http.StatusOK, "save v2 again")
	wantStatus(t, des.do("POST", base+"/publish", map[string]any{}), http.StatusConflict, "publish unchanged content")
	wantStatus(t, des.do("DELETE", base+"/draft", nil), http.StatusNoContent, "drop the unchanged draft")

	// Each submission is validated against the version it names.
	v1 := formEnvelope(1, valid)
	wantStatus(t, col.do("POST", base+"/submissions", v1), http.StatusCreated, "v1 submission")
	v2data := map[string]any{"child_name": "Trần Văn Nam", "sex": "other", "age": 12, "in_school": true}
	wantStatus(t, col.do("POST", base+"/submissions", formEnvelope(2, v2data)), http.StatusCreated, "v2 submission")
	r = col.do("POST", base+"/submissions", formEnvelope(1, v2data))
	wantStatus(t, r, http.StatusUnprocessableEntity, "v2 answers under v1")
	if e := r.errorBody(t); !e.hasField("/data/in_school", "unknown_field") || !e.hasField("/data/sex", "enum") {
		t.Fatalf("want v1's rules, got %s", r.body)
	}

	// The phone's list names the version and a content hash.
	if f := listedForm(t, col, id); f == nil || f.Version != 2 || len(f.Hash) != 64 {
		t.Fatalf("collector's list entry = %+v, want version 2 with a hash", f)
	}

	// Close: hidden from collectors, new submissions 409, retries 200.
	r = des.do("POST", base+"/close", nil)
	wantStatus(t, r, http.StatusOK, "close")
	if listedForm(t, col, id) != nil {
		t.Fatal("a closed form is still listed for a collector")
	}
	wantStatus(t, col.do("GET", base, nil), http.StatusNotFound, "collector reads a closed form")
	wantStatus(t, des.do("GET", base, nil), http.StatusOK, "designer reads a closed form")
	r = col.do("POST", base+"/submissions", formEnvelope(2, v2data))
	wantStatus(t, r, http.StatusConflict, "submit to a closed form")
	if code := r.errorBody(t).Error.Code; code != "form_closed" {
		t.Fatalf("code %q, want form_closed", code)
	}
	wantStatus(t, col.do("POST", base+"/submissions", v1), http.StatusOK, "retry after close")

	// Reopen.
	wantStatus(t, des.do("POST", base+"/reopen", nil), http.StatusOK, "reopen")
	if listedForm(t, col, id) == nil {
		t.Fatal("a reopened form is not listed for a collector")
	}
	wantStatus(t, col.do("POST", base+"/submissions", formEnvelope(2, v2data)), http.StatusCreated, "submit after reopen")

	// The codebook and the diff of the two versions.
	r = col.do("GET", base+"/versions/2/codebook", nil)
	wantStatus(t, r, http.StatusOK, "codebook")
	var cb struct {
		Fields []struct {
			Path  string
			Since int
		}
	}
	r.json(t, &cb)
	since := map[string]int{}
	for _, f := range cb.Fields {
		since[f.Path] = f.Since
	}
	if since["/in_school"] != 2 || since["/sex"] != 1 || len(since) != 6 {
		t.Fatalf("codebook since = %v", since)
	}
	r = des.do("GET", base+"/versions/2/codebook?format=csv", nil)
	wantStatus(t, r, http.StatusOK, "codebook csv")
	if !bytes.HasPrefix(r.body, []byte("\ufeffpath,type,label_vi")) || !strings.Contains(string(r.body), "Đang đi học") {
		t.Fatalf("codebook csv = %.200s", r.body)
	}
	r = des.do("GET", base+"/diff?from=1&to=2", nil)
	wantStatus(t, r, http.StatusOK, "diff")
	var d struct {
		Changes []struct {
			Kind, Path string
			Code       any
		}
	}
	r.json(t, &d)
	var kinds []string
	for _, c := range d.Changes {
		kinds = append(kinds, c.Kind+" "+c.Path)
	}
	if strings.Join(kinds, ", ") != "choice_added /sex, field_added /in_school" {
		t.Fatalf("diff = %v", kinds)
	}

	// A draft can be abandoned.
	wantStatus(t, des.do("PUT", base+"/draft", withSchool(id)), http.StatusOK, "new draft")
	wantStatus(t, des.do("DELETE", base+"/draft", nil), http.StatusNoContent, "delete draft")
	wantStatus(t, des.do("GET", base+"/draft", nil), http.StatusNotFound, "deleted draft")
}

type listedEntry struct {
	ID      string
	Version int
	Hash    string
}

func listedForm(t *testing.T, c *client, id string) *listedEntry {
	t.Helper()
	r := c.do("GET", "/api/v1/forms", nil)
	wantStatus(t, r, http.StatusOK, "list forms")
	var list struct{ Items []listedEntry }
	r.json(t, &list)
	for _, f := range list.Items {
		if f.ID == id {
			return &f
		}
	}
	return nil
}

// TestFormDesignForbidden: only designers and admins design forms.
func TestFormDesignForbidden(t *testing.T) {
	des := newUser(t, shared, "designer")
	id := newFormID()
	base := "/api/v1/forms/" + id
	wantStatus(t, des.do("POST", "/api/v1/forms", designForm(id)), http.StatusCreated, "create")
	for _, role := range []string{"collector", "manager"} {
		units := []string{"00004"}
		c := newUser(t, shared, role, units...)
		for _, req := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/forms", designForm(newFormID())},
			{"PUT", base + "/draft", designForm(id)},
			{"GET", base + "/draft", nil},
			{"DELETE", base + "/draft", nil},
			{"POST", base + "/draft/submissions", formEnvelope(1, map[string]any{})},
			{"POST", base + "/publish", map[string]any{}},
			{"POST", "/api/v1/forms/household/close", nil},
			{"POST", "/api/v1/forms/household/reopen", nil},
		} {
			if r := c.do(req.method, req.path, req.body); r.status != http.StatusForbidden {
				t.Errorf("%s %s %s: status %d, want 403: %s", role, req.method, req.path, r.status, r.body)
			}
		}
	}
	// Nothing changed: the draft is there and household is still open.
	wantStatus(t, des.do("GET", base+"/draft", nil), http.StatusOK, "draft after refused calls")
	if f := listedForm(t, des, "household"); f == nil {
		t.Fatal("household is gone")
	}
}

// TestFormBodyGzip: a phone that accepts gzip gets the form compressed.
func TestFormBodyGzip(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	req, err := http.NewRequest("GET", col.base+"/api/v1/forms/household", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+col.token)
	req.Header.Set("Accept-Encoding", "gzip") // set by hand: the client does not decompress
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, Content-Encoding %q", res.StatusCode, res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		ID     string
		Schema map[string]any
	}
	if err := json.Unmarshal(plain, &v); err != nil || v.ID != "household" || v.Schema["x-form"] != "household" {
		t.Fatalf("decoded %v: %.200s", err, plain)
	}
	if len(raw)*2 > len(plain) {
		t.Errorf("gzip body %d bytes for %d bytes of JSON; want at least 2× smaller", len(raw), len(plain))
	}
}
