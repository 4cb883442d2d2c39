package schema_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestZZDebug(t *testing.T) {
	for _, id := range formIDs {
		f := MustCompile(t, filepath.Join(formsDir, id+".json"))
		for _, file := range []string{"invalid.json", "invalid_age.json"} {
			raw, _ := os.ReadFile(filepath.Join(formsDir, "testdata", id, file))
			var cases []formCase
			jsonUnmarshalNumber(raw, &cases)
			seen := map[string]bool{}
			for _, tc := range cases {
				for _, e := range f.Validate(tc.Data, surveyDate) {
					if seen[e.Code] { continue }
					seen[e.Code] = true
					fmt.Printf("%-10s %-35s %-18s %s | %s\n", id, e.Path, e.Code, e.Message.VI, e.Message.EN)
				}
			}
		}
	}
}
