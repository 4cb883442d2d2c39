package schema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/schema"
)

// formsDir is the repository's forms/ directory, seen from this package.
var formsDir = filepath.Join("..", "..", "forms")

// surveyDate is the survey date of forms/testdata.
var surveyDate = MustDate(nil, "2026-06-15")

// MustCompile compiles the form file at path.
func MustCompile(tb testing.TB, path string) *schema.Form {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := schema.Compile(raw)
	if err != nil {
		tb.Fatalf("compile %s: %v", path, err)
	}
	return f
}

// MustDecode decodes JSON as the API does: with UseNumber.
func MustDecode(tb testing.TB, raw []byte) any {
	if tb != nil {
		tb.Helper()
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if tb == nil {
			panic(err)
		}
		tb.Fatalf("decode: %v", err)
	}
	return v
}

// MustDecodeFile decodes the JSON file at path with UseNumber.
func MustDecodeFile(tb testing.TB, path string) any {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return MustDecode(tb, raw)
}

// MustObject decodes a JSON object with UseNumber.
func MustObject(tb testing.TB, s string) map[string]any {
	if tb != nil {
		tb.Helper()
	}
	m, ok := MustDecode(tb, []byte(s)).(map[string]any)
	if !ok {
		tb.Fatalf("not an object: %s", s)
	}
	return m
}

// MustDate parses "YYYY-MM-DD" as UTC midnight.
func MustDate(tb testing.TB, s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		if tb == nil {
			panic(err)
		}
		tb.Helper()
		tb.Fatal(err)
	}
	return t
}

// pathCode is what a test compares of a FieldError.
type pathCode struct{ Path, Code string }

func pathCodes(errs []schema.FieldError) []pathCode {
	out := []pathCode{}
	for _, e := range errs {
		out = append(out, pathCode{e.Path, e.Code})
	}
	return out
}

// jsonUnmarshalNumber is json.Unmarshal with UseNumber.
func jsonUnmarshalNumber(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}
