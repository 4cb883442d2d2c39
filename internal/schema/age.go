package schema

import (
	"strconv"
	"time"
)

// Age returns the completed years between dob and on: the number of
// birthdays up to and including on. Someone born on 29 February has their
// birthday on 1 March in a common year. Each time is read as a calendar
// date in its own location; if on is before dob the result is negative.
func Age(dob, on time.Time) int {
	by, bm, bd := dob.Date()
	oy, om, od := on.Date()
	age := oy - by
	if om < bm || om == bm && od < bd {
		age--
	}
	return age
}

// civilDate is a calendar date, compared without time zones.
type civilDate struct {
	y int
	m time.Month
	d int
}

func civil(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

func (a civilDate) after(b civilDate) bool {
	if a.y != b.y {
		return a.y > b.y
	}
	if a.m != b.m {
		return a.m > b.m
	}
	return a.d > b.d
}

func (a civilDate) time() time.Time { return time.Date(a.y, a.m, a.d, 0, 0, 0, 0, time.UTC) }

// text is the date as time.DateOnly writes it, without going through a
// time.Time and a layout: every date answer of every exported row is
// written this way. A civilDate is always a real date (civil and
// parseDate make only those); years outside 0–9999 take time's way.
func (a civilDate) text() string {
	if a.y < 0 || a.y > 9999 {
		return a.time().Format(time.DateOnly)
	}
	m, d := int(a.m), a.d
	b := [10]byte{
		byte('0' + a.y/1000), byte('0' + a.y/100%10), byte('0' + a.y/10%10), byte('0' + a.y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d/10), byte('0' + d%10),
	}
	return string(b[:])
}

// parseDate reads "YYYY-MM-DD" strictly (month and day ranges included)
// without the cost of time.Parse on the hot validation path.
func parseDate(s string) (civilDate, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return civilDate{}, false
	}
	num := func(part string) int {
		n := 0
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, m, d := num(s[0:4]), num(s[5:7]), num(s[8:10])
	if y < 0 || m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return civilDate{}, false
	}
	return civilDate{y, time.Month(m), d}, true
}

func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// ageRules checks x-age and x-age-bands, which JSON Schema cannot express,
// against the answers in obj (the object that fields describe).
type ageRules struct {
	survey civilDate
	errs   []FieldError
}

func (r *ageRules) check(fields []*Field, obj map[string]any, path []string) {
	for _, f := range fields {
		switch {
		case f.Age != nil:
			r.checkAge(f, obj, path)
		case f.AgeBands != nil:
			r.checkBand(f, obj, path, fields)
		case f.Kind == KindRepeat:
			items, _ := obj[f.Name].([]any)
			for i, item := range items {
				if m, ok := item.(map[string]any); ok {
					r.check(f.Fields, m, append(path, f.Name, strconv.Itoa(i)))
				}
			}
		case f.Kind == KindObject:
			if m, ok := obj[f.Name].(map[string]any); ok {
				r.check(f.Fields, m, append(path, f.Name))
			}
		}
	}
}

// dateOf returns the answer to the date field f in obj, if it is a valid
// date; an invalid one has already been reported by the schema.
func dateOf(f *Field, obj map[string]any) (civilDate, bool) {
	s, ok := obj[f.Name].(string)
	if !ok {
		return civilDate{}, false
	}
	return parseDate(s)
}

// ageError returns the code of what is wrong with the date of birth f in
// obj, or "" if nothing is (or it cannot be read).
func (r *ageRules) ageError(f *Field, obj map[string]any) string {
	dob, ok := dateOf(f, obj)
	switch {
	case !ok:
		return ""
	case dob.after(r.survey):
		return CodeAfterSurveyDate
	case f.Age != nil && !f.Age.Contains(Age(dob.time(), r.survey.time())):
		return CodeAgeOutOfRange
	}
	return ""
}

func (r *ageRules) checkAge(f *Field, obj map[string]any, path []string) {
	code := r.ageError(f, obj)
	if code == "" {
		return
	}
	e := FieldError{Path: joinPointer(append(path, f.Name)), Code: code}
	if code == CodeAfterSurveyDate {
		e.Message = afterSurveyDateMessage(f)
	} else {
		e.Message = ageOutOfRangeMessage(f)
	}
	r.errs = append(r.errs, e)
}

// checkBand checks an age band against the age from its sibling date. If
// the date itself is wrong, that is the one problem to report.
func (r *ageRules) checkBand(f *Field, obj map[string]any, path []string, siblings []*Field) {
	band, ok := obj[f.Name].(string)
	if !ok {
		return
	}
	want, ok := f.AgeBands.Bands[band]
	if !ok {
		return // not a choice: the schema reports it
	}
	from := findField(siblings, f.AgeBands.From)
	if from == nil || r.ageError(from, obj) != "" {
		return
	}
	dob, ok := dateOf(from, obj)
	if !ok || want.Contains(Age(dob.time(), r.survey.time())) {
		return
	}
	r.errs = append(r.errs, FieldError{
		Path:    joinPointer(append(path, f.Name)),
		Code:    CodeAgeBandMismatch,
		Message: ageBandMessage(f, from),
	})
}
