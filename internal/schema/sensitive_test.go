package schema_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/schema"
)

func TestWithSensitive(t *testing.T) {
	t.Parallel()
	f := MustCompile(t, filepath.Join(formsDir, "household.json"))
	paths := schema.SensitivePaths(f)
	if !paths["/children/*/receiving_support"] || !paths["/children/*/support_types"] || !paths["/children/*/special_circumstances"] {
		t.Fatalf("household's sensitive paths = %v, want the three special-circumstance answers", paths)
	}

	// A form marked by another version's paths: the marked copy seals the
	// field, the original is untouched (it is shared by every caller).
	extra := map[string]bool{"/children/*/sex": true, "/no/such/field": true}
	g := f.WithSensitive(extra)
	if g == f {
		t.Fatal("WithSensitive returned the form itself although a field changed")
	}
	if !g.Field("/children/*/sex").Sensitive || !g.Field("/children/3/sex").Sensitive {
		t.Error("the marked copy does not mark /children/*/sex sensitive")
	}
	if f.Field("/children/*/sex").Sensitive {
		t.Error("WithSensitive modified the original form")
	}
	if got, want := g.Field("/head_name"), f.Field("/head_name"); got != want {
		t.Error("a field off the changed path was copied; it can be shared")
	}
	var before, after []string
	f.Walk(func(fl *schema.Field) { before = append(before, fl.Path) })
	g.Walk(func(fl *schema.Field) { after = append(after, fl.Path) })
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("the marked copy has other fields (-want +got):\n%s", d)
	}

	// Nothing to change: the same form back.
	if g := f.WithSensitive(paths); g != f {
		t.Error("WithSensitive copied a form whose marked fields already are sensitive")
	}
}
