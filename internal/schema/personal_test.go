package schema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khaosat/khaosat/internal/schema"
)

// TestPersonalOmit: x-personal: "omit" marks a personal field that an
// export without the personal grant leaves out; true marks one it
// pseudonymises.
func TestPersonalOmit(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "sink.json"))
	if err != nil {
		t.Fatal(err)
	}
	old := `"x-hint": {"vi": "8–15 chữ số.", "en": "8–15 digits."}, "x-personal": true}`
	if !strings.Contains(string(raw), old) {
		t.Fatal("sink.json has no personal phone")
	}
	f, err := schema.Compile([]byte(strings.Replace(string(raw), old, strings.Replace(old, "true", `"omit"`, 1), 1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path           string
		personal, omit bool
	}{
		{"/name", true, false},
		{"/phone", true, true},
	} {
		fl := f.Field(tt.path)
		if fl == nil || fl.Personal != tt.personal || fl.OmitPersonal != tt.omit {
			t.Errorf("%s: %+v, want personal %v, omit %v", tt.path, fl, tt.personal, tt.omit)
		}
	}
}
