package survey_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/survey"
)

// TestViewOpensSealedAnswers: every shipped valid example, stored with its
// sensitive answers sealed, reads back through View exactly as submitted
// (in API form) for a caller who may see them; a supervisor without the
// grant gets the same minus the sensitive answers.
func TestViewOpensSealedAnswers(t *testing.T) {
	w := mustWorld(t)
	ctx := context.Background()
	supervisor := survey.Actor{UserID: "u-sup", Username: "sup", Role: survey.RoleSupervisor, Units: []string{"00070"}}
	sealed := 0
	for _, form := range []string{"household", "hiv", "disability", "labour"} {
		names, err := filepath.Glob(filepath.Join("..", "..", "forms", "testdata", form, "valid", "*.json"))
		if err != nil || len(names) == 0 {
			t.Fatalf("no examples of %s: %v", form, err)
		}
		for _, name := range names {
			t.Run(form+"/"+filepath.Base(name), func(t *testing.T) {
				raw, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				var data map[string]any
				if err := json.Unmarshal(raw, &data); err != nil {
					t.Fatal(err)
				}
				sub := w.submit(t, form, env("00070", "2026-06-15", data))
				sf, err := w.catalog.Compiled(ctx, form, sub.FormVersion)
				if err != nil {
					t.Fatal(err)
				}
				want := sf.FromStorage(sub.Data) // Submit's result keeps the plaintext
				stored, err := w.store.Submission(ctx, sub.ID)
				if err != nil {
					t.Fatal(err)
				}
				if stored.Sealed != nil {
					sealed++
				}
				got, redacted, err := w.intake.View(ctx, admin, stored)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, got); d != "" || redacted != nil {
					t.Errorf("admin view (-want +got):\n%s\nredacted %v", d, redacted)
				}
				got, _, err = w.intake.View(ctx, supervisor, stored)
				if err != nil {
					t.Fatal(err)
				}
				public, _ := survey.Redact(supervisor, sf, want)
				if d := cmp.Diff(public, got); d != "" {
					t.Errorf("supervisor view (-want +got):\n%s", d)
				}
			})
		}
	}
	if sealed == 0 {
		t.Fatal("no example had sealed answers: the test opened nothing")
	}
}
