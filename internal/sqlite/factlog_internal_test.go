package sqlite

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/khaosat/khaosat/internal/indicator"
)

// TestFactChangesBounded: the log tells the places changed after a
// version, each once; past its bound it forgets the oldest versions whole
// and says so for a version it can no longer vouch for, never answering
// with part of what changed.
func TestFactChangesBounded(t *testing.T) {
	var c factChanges
	a := indicator.FactsArea{Hierarchy: "h2025", Commune: "00004"}
	b := indicator.FactsArea{Hierarchy: "h2025", Commune: "00007"}
	c.record(1, []indicator.FactsArea{a})
	c.record(2, nil)
	c.record(3, []indicator.FactsArea{b, a})
	sorted := cmpopts.SortSlices(func(x, y indicator.FactsArea) bool { return x.Commune < y.Commune })
	for _, tc := range []struct {
		since uint64
		want  []indicator.FactsArea
	}{{0, []indicator.FactsArea{a, b}}, {1, []indicator.FactsArea{a, b}}, {2, []indicator.FactsArea{a, b}}, {3, nil}} {
		got, ok := c.since(tc.since)
		if !ok {
			t.Fatalf("since %d: not known", tc.since)
		}
		if diff := cmp.Diff(tc.want, got, sorted); diff != "" {
			t.Errorf("since %d (-want +got):\n%s", tc.since, diff)
		}
	}
	// Fill the log past its bound with versions of three areas each.
	v := uint64(3)
	for len(c.entries) < maxFactChanges-1 {
		v++
		c.record(v, []indicator.FactsArea{a, b, a})
	}
	v++
	c.record(v, []indicator.FactsArea{{Hierarchy: "h2025", Commune: "00008"}, a, b})
	if len(c.entries) > maxFactChanges {
		t.Fatalf("%d entries kept, bound %d", len(c.entries), maxFactChanges)
	}
	if _, ok := c.since(0); ok {
		t.Error("a version whose changes were forgotten is still vouched for")
	}
	if c.forgotten == 0 || c.entries[0].version != c.forgotten+1 {
		t.Errorf("forgot up to %d, first entry kept of version %d: a version kept in part", c.forgotten, c.entries[0].version)
	}
	got, ok := c.since(c.forgotten)
	if !ok || len(got) != 3 {
		t.Errorf("since %d: %v %v, want the three areas", c.forgotten, got, ok)
	}
	if got, ok := c.since(v); !ok || len(got) != 0 {
		t.Errorf("since the last version: %v %v", got, ok)
	}
}
