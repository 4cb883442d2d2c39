package indicator_test

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/survey"
)

// TestFactSealer: sealed cells open only under their record's name, come
// back as they were, and the box's size says little about how many.
func TestFactSealer(t *testing.T) {
	key, _ := seal.NewKey()
	ring, err := seal.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	fs := indicator.NewFactSealer(ring)
	cells := []survey.FactCell{
		{Indicator: "CSPC_RATE", Sex: "female", AgeGroup: "15-17", Den: 1, Num: 1, Sensitive: true},
		{Indicator: "CHILD_POP", Sex: "male", AgeGroup: "0-4", Den: 3, Num: -2},
	}
	kid, box, err := fs.SealCells(cells, "sub-1")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(box, []byte("CSPC_RATE")) {
		t.Fatal("the box holds the indicator in clear")
	}
	got, err := fs.OpenCells(kid, box, "sub-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cells, got); diff != "" {
		t.Errorf("opened cells (-want +got):\n%s", diff)
	}
	var each []survey.FactCell
	if err := fs.EachCell(kid, box, "sub-1", func(c *indicator.CellBytes) {
		each = append(each, survey.FactCell{Indicator: string(c.Indicator), Sex: string(c.Sex), AgeGroup: string(c.AgeGroup), Sensitive: c.Sensitive, Den: c.Den, Num: c.Num})
	}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cells, each); diff != "" {
		t.Errorf("cells one by one (-want +got):\n%s", diff)
	}
	if err := fs.EachCell(kid, box, "sub-2", func(*indicator.CellBytes) { t.Error("a cell of a box opened under another record's name") }); err == nil {
		t.Error("a box opened cell by cell under another record's name")
	}
	if _, err := fs.OpenCells(kid, box, "sub-2"); err == nil {
		t.Error("a box opened under another record's name")
	}
	_, one, _ := fs.SealCells(cells[:1], "x")
	_, none, _ := fs.SealCells(nil, "x")
	if len(one) != len(none) {
		t.Errorf("box sizes %d and %d tell the number of cells", len(one), len(none))
	}
	if _, _, err := indicator.NewFactSealer(nil).SealCells(cells, "x"); err == nil {
		t.Error("sealed without a key")
	}
}

// TestAddCells: totals move by a signed delta and zero cells go.
func TestAddCells(t *testing.T) {
	total := []survey.FactCell{{Indicator: "A", Sex: "male", Den: 2, Num: 1}, {Indicator: "B", Den: 1, Num: 1}}
	got := indicator.AddCells(total, []survey.FactCell{{Indicator: "B", Den: 1, Num: 1}, {Indicator: "A", Sex: "female", Den: 1, Sensitive: true}}, -1)
	want := []survey.FactCell{{Indicator: "A", Sex: "female", Den: -1, Sensitive: true}, {Indicator: "A", Sex: "male", Den: 2, Num: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
