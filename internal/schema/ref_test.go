package schema_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/khaosat/khaosat/internal/schema"
)

// TestRefOnFollowUps: the follow-up forms' child_id names a registry
// child (x-ref), and the household's own ids are no references.
func TestRefOnFollowUps(t *testing.T) {
	t.Parallel()
	want := map[string]map[string]string{
		"household":  {"/household_id": "", "/children/*/child_id": "", "/children_left/*/child_id": ""},
		"disability": {"/child_id": schema.RefChild},
		"labour":     {"/child_id": schema.RefChild},
		"hiv":        {"/child_id": schema.RefChild},
	}
	for form, fields := range want {
		raw, err := os.ReadFile(filepath.Join(formsDir, form+".json"))
		if err != nil {
			t.Fatal(err)
		}
		sf, err := schema.Compile(raw)
		if err != nil {
			t.Fatal(err)
		}
		for path, ref := range fields {
			f := sf.Field(path)
			if f == nil {
				t.Fatalf("%s: no field %s", form, path)
			}
			if f.Ref != ref {
				t.Errorf("%s %s: Ref = %q, want %q", form, path, f.Ref, ref)
			}
		}
	}
}

// TestRefCompile: Compile refuses an x-ref that names no record kind or
// sits on a field that holds no id.
func TestRefCompile(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("testdata", "lint", "ref_misplaced.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Compile(raw); err == nil {
		t.Fatal("Compile() accepted a misplaced x-ref")
	}
}
