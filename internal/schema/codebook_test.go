package schema_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/unicode/norm"

	"github.com/khaosat/khaosat/internal/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func TestCodebookGolden(t *testing.T) {
	for _, id := range formIDs {
		t.Run(id, func(t *testing.T) {
			f := MustCompile(t, filepath.Join(formsDir, id+".json"))
			rows := schema.Codebook([]*schema.Form{f})
			js, err := json.MarshalIndent(rows, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("codebook", id+".json"), append(js, '\n'))
			var buf bytes.Buffer
			if err := schema.WriteCodebookCSV(&buf, rows); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("codebook", id+".csv"), buf.Bytes())

			// The CSV reads back with the Vietnamese labels intact.
			b, ok := bytes.CutPrefix(buf.Bytes(), []byte("\ufeff"))
			if !ok {
				t.Fatal("the CSV does not start with a UTF-8 byte order mark")
			}
			recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(rows)+1 {
				t.Fatalf("%d records, want %d", len(recs), len(rows)+1)
			}
			for i, r := range rows {
				if got := recs[i+1][2]; got != r.Label.VI || !norm.NFC.IsNormalString(got) {
					t.Errorf("row %d label_vi = %q, want %q in NFC", i, got, r.Label.VI)
				}
			}
		})
	}
}

// TestCodebookSince: a field added in version 2 says so.
func TestCodebookSince(t *testing.T) {
	v1 := household(t, nil)
	v2 := household(t, func(root, _ map[string]any) {
		addField(root, "water_source", map[string]any{"type": "string", "x-label": map[string]any{"vi": "Nguồn nước", "en": "Water source"}})
	})
	for _, r := range schema.Codebook([]*schema.Form{v1, v2}) {
		want := 1
		if r.Path == "/water_source" {
			want = 2
		}
		if r.Since != want {
			t.Errorf("%s: since = %d, want %d", r.Path, r.Since, want)
		}
	}
}
