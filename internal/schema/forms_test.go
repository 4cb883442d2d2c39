package schema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/schema"
)

// formCase is one case of forms/testdata/<form>/invalid*.json.
type formCase struct {
	Name string `json:"name"`
	Data any    `json:"data"`
	Path string `json:"path"`
	Code string `json:"code"`
}

// formIDs are the forms that forms/ must hold.
var formIDs = []string{"household", "disability", "labour", "hiv"}

func TestFormsCompile(t *testing.T) {
	for _, id := range formIDs {
		t.Run(id, func(t *testing.T) {
			f := MustCompile(t, filepath.Join(formsDir, id+".json"))
			if f.ID != id {
				t.Errorf("ID = %q, want %q", f.ID, id)
			}
			f.Walk(func(fl *schema.Field) {
				if fl.Label.VI == "" || fl.Label.EN == "" {
					t.Errorf("%s: no label", fl.Path)
				}
				if got := f.Field(fl.Path); got != fl {
					t.Errorf("Field(%q) = %v, want the walked field", fl.Path, got)
				}
			})
		})
	}
}

func TestFormsValid(t *testing.T) {
	for _, id := range formIDs {
		f := MustCompile(t, filepath.Join(formsDir, id+".json"))
		files, err := filepath.Glob(filepath.Join(formsDir, "testdata", id, "valid", "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no valid examples (%v)", id, err)
		}
		for _, file := range files {
			t.Run(id+"/"+strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
				data := MustDecodeFile(t, file)
				if errs := f.Validate(data, surveyDate); len(errs) != 0 {
					t.Errorf("Validate() = %v, want no errors", errs)
				}
			})
		}
	}
}

func TestFormsInvalid(t *testing.T) {
	for _, id := range formIDs {
		f := MustCompile(t, filepath.Join(formsDir, id+".json"))
		for _, file := range []string{"invalid.json", "invalid_age.json"} {
			raw, err := os.ReadFile(filepath.Join(formsDir, "testdata", id, file))
			if err != nil {
				t.Fatal(err)
			}
			var cases []formCase
			if err := jsonUnmarshalNumber(raw, &cases); err != nil {
				t.Fatalf("%s/%s: %v", id, file, err)
			}
			for _, tc := range cases {
				t.Run(id+"/"+tc.Name, func(t *testing.T) {
					got := f.Validate(tc.Data, surveyDate)
					want := []pathCode{{tc.Path, tc.Code}}
					if diff := cmp.Diff(want, pathCodes(got)); diff != "" {
						t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
					}
					for _, e := range got {
						if e.Message.VI == "" || e.Message.EN == "" {
							t.Errorf("%s %s: empty message %+v", e.Path, e.Code, e.Message)
						}
					}
				})
			}
		}
	}
}
