package schema_test

import (
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/schema"
)

func TestAge(t *testing.T) {
	tests := []struct {
		name    string
		dob, on string
		want    int
	}{
		{"born on the day", "2026-06-15", "2026-06-15", 0},
		{"the day before birth", "2026-06-15", "2026-06-14", -1},
		{"birthday on the survey date", "2010-06-15", "2026-06-15", 16},
		{"the day before the birthday", "2010-06-15", "2026-06-14", 15},
		{"the day after the birthday", "2010-06-15", "2026-06-16", 16},
		{"earlier month", "2010-07-01", "2026-06-30", 15},
		{"later month", "2010-05-31", "2026-06-01", 16},
		{"29 Feb on 28 Feb of a common year", "2008-02-29", "2026-02-28", 17},
		{"29 Feb on 1 Mar of a common year", "2008-02-29", "2026-03-01", 18},
		{"29 Feb on 28 Feb of a leap year", "2008-02-29", "2024-02-28", 15},
		{"29 Feb on 29 Feb of a leap year", "2008-02-29", "2024-02-29", 16},
		{"28 Feb on 28 Feb", "2008-02-28", "2026-02-28", 18},
		{"1 Mar on 29 Feb", "2008-03-01", "2024-02-29", 15},
		{"new year's eve", "2008-12-31", "2026-12-31", 18},
		{"new year's day", "2009-01-01", "2026-12-31", 17},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := schema.Age(MustDate(t, tt.dob), MustDate(t, tt.on)); got != tt.want {
				t.Errorf("Age(%s, %s) = %d, want %d", tt.dob, tt.on, got, tt.want)
			}
		})
	}
}

// TestAgeCalendarDates checks that each time is read as the calendar date
// of its own location, not shifted to UTC.
func TestAgeCalendarDates(t *testing.T) {
	hanoi := time.FixedZone("ICT", 7*3600)
	dob := time.Date(2010, 6, 15, 0, 0, 0, 0, hanoi) // 14 June 17:00 UTC
	on := time.Date(2026, 6, 15, 0, 30, 0, 0, hanoi)
	if got := schema.Age(dob, on); got != 16 {
		t.Errorf("Age() = %d, want 16", got)
	}
}
