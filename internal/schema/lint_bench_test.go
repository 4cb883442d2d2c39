package schema_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/schema"
)

// BenchmarkLintHousehold lints the household form and reports the cost as
// a ratio to compiling it (Compile, measured in the same run as the
// baseline, since the machine is shared): lint runs on every draft save.
func BenchmarkLintHousehold(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join(formsDir, "household.json"))
	if err != nil {
		b.Fatal(err)
	}
	const rounds = 50
	start := time.Now()
	for range rounds {
		if _, err := schema.Compile(raw); err != nil {
			b.Fatal(err)
		}
	}
	compile := time.Since(start) / rounds
	b.ResetTimer()
	for b.Loop() {
		if r := schema.Lint(raw); !r.OK() {
			b.Fatal(r.Errors)
		}
	}
	lint := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(lint.Microseconds()), "µs/lint")
	b.ReportMetric(float64(lint)/float64(compile), "lint/compile")
}
