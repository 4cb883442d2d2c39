package indicator

import (
	"testing"

	"github.com/khaosat/khaosat/internal/survey"
)

// TestDecodeCellsDamaged: every cut inside a box's cells fails to decode,
// none panics, and an unknown format is refused.
func TestDecodeCellsDamaged(t *testing.T) {
	good := encodeCells([]survey.FactCell{{Indicator: "A", Sex: "male", AgeGroup: "0-4", Den: 1, Num: 1}})
	for n := 1; n < 12; n++ {
		if _, err := decodeCells(good[:n]); err == nil {
			t.Errorf("cut at %d decoded", n)
		}
	}
	if _, err := decodeCells([]byte{9}); err == nil {
		t.Error("unknown format decoded")
	}
}
