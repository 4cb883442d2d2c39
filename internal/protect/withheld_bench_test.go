package protect_test

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/survey"
)

// BenchmarkEditWithheld measures what keeping the withheld answers costs
// an edit: the collector's edit that leaves the household's sensitive
// answers out (they are opened, merged back, validated and sealed again)
// against, in the same run, an admin's edit that sends them all (the plain
// replace, the baseline). Both on the embedded database.
func BenchmarkEditWithheld(b *testing.B) {
	ctx := context.Background()
	w := mustWorld(b)
	life := survey.NewLifecycle(w.intake, w.store, survey.NewAuditor(w.store))
	col := survey.Actor{UserID: "u-col", Username: "col", Role: survey.RoleCollector, Units: []string{"00004"}}
	raw, err := os.ReadFile("../../forms/testdata/household/valid/three_children.json")
	if err != nil {
		b.Fatal(err)
	}
	var full map[string]any
	if err := json.Unmarshal(raw, &full); err != nil {
		b.Fatal(err)
	}
	left := map[string]any{}
	for k, v := range full {
		left[k] = v
	}
	var kids []any
	for _, c := range full["children"].([]any) {
		kid := map[string]any{}
		for k, v := range c.(map[string]any) {
			kid[k] = v
		}
		for _, name := range []string{"special_circumstances", "receiving_support", "support_types"} {
			delete(kid, name)
		}
		kids = append(kids, kid)
	}
	left["children"] = kids
	body := func(id string, data map[string]any) []byte {
		out, err := json.Marshal(map[string]any{"id": id, "form_version": 1, "unit": "00004", "survey_date": "2026-06-15", "data": data})
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	run := func(actor survey.Actor, data map[string]any) time.Duration {
		id := uuid.NewString()
		if _, _, err := w.intake.Submit(ctx, col, "household", body(id, full)); err != nil {
			b.Fatal(err)
		}
		edit := body(id, data)
		start := time.Now()
		for rev := 1; rev <= b.N; rev++ {
			if _, err := life.Edit(ctx, actor, "household", id, rev, edit); err != nil {
				b.Fatalf("edit %s: %v", strconv.Itoa(rev), err)
			}
		}
		return time.Since(start)
	}
	b.ResetTimer()
	base := run(admin, full)
	kept := run(col, left)
	b.ReportMetric(float64(base.Microseconds())/float64(b.N), "replace_µs/edit")
	b.ReportMetric(float64(kept.Microseconds())/float64(b.N), "withheld_µs/edit")
	b.ReportMetric(float64(kept)/float64(base), "withheld/replace")
}
