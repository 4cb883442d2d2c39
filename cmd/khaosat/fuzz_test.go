package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// FuzzIntake sends arbitrary bodies to the intake route of a real server:
// whatever arrives, the answer is a 2xx or a 4xx, never a 5xx or a crash.
// `go test` runs the seed corpus; `go test -fuzz FuzzIntake ./cmd/khaosat`
// explores further.
func FuzzIntake(f *testing.F) {
	col := newUser(f, shared, "collector", "00004", "001")
	seed := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(0), b)
	}
	for i, form := range formIDs {
		for _, data := range validExamples(f, form) {
			b, _ := json.Marshal(envelope(data))
			f.Add(uint8(i), b)
		}
	}
	h := householdData(f)
	e := envelope(h)
	seed(e)
	e2 := envelope(h)
	e2["data"] = map[string]any{"children": []any{map[string]any{"date_of_birth": "2026-02-30", "sex": 1}}}
	seed(e2)
	e3 := envelope(h)
	e3["survey_date"] = "0000-01-01"
	e3["location"] = map[string]any{"lat": "x", "lon": nil}
	seed(e3)
	e4 := envelope(map[string]any{"children": strings.Repeat("x", 10)})
	e4["form_version"] = 1e300
	seed(e4)
	for _, s := range []string{``, `{}`, `null`, `[]`, `{"id":null}`, `{"data":{"children":[null]}}`, `{"form_version":-1}`,
		`{"id":"` + strings.Repeat("9", 36) + `"}`, `{"data":{"members_total":1e999}}`, "\xff\xfe", `{"a":` + strings.Repeat("[", 5000)} {
		f.Add(uint8(0), []byte(s))
	}
	f.Fuzz(func(t *testing.T, form uint8, body []byte) {
		c := &client{tb: t, base: col.base, token: col.token, hc: col.hc}
		r := c.raw("POST", "/api/v1/forms/"+formIDs[int(form)%len(formIDs)]+"/submissions", body)
		if r.status >= 500 || r.status < 200 {
			t.Fatalf("status %d for body %q: %s", r.status, body, r.body)
		}
		switch r.status {
		case http.StatusOK, http.StatusCreated, http.StatusBadRequest, http.StatusForbidden, http.StatusConflict,
			http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("unexpected status %d: %s", r.status, r.body)
		}
	})
}
