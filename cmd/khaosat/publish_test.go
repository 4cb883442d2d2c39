package main

import (
	"net/http"
	"testing"
)

// TestPublishRules publishes version 2 of a fresh form through the API for
// each kind of breaking change (refused: 409 naming the change, version 1
// stays current) and each kind of safe change (version 2 published).
func TestPublishRules(t *testing.T) {
	des := newUser(t, shared, "designer")
	lbl := func(vi, en string) map[string]any { return map[string]any{"vi": vi, "en": en} }
	tests := []struct {
		name     string
		edit     func(doc map[string]any)
		wantPath string // "" = safe
		wantCode string
	}{
		{"type changed", func(doc map[string]any) {
			props(doc)["age"] = map[string]any{"type": "string", "x-label": lbl("Tuổi", "Age")}
		}, "/age", "kind_changed"},
		{"code removed", func(doc map[string]any) {
			p := props(doc)["on_art"].(map[string]any)
			p["enum"] = []any{"yes"}
			p["x-choices"] = p["x-choices"].([]any)[:1]
		}, "/on_art", "choice_removed"},
		{"code meaning changed", func(doc map[string]any) {
			c := props(doc)["hiv_status"].(map[string]any)["x-choices"].([]any)[2].(map[string]any)
			c["vi"], c["en"] = "Từ chối trả lời", "Refused to answer"
		}, "/hiv_status", "choice_meaning"},
		{"field moved into a repeat", func(doc map[string]any) {
			age := props(doc)["age"]
			delete(props(doc), "age")
			doc["required"] = []any{"child_name", "sex"}
			doc["x-order"] = []any{"child_name", "sex", "hiv_status", "on_art", "siblings"}
			props(doc)["siblings"] = map[string]any{"type": "array", "x-repeat": true, "x-label": lbl("Anh chị em", "Siblings"),
				"items": map[string]any{"type": "object", "additionalProperties": false, "x-order": []any{"age"}, "properties": map[string]any{"age": age}}}
		}, "/age", "field_moved"},
		{"field added", func(doc map[string]any) {
			props(doc)["note"] = map[string]any{"type": "string", "x-label": lbl("Ghi chú", "Note")}
			doc["x-order"] = append(doc["x-order"].([]any), "note")
		}, "", ""},
		{"code added", func(doc map[string]any) {
			p := props(doc)["on_art"].(map[string]any)
			p["enum"] = []any{"yes", "no", "stopped"}
			p["x-choices"] = append(p["x-choices"].([]any), map[string]any{"code": "stopped", "vi": "Đã ngừng", "en": "Stopped"})
		}, "", ""},
		{"relabelled", func(doc map[string]any) {
			props(doc)["age"].(map[string]any)["x-label"] = lbl("Tuổi (năm tròn)", "Age (completed years)")
			props(doc)["sex"].(map[string]any)["x-choices"].([]any)[1].(map[string]any)["en"] = "Girl"
		}, "", ""},
		{"required tightened", func(doc map[string]any) {
			doc["required"] = []any{"child_name", "sex", "age", "hiv_status"}
		}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := newFormID()
			base := "/api/v1/forms/" + id
			wantStatus(t, des.do("POST", "/api/v1/forms", designForm(id)), http.StatusCreated, "create")
			wantStatus(t, des.do("POST", base+"/publish", map[string]any{"notes": "v1"}), http.StatusCreated, "publish v1")
			doc := designForm(id)
			tc.edit(doc)
			wantStatus(t, des.do("PUT", base+"/draft", doc), http.StatusOK, "save v2 draft")
			r := des.do("POST", base+"/publish", map[string]any{"notes": tc.name})
			var current struct{ Version int }
			if tc.wantCode == "" {
				wantStatus(t, r, http.StatusCreated, "publish a safe change")
				des.do("GET", base, nil).json(t, &current)
				if current.Version != 2 {
					t.Fatalf("current version %d, want 2", current.Version)
				}
				return
			}
			wantStatus(t, r, http.StatusConflict, "publish a breaking change")
			if e := r.errorBody(t); !e.hasField(tc.wantPath, tc.wantCode) || len(e.Error.Fields) != 1 {
				t.Fatalf("want exactly %s %s, got %s", tc.wantPath, tc.wantCode, r.body)
			}
			des.do("GET", base, nil).json(t, &current)
			if current.Version != 1 {
				t.Fatalf("current version %d, want still 1", current.Version)
			}
			wantStatus(t, des.do("GET", base+"/draft", nil), http.StatusOK, "the refused draft is kept")
		})
	}
}
