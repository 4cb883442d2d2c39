package schema_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/schema"
)

// FuzzLint: whatever a designer sends, Lint answers without panicking,
// and a document it passes compiles.
func FuzzLint(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(formsDir, "*.json"))
	more, _ := filepath.Glob(filepath.Join("testdata", "lint", "*.json"))
	for _, p := range append(seeds, more...) {
		raw, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		done := make(chan schema.LintReport, 1)
		go func() { done <- schema.Lint(raw) }()
		var r schema.LintReport
		select {
		case r = <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Lint() takes more than 5 s")
		}
		if r.OK() {
			if _, err := schema.Compile(raw); err != nil {
				t.Fatalf("Lint() found no errors but Compile() = %v", err)
			}
		}
	})
}
