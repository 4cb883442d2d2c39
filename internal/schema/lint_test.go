package schema_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/schema"
)

// lintCase is one entry of testdata/lint/cases.json: a form file and the
// problems Lint must find in it, no more and no fewer.
type lintCase struct {
	File     string     `json:"file"`
	Errors   []pathCode `json:"errors"`
	Warnings []pathCode `json:"warnings"`
}

func problemCodes(ps []schema.Problem) []pathCode {
	out := []pathCode{}
	for _, p := range ps {
		out = append(out, pathCode{p.Path, p.Code})
	}
	return out
}

func TestLintShippedForms(t *testing.T) {
	for _, id := range formIDs {
		raw, err := os.ReadFile(filepath.Join(formsDir, id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		r := schema.Lint(raw)
		if len(r.Errors) != 0 || len(r.Warnings) != 0 {
			t.Errorf("%s: Lint() = %+v, want no problems", id, r)
		}
	}
}

func TestLintBrokenForms(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "lint", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []lintCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.File, func(t *testing.T) {
			form, err := os.ReadFile(filepath.Join("testdata", "lint", tc.File))
			if err != nil {
				t.Fatal(err)
			}
			r := schema.Lint(form)
			if tc.Errors == nil {
				tc.Errors = []pathCode{}
			}
			if tc.Warnings == nil {
				tc.Warnings = []pathCode{}
			}
			if diff := cmp.Diff(tc.Errors, problemCodes(r.Errors)); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s\n%+v", diff, r.Errors)
			}
			if diff := cmp.Diff(tc.Warnings, problemCodes(r.Warnings)); diff != "" {
				t.Errorf("warnings mismatch (-want +got):\n%s", diff)
			}
			for _, p := range append(r.Errors, r.Warnings...) {
				if p.Message.VI == "" || p.Message.EN == "" || p.Message.VI == p.Message.EN {
					t.Errorf("%s %s: message not in both languages: %+v", p.Path, p.Code, p.Message)
				}
				if strings.Contains(p.Message.VI+p.Message.EN, "%!") {
					t.Errorf("%s %s: badly formatted message: %+v", p.Path, p.Code, p.Message)
				}
			}
			// The linter is stricter than Compile: every form Compile
			// refuses has lint errors.
			if _, err := schema.Compile(form); err != nil && r.OK() {
				t.Errorf("Compile() error = %v but Lint() found no errors", err)
			}
		})
	}
}
