package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFormsLintShipped(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "forms", "*.json"))
	if err != nil || len(files) != 4 {
		t.Fatalf("forms: %v %v", files, err)
	}
	var out, errb strings.Builder
	if err := run(context.Background(), append([]string{"forms", "lint"}, files...), nil, &out, &errb); err != nil {
		t.Fatalf("forms lint: %v\n%s%s", err, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "4 file(s) checked: no errors, 0 warning(s)") {
		t.Errorf("output = %q", out.String())
	}
}

// TestFormsLintBroken runs the verb on every broken form of the linter's
// table and expects a failure naming each problem as file: path: code.
func TestFormsLintBroken(t *testing.T) {
	dir := filepath.Join("..", "..", "internal", "schema", "testdata", "lint")
	raw, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		File   string
		Errors []struct{ Path, Code string }
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.File, func(t *testing.T) {
			file := filepath.Join(dir, tc.File)
			var out, errb strings.Builder
			err := run(context.Background(), []string{"forms", "lint", file}, nil, &out, &errb)
			if (err != nil) != (len(tc.Errors) > 0) {
				t.Fatalf("forms lint: error %v, want one: %v\n%s", err, len(tc.Errors) > 0, out.String())
			}
			for _, e := range tc.Errors {
				want := fmt.Sprintf("%s: %s: %s: ", file, displayPointer(e.Path), e.Code)
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
