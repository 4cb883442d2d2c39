package schema_test

import (
	"path/filepath"
	"testing"
)

// BenchmarkValidateHousehold validates forms/testdata's household with
// three children, schema and age rules; the budget is 50 µs per op.
func BenchmarkValidateHousehold(b *testing.B) {
	f := MustCompile(b, filepath.Join(formsDir, "household.json"))
	data := MustDecodeFile(b, filepath.Join(formsDir, "testdata", "household", "valid", "three_children.json"))
	if errs := f.Validate(data, surveyDate); len(errs) != 0 {
		b.Fatalf("Validate() = %v, want no errors", errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		if errs := f.Validate(data, surveyDate); errs != nil {
			b.Fatal(errs)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/op")
}
