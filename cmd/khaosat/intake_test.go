package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

var formIDs = []string{"household", "disability", "labour", "hiv"}

func validExamples(tb testing.TB, form string) map[string]map[string]any {
	tb.Helper()
	dir := filepath.Join("forms", "testdata", form, "valid")
	names, err := filepath.Glob(filepath.Join("..", "..", dir, "*.json"))
	if err != nil || len(names) == 0 {
		tb.Fatalf("no valid examples in %s: %v", dir, err)
	}
	out := map[string]map[string]any{}
	for _, n := range names {
		var data map[string]any
		readJSON(tb, filepath.Join(dir, filepath.Base(n)), &data)
		out[filepath.Base(n)] = data
	}
	return out
}

type invalidCase struct {
	Name string         `json:"name"`
	Data map[string]any `json:"data"`
	Path string         `json:"path"`
	Code string         `json:"code"`
}

// TestFormsAcceptValidAndNameInvalidFields sends every example of
// forms/testdata through the real API: valid ones are stored (201), each
// invalid one gets 422 naming the path and code it breaks.
func TestFormsAcceptValidAndNameInvalidFields(t *testing.T) {
	col := newUser(t, shared, "collector", "00004", "001")
	for _, form := range formIDs {
		t.Run(form, func(t *testing.T) {
			for name, data := range validExamples(t, form) {
				t.Run("valid/"+name, func(t *testing.T) {
					r := col.do("POST", "/api/v1/forms/"+form+"/submissions", envelope(data))
					if r.status != http.StatusCreated {
						t.Fatalf("status %d, want 201: %s", r.status, r.body)
					}
				})
			}
			for _, file := range []string{"invalid.json", "invalid_age.json"} {
				var cases []invalidCase
				readJSON(t, filepath.Join("forms", "testdata", form, file), &cases)
				if len(cases) == 0 {
					t.Fatalf("%s/%s has no cases", form, file)
				}
				for _, tc := range cases {
					t.Run(tc.Name, func(t *testing.T) {
						r := col.do("POST", "/api/v1/forms/"+form+"/submissions", envelope(tc.Data))
						if r.status != http.StatusUnprocessableEntity {
							t.Fatalf("status %d, want 422: %s", r.status, r.body)
						}
						e := r.errorBody(t)
						if !e.hasField("/data"+tc.Path, tc.Code) {
							t.Fatalf("want field error %s %s, got %s", "/data"+tc.Path, tc.Code, r.body)
						}
						for _, f := range e.Error.Fields {
							if f.Messages.VI == "" || f.Messages.EN == "" || f.Messages.VI == f.Messages.EN {
								t.Errorf("field %s: want distinct vi and en messages, got %+v", f.Path, f.Messages)
							}
						}
					})
				}
			}
		})
	}
}

func householdData(tb testing.TB) map[string]any {
	return validExamples(tb, "household")["three_children.json"]
}

// TestEnvelopeRules covers the rules of the envelope, outside the form schema.
func TestEnvelopeRules(t *testing.T) {
	col := newUser(t, shared, "collector", "00004", "001")
	tests := []struct {
		name   string
		change func(e map[string]any)
		path   string
		code   string
	}{
		{"missing id", func(e map[string]any) { delete(e, "id") }, "/id", "required"},
		{"id not a uuid", func(e map[string]any) { e["id"] = "abc" }, "/id", "format"},
		{"id wrong type", func(e map[string]any) { e["id"] = 12 }, "/id", "type"},
		{"missing form_version", func(e map[string]any) { delete(e, "form_version") }, "/form_version", "required"},
		{"form_version zero", func(e map[string]any) { e["form_version"] = 0 }, "/form_version", "minimum"},
		{"form_version unknown", func(e map[string]any) { e["form_version"] = 99 }, "/form_version", "unknown_version"},
		{"form_version string", func(e map[string]any) { e["form_version"] = "1" }, "/form_version", "type"},
		{"missing unit", func(e map[string]any) { delete(e, "unit") }, "/unit", "required"},
		{"unit not 5 digits", func(e map[string]any) { e["unit"] = "004" }, "/unit", "pattern"},
		{"unit unknown", func(e map[string]any) { e["unit"] = "99999" }, "/unit", "unknown_unit"},
		{"unit abolished by the reform", func(e map[string]any) { e["unit"] = "00001" }, "/unit", "unknown_unit"},
		{"old commune before the reform", func(e map[string]any) { e["unit"] = "00001"; e["survey_date"] = "2025-03-01" }, "", ""},
		{"missing survey_date", func(e map[string]any) { delete(e, "survey_date") }, "/survey_date", "required"},
		{"survey_date not a date", func(e map[string]any) { e["survey_date"] = "15/06/2026" }, "/survey_date", "format"},
		{"survey_date in the future", func(e map[string]any) { e["survey_date"] = "2099-01-01" }, "/survey_date", "in_future"},
		{"started_at not RFC 3339", func(e map[string]any) { e["started_at"] = "yesterday" }, "/started_at", "format"},
		{"ended_at before started_at", func(e map[string]any) { e["ended_at"] = "2026-06-15T07:00:00+07:00" }, "/ended_at", "before_start"},
		{"device_id too long", func(e map[string]any) { e["device_id"] = strings.Repeat("x", 129) }, "/device_id", "max_length"},
		{"lat out of range", func(e map[string]any) { e["location"] = map[string]any{"lat": 91, "lon": 105} }, "/location/lat", "range"},
		{"lon out of range", func(e map[string]any) { e["location"] = map[string]any{"lat": 21, "lon": -181} }, "/location/lon", "range"},
		{"accuracy negative", func(e map[string]any) { e["location"] = map[string]any{"lat": 21, "lon": 105, "accuracy": -1} }, "/location/accuracy", "range"},
		{"location unknown field", func(e map[string]any) { e["location"] = map[string]any{"lat": 21, "lon": 105, "alt": 3} }, "/location/alt", "unknown_field"},
		{"missing data", func(e map[string]any) { delete(e, "data") }, "/data", "required"},
		{"data not an object", func(e map[string]any) { e["data"] = []int{1} }, "/data", "type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := envelope(householdData(t))
			tc.change(env)
			r := col.do("POST", "/api/v1/forms/household/submissions", env)
			if tc.path == "" { // a valid old-hierarchy commune under the collector's old district
				if r.status != http.StatusCreated {
					t.Fatalf("status %d, want 201: %s", r.status, r.body)
				}
				return
			}
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", r.status, r.body)
			}
			if e := r.errorBody(t); !e.hasField(tc.path, tc.code) {
				t.Fatalf("want field error %s %s, got %s", tc.path, tc.code, r.body)
			}
		})
	}
}

func countSubmissions(t *testing.T, c *client, form, query string) int {
	t.Helper()
	n := 0
	cursor := ""
	for {
		r := c.do("GET", "/api/v1/forms/"+form+"/submissions?limit=1000"+query+cursor, nil)
		if r.status != http.StatusOK {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		var page struct {
			Items      []map[string]any `json:"items"`
			NextCursor *string          `json:"next_cursor"`
		}
		r.json(t, &page)
		n += len(page.Items)
		if page.NextCursor == nil {
			return n
		}
		cursor = "&cursor=" + *page.NextCursor
	}
}

// TestSubmissionStatuses covers every answer intake gives, over a real listener.
func TestSubmissionStatuses(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	env := envelope(householdData(t))
	id := env["id"].(string)
	path := "/api/v1/forms/household/submissions"

	r := col.do("POST", path, env)
	if r.status != http.StatusCreated {
		t.Fatalf("first send: %d, want 201: %s", r.status, r.body)
	}
	var stored map[string]any
	r.json(t, &stored)
	if stored["revision"] != float64(1) || stored["review_state"] != "received" || stored["form_version"] != float64(1) {
		t.Errorf("stored metadata: %v", stored)
	}
	if r.header.Get("Location") != path+"/"+id {
		t.Errorf("Location = %q", r.header.Get("Location"))
	}

	t.Run("retry is 200 and stores nothing new", func(t *testing.T) {
		// The same content with keys in another order and 6 spelled 6.0.
		data := householdData(t)
		data["members_total"] = json.Number("6.0")
		again := map[string]any{}
		for k, v := range env {
			again[k] = v
		}
		again["data"] = data
		r := col.do("POST", path, again)
		if r.status != http.StatusOK {
			t.Fatalf("retry: %d, want 200: %s", r.status, r.body)
		}
		if n := countSubmissions(t, col, "household", ""); n != 1 {
			t.Fatalf("after a retry the collector sees %d submissions, want 1", n)
		}
	})
	t.Run("same id, other content is 409", func(t *testing.T) {
		other := envelope(householdData(t))
		other["id"] = id
		other["data"].(map[string]any)["members_total"] = 7
		r := col.do("POST", path, other)
		if r.status != http.StatusConflict {
			t.Fatalf("status %d, want 409: %s", r.status, r.body)
		}
		if e := r.errorBody(t); !e.hasField("/id", "duplicate_id") {
			t.Fatalf("want /id duplicate_id: %s", r.body)
		}
	})
	t.Run("malformed JSON is 400", func(t *testing.T) {
		for _, body := range []string{`{"id": `, `[1,2]`, `"x"`, `{} {}`, ``} {
			r := col.raw("POST", path, []byte(body))
			if r.status != http.StatusBadRequest {
				t.Errorf("body %q: %d, want 400: %s", body, r.status, r.body)
			}
		}
	})
	t.Run("unknown envelope field is 400", func(t *testing.T) {
		e := envelope(householdData(t))
		e["collector"] = "someone-else"
		r := col.do("POST", path, e)
		if r.status != http.StatusBadRequest {
			t.Fatalf("status %d, want 400: %s", r.status, r.body)
		}
		if eb := r.errorBody(t); !eb.hasField("/collector", "unknown_field") {
			t.Fatalf("want /collector unknown_field: %s", r.body)
		}
	})
	t.Run("body over the limit is 413", func(t *testing.T) {
		e := envelope(householdData(t))
		e["device_id"] = strings.Repeat("x", 2<<20)
		r := col.do("POST", path, e)
		if r.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413: %.300s", r.status, r.body)
		}
	})
	t.Run("no token is 401", func(t *testing.T) {
		anon := newClient(t, shared)
		if r := anon.do("POST", path, envelope(householdData(t))); r.status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", r.status)
		}
		anon.token = col.token[:len(col.token)-2] + "xx"
		if r := anon.do("POST", path, envelope(householdData(t))); r.status != http.StatusUnauthorized {
			t.Fatalf("tampered token: status %d, want 401", r.status)
		}
	})
	t.Run("designer is 403", func(t *testing.T) {
		des := newUser(t, shared, "designer")
		if r := des.do("POST", path, envelope(householdData(t))); r.status != http.StatusForbidden {
			t.Fatalf("status %d, want 403: %s", r.status, r.body)
		}
	})
	t.Run("unit outside the collector's area is 403", func(t *testing.T) {
		e := envelope(householdData(t))
		e["unit"] = "00008" // Phường Ngọc Hà, not assigned
		r := col.do("POST", path, e)
		if r.status != http.StatusForbidden {
			t.Fatalf("status %d, want 403: %s", r.status, r.body)
		}
	})
	t.Run("unknown form is 404", func(t *testing.T) {
		if r := col.do("POST", "/api/v1/forms/nosuchform/submissions", envelope(householdData(t))); r.status != http.StatusNotFound {
			t.Fatalf("status %d, want 404: %s", r.status, r.body)
		}
	})
	t.Run("messages follow Accept-Language", func(t *testing.T) {
		e := envelope(householdData(t))
		delete(e, "unit")
		col.lang = "en-US,en;q=0.9"
		defer func() { col.lang = "" }()
		r := col.do("POST", path, e)
		eb := r.errorBody(t)
		if eb.Error.Message != eb.Error.Messages.EN || eb.Error.Messages.VI == "" {
			t.Fatalf("message not English: %s", r.body)
		}
	})
}

// TestStoredDocumentKeepsTypes reads a stored submission back through the
// API: dates come back as dates, integers as integers, text as sent (NFC).
func TestStoredDocumentKeepsTypes(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	data := householdData(t)
	env := envelope(data)
	if r := col.do("POST", "/api/v1/forms/household/submissions", env); r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	// An admin reads everything back, sensitive answers included.
	r := adminClient(t, shared).do("GET", "/api/v1/forms/household/submissions/"+env["id"].(string), nil)
	var got struct {
		ID         string         `json:"id"`
		SurveyDate string         `json:"survey_date"`
		Collector  string         `json:"collector"`
		Data       map[string]any `json:"data"`
	}
	r.json(t, &got)
	want, _ := json.Marshal(data)
	have, _ := json.Marshal(got.Data)
	var a, b any
	json.Unmarshal(want, &a)
	json.Unmarshal(have, &b)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("answers changed on the way:\nsent %s\ngot  %s", want, have)
	}
	if got.SurveyDate != "2026-06-15" || got.ID != env["id"] || !strings.HasPrefix(got.Collector, "collector-") {
		t.Errorf("metadata: %+v", got)
	}
}

// TestStoredJSONTypes reads the stored document (JSON text in the
// database file) as SQLite reads it: times are RFC 3339 text of one width,
// integers are integers, a date answer is listed among the document's
// times, and the metadata is there.
func TestStoredJSONTypes(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	env := envelope(householdData(t))
	if r := col.do("POST", "/api/v1/forms/household/submissions", env); r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	ctx := context.Background()
	want := map[string]string{
		"survey_date": "text", "received_at": "text", "started_at": "text",
		"form_version": "integer", "revision": "integer", "unit": "text", "collector": "text",
		"review_state": "text", "data.members_total": "integer", "data.children[0].date_of_birth": "text",
		"data.children[0].in_school": "text", "data.head_name": "text",
		"sealed": "object", "sealed.box": "text", // the x-sensitive answers, encrypted (base64)
		"data.children[0].special_circumstances": "", // a sensitive answer: not in clear
	}
	for path, typ := range want {
		var got sql.NullString
		if err := rawDB(t, shared).QueryRowContext(ctx, `SELECT json_type(doc, ?) FROM submissions WHERE id = ?`, "$."+path, env["id"]).Scan(&got); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if got.String != typ {
			t.Errorf("%s is JSON %q, want %q", path, got.String, typ)
		}
	}
	var state, surveyDate, times string
	err := rawDB(t, shared).QueryRowContext(ctx, `SELECT json_extract(doc, '$.review_state'), json_extract(doc, '$.survey_date'), json_extract(doc, '$.times')
		FROM submissions WHERE id = ?`, env["id"]).Scan(&state, &surveyDate, &times)
	if err != nil {
		t.Fatal(err)
	}
	if state != "received" || surveyDate != "2026-06-15T00:00:00.000Z" {
		t.Errorf("review_state = %q, survey_date = %q", state, surveyDate)
	}
	if !strings.Contains(times, `"/children/0/date_of_birth"`) {
		t.Errorf("the times of the document %s do not list the first child's date of birth", times)
	}
}
