package survey_test

import (
	"time"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"
)

func normalized(s string) string { return norm.NFC.String(s) }

func day(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

// env is the envelope of a new submission of unit on date.
func env(unit, date string, data map[string]any) map[string]any {
	return map[string]any{"id": uuid.NewString(), "form_version": 1, "unit": unit, "survey_date": date, "data": data}
}
