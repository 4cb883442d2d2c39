package httpapi_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/uuid"
)

// labour returns a valid labour follow-up of unit naming child ("": none).
func labour(t testing.TB, unit, child string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "forms", "testdata", "labour", "valid", "no_work.json"))
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	if child != "" {
		data["child_id"] = child
	}
	return map[string]any{"id": uuid.NewString(), "form_version": 1, "unit": unit, "survey_date": "2026-06-20", "data": data}
}

// TestFollowUpReference: a follow-up's child_id must name a registry
// child of the collector's area: an unknown child, or one of another
// commune, is refused with 422 at the field, and nothing is stored.
func TestFollowUpReference(t *testing.T) {
	a := newAPI(t)
	col := a.user("collector", "00070")
	other := a.user("collector", "00082")
	hh := a.submit(col, "00070")
	child := hh["data"].(map[string]any)["children"].([]any)[0].(map[string]any)["child_id"].(string)

	if r := a.do("POST", "/api/v1/forms/labour/submissions", col, labour(t, "00070", child)); r.status != http.StatusCreated {
		t.Fatalf("follow-up of a roster child: %d %s", r.status, r.body)
	}
	if r := a.do("POST", "/api/v1/forms/labour/submissions", col, labour(t, "00070", "")); r.status != http.StatusCreated {
		t.Fatalf("follow-up registering its child: %d %s", r.status, r.body)
	}
	for _, c := range []struct {
		name, tok, unit, child string
	}{
		{"unknown child", col, "00070", uuid.NewString()},
		{"child of another commune", other, "00082", child},
	} {
		t.Run(c.name, func(t *testing.T) {
			sub := labour(t, c.unit, c.child)
			r := a.do("POST", "/api/v1/forms/labour/submissions", c.tok, sub)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", r.status, r.body)
			}
			if f := r.error(t).fields(); !slices.Equal(f, []string{"/data/child_id unknown_child"}) {
				t.Errorf("fields = %v", f)
			}
			if r := a.do("GET", "/api/v1/forms/labour/submissions/"+sub["id"].(string), a.admin, nil); r.status != http.StatusNotFound {
				t.Errorf("the refused follow-up was stored: %d", r.status)
			}
		})
	}
}
