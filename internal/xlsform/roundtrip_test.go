package xlsform_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/xlsform"
)

// shipped are the four forms of forms/.
var shipped = []string{"household", "disability", "labour", "hiv"}

func readShipped(t *testing.T, id string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "forms", id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// decode reads a JSON document as plain values, so that two documents
// compare equal whatever the order of their keys.
func decode(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRoundTripShipped writes each shipped form as XLSForm and reads it
// back: the document is the same, key for key and in every list's order.
func TestRoundTripShipped(t *testing.T) {
	for _, id := range shipped {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			raw := readShipped(t, id)
			var buf bytes.Buffer
			if err := xlsform.Write(&buf, raw, xlsform.WriteOptions{Version: 3}); err != nil {
				t.Fatalf("write: %v", err)
			}
			res, err := xlsform.Read(bytes.NewReader(buf.Bytes()), xlsform.Options{})
			if err != nil {
				t.Fatalf("read back: %v", err)
			}
			if diff := cmp.Diff(decode(t, raw), decode(t, res.Schema)); diff != "" {
				t.Errorf("round trip changed the form (-shipped +read back):\n%s", diff)
			}
			if res.FormID != id {
				t.Errorf("form id %q, want %q", res.FormID, id)
			}
		})
	}
}
