package plan_test

import (
	"testing"

	"github.com/khaosat/khaosat/internal/plan"
	"github.com/khaosat/khaosat/internal/seal"
)

// TestResealReports: after a key rotation the frozen versions are sealed
// again under the new key with their figures and hash unchanged, and the
// old key then seals none (so keys retire may take it out).
func TestResealReports(t *testing.T) {
	t.Parallel()
	w := mustWorld(t)
	w.submit(t, "household", "00004", q1, household(q1, "yes", 1, 2))
	if _, err := w.plan.Submit(ctx, officer, "2026Q1", "00004"); err != nil {
		t.Fatal(err)
	}
	before, err := w.plan.Get(ctx, admin, "2026Q1", "00004", 0)
	if err != nil {
		t.Fatal(err)
	}
	old := seal.KeyID(w.key)
	if n, err := w.plan.SealedUnder(ctx, old); err != nil || n != 1 {
		t.Fatalf("sealed under the key: %d %v", n, err)
	}
	k2, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := seal.NewKeyring(k2, w.key)
	if err != nil {
		t.Fatal(err)
	}
	p2 := plan.New(w.store, w.indicators, w.units, w.audit, ring, w.store)
	if n, err := p2.Reseal(ctx); err != nil || n != 1 {
		t.Fatalf("reseal: %d %v", n, err)
	}
	if n, err := p2.Reseal(ctx); err != nil || n != 0 {
		t.Fatalf("reseal again: %d %v", n, err)
	}
	if n, _ := p2.SealedUnder(ctx, old); n != 0 {
		t.Errorf("%d versions still under the old key", n)
	}
	only, err := seal.NewKeyring(k2)
	if err != nil {
		t.Fatal(err)
	}
	p3 := plan.New(w.store, w.indicators, w.units, w.audit, only, w.store)
	after, err := p3.Get(ctx, admin, "2026Q1", "00004", 0)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version.Hash != before.Version.Hash || *cellOf(after, "BIRTH_REG_U5").Numerator != *cellOf(before, "BIRTH_REG_U5").Numerator {
		t.Errorf("resealing changed the report: %s vs %s", after.Version.Hash, before.Version.Hash)
	}
}
