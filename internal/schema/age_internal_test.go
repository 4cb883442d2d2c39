package schema

import (
	"testing"
	"time"
)

// TestCivilDateText: a date is written as time.DateOnly writes it, for
// every day of years near the edges and of years in use, and for years
// time writes its own way.
func TestCivilDateText(t *testing.T) {
	for _, y := range []int{0, 1, 9, 10, 99, 100, 999, 1000, 1999, 2000, 2024, 2025, 2100, 9999} {
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == y; d = d.AddDate(0, 0, 1) {
			if got, want := civil(d).text(), d.Format(time.DateOnly); got != want {
				t.Fatalf("%v: %q, want %q", d, got, want)
			}
		}
	}
	for _, y := range []int{-1, -2024, 10000, 12345} {
		d := time.Date(y, 7, 4, 0, 0, 0, 0, time.UTC)
		if got, want := civil(d).text(), d.Format(time.DateOnly); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}
