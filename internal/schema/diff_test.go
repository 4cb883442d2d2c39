package schema_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/schema"
)

// household returns the shipped household form, changed by edit.
func household(tb testing.TB, edit func(root, children map[string]any)) *schema.Form {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(formsDir, "household.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		tb.Fatal(err)
	}
	children := prop(root, "children")["items"].(map[string]any)
	if edit != nil {
		edit(root, children)
	}
	out, err := json.Marshal(root)
	if err != nil {
		tb.Fatal(err)
	}
	if r := schema.Lint(out); !r.OK() {
		tb.Fatalf("edited form does not lint: %+v", r.Errors)
	}
	f, err := schema.Compile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func prop(obj map[string]any, name string) map[string]any {
	return obj["properties"].(map[string]any)[name].(map[string]any)
}

func choice(field map[string]any, i int) map[string]any {
	return field["x-choices"].([]any)[i].(map[string]any)
}

// addField declares a new optional field at the end of obj.
func addField(obj map[string]any, name string, s map[string]any) {
	obj["properties"].(map[string]any)[name] = s
	obj["x-order"] = append(obj["x-order"].([]any), name)
}

func removeField(obj map[string]any, name string) {
	delete(obj["properties"].(map[string]any), name)
	var order []any
	for _, n := range obj["x-order"].([]any) {
		if n != name {
			order = append(order, n)
		}
	}
	obj["x-order"] = order
	var req []any
	for _, n := range obj["required"].([]any) {
		if n != name {
			req = append(req, n)
		}
	}
	obj["required"] = req
}

type change struct {
	Kind     string
	Path     string
	Code     any
	Breaking bool
}

func changes(cs []schema.Change) []change {
	out := []change{}
	for _, c := range cs {
		out = append(out, change{c.Kind, c.Path, c.Code, c.Breaking})
	}
	return out
}

func TestDiff(t *testing.T) {
	label := func(vi, en string) map[string]any { return map[string]any{"vi": vi, "en": en} }
	tests := []struct {
		name string
		edit func(root, children map[string]any)
		want []change
	}{
		{"unchanged", func(_, _ map[string]any) {}, []change{}},
		// Breaking changes, one of each kind.
		{"type changed", func(root, _ map[string]any) {
			p := prop(root, "members_total")
			p["type"] = "string"
			delete(p, "minimum")
			delete(p, "maximum")
		}, []change{{schema.ChangeKindChanged, "/members_total", nil, true}}},
		{"single choice becomes multiple", func(root, _ map[string]any) {
			p := prop(root, "housing")
			items := map[string]any{"type": "string", "enum": p["enum"], "x-choices": p["x-choices"]}
			root["properties"].(map[string]any)["housing"] = map[string]any{"type": "array", "uniqueItems": true, "items": items, "x-label": p["x-label"]}
		}, []change{{schema.ChangeKindChanged, "/housing", nil, true}}},
		{"choice removed", func(root, _ map[string]any) {
			p := prop(root, "housing")
			p["enum"] = p["enum"].([]any)[:3]
			p["x-choices"] = p["x-choices"].([]any)[:3]
		}, []change{{schema.ChangeChoiceRemoved, "/housing", "none", true}}},
		{"choice meaning changed", func(root, _ map[string]any) {
			c := choice(prop(root, "housing"), 3)
			c["vi"], c["en"] = "Nhà thuê", "Rented"
		}, []change{{schema.ChangeChoiceMeaning, "/housing", "none", true}}},
		{"field moved into the repeat", func(root, children map[string]any) {
			p := prop(root, "housing")
			removeField(root, "housing")
			addField(children, "housing", p)
		}, []change{{schema.ChangeFieldMoved, "/housing", nil, true}}},
		{"field moved out of the repeat", func(root, children map[string]any) {
			p := prop(children, "health_insurance")
			removeField(children, "health_insurance")
			addField(root, "health_insurance", p)
		}, []change{{schema.ChangeFieldMoved, "/children/*/health_insurance", nil, true}}},
		// Safe changes, one of each kind.
		{"field added", func(_, children map[string]any) {
			addField(children, "disability_card", map[string]any{"type": "string", "enum": []any{"yes", "no"}, "x-label": label("Có giấy xác nhận khuyết tật", "Has a disability certificate"),
				"x-choices": []any{map[string]any{"code": "yes", "vi": "Có", "en": "Yes"}, map[string]any{"code": "no", "vi": "Không", "en": "No"}}})
		}, []change{{schema.ChangeFieldAdded, "/children/*/disability_card", nil, false}}},
		{"choice added", func(root, _ map[string]any) {
			p := prop(root, "housing")
			p["enum"] = append(p["enum"].([]any), "rented")
			p["x-choices"] = append(p["x-choices"].([]any), map[string]any{"code": "rented", "vi": "Nhà thuê", "en": "Rented"})
		}, []change{{schema.ChangeChoiceAdded, "/housing", "rented", false}}},
		{"field relabelled", func(root, _ map[string]any) {
			prop(root, "address")["x-label"] = label("Địa chỉ nơi ở", "Home address")
		}, []change{{schema.ChangeFieldRelabelled, "/address", nil, false}}},
		{"choice relabelled in one language", func(root, _ map[string]any) {
			choice(prop(root, "housing"), 3)["en"] = "Homeless"
		}, []change{{schema.ChangeChoiceRelabeled, "/housing", "none", false}}},
		{"choice reworded in both languages, same words", func(root, _ map[string]any) {
			c := choice(prop(root, "housing"), 0)
			c["vi"], c["en"] = c["vi"].(string)+".", "  "+c["en"].(string)
		}, []change{{schema.ChangeChoiceRelabeled, "/housing", "permanent", false}}},
		{"required tightened", func(root, _ map[string]any) {
			root["required"] = append(root["required"].([]any), "housing")
		}, []change{{schema.ChangeRequired, "/housing", nil, false}}},
		{"field removed", func(root, _ map[string]any) {
			removeField(root, "head_phone")
		}, []change{{schema.ChangeFieldRemoved, "/head_phone", nil, false}}},
		{"title changed", func(root, _ map[string]any) {
			root["x-title"] = label("Phiếu hộ gia đình", "Household form")
		}, []change{{schema.ChangeTitle, "", nil, false}}},
	}
	old := household(t, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := schema.Diff(old, household(t, tc.edit))
			if diff := cmp.Diff(tc.want, changes(got)); diff != "" {
				t.Errorf("Diff() mismatch (-want +got):\n%s", diff)
			}
			for _, c := range got {
				if c.Message.VI == "" || c.Message.EN == "" {
					t.Errorf("%s: message not in both languages", c.Kind)
				}
			}
		})
	}
}

// TestBreakingChangesAgainstEveryVersion: a name dropped in v2 and brought
// back with another kind in v3 breaks v1's data.
func TestBreakingChangesAgainstEveryVersion(t *testing.T) {
	v1 := household(t, nil)
	v2 := household(t, func(root, _ map[string]any) { removeField(root, "head_phone") })
	v3 := household(t, func(root, _ map[string]any) {
		removeField(root, "head_phone")
		addField(root, "head_phone", map[string]any{"type": "integer", "x-label": map[string]any{"vi": "Số điện thoại", "en": "Phone"}})
	})
	if got := schema.BreakingChanges([]*schema.Form{v2}, v3); len(got) != 0 {
		t.Errorf("against v2 only: %+v, want none", got)
	}
	want := []change{{schema.ChangeKindChanged, "/head_phone", nil, true}}
	if diff := cmp.Diff(want, changes(schema.BreakingChanges([]*schema.Form{v1, v2}, v3))); diff != "" {
		t.Errorf("BreakingChanges() mismatch (-want +got):\n%s", diff)
	}
}

// TestBreakingChangesRewordOneLanguageAtATime: both labels of a code may
// change over two versions, one language each, as forms/README.md says.
func TestBreakingChangesRewordOneLanguageAtATime(t *testing.T) {
	v1 := household(t, nil)
	v2 := household(t, func(root, _ map[string]any) { choice(prop(root, "housing"), 3)["vi"] = "Không có chỗ ở" })
	v3 := household(t, func(root, _ map[string]any) {
		c := choice(prop(root, "housing"), 3)
		c["vi"], c["en"] = "Không có chỗ ở", "Homeless"
	})
	if got := schema.BreakingChanges([]*schema.Form{v1, v2}, v3); len(got) != 0 {
		t.Errorf("BreakingChanges() = %+v, want none", changes(got))
	}
	want := []change{{schema.ChangeChoiceMeaning, "/housing", "none", true}}
	if diff := cmp.Diff(want, changes(schema.BreakingChanges([]*schema.Form{v1}, v3))); diff != "" {
		t.Errorf("straight from v1 (-want +got):\n%s", diff)
	}
}
