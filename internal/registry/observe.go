package registry

import (
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// The forms the registry reads, and the fields it reads of them
// (QUESTIONNAIRES.md; field names fixed).
const (
	FormHousehold = "household"
)

// followUpForms are the forms whose submission is about one child.
var followUpForms = map[string]bool{"disability": true, "labour": true, "hiv": true}

// IsFollowUp reports whether form is a follow-up form (about one child).
func IsFollowUp(form string) bool { return followUpForms[form] }

// ObservationOf returns what a submission's current state (every answer
// in clear, storage form) tells the registry, or nil when its form tells
// nothing (or, on a form marked x-sensitive-form, sensitive, nothing but
// the submission: see FollowUp). A deleted or rejected submission still
// has one, which does not count.
//
// A household submission without household_id (an older form version) is
// its own household; a follow-up without child_id is its own child (the
// one it registers).
func ObservationOf(sub *survey.Submission, sensitive bool) *Observation {
	seen := Seen{SurveyDate: day(sub.SurveyDate), Acknowledged: sub.ReceivedAt.UTC(), SubmissionID: sub.ID}
	counts := sub.DeletedAt == nil && sub.ReviewState != survey.ReviewRejected
	switch {
	case sub.FormID == FormHousehold:
		v := &Visit{
			Seen: seen, HouseholdID: text(sub.Data, "household_id"), Commune: sub.Unit, Counts: counts,
			HeadName: text(sub.Data, "head_name"), Address: text(sub.Data, "address"),
		}
		if v.HouseholdID == "" {
			v.HouseholdID = sub.ID
		}
		for _, m := range items(sub.Data, "children") {
			id := text(m, "child_id")
			if id == "" {
				continue
			}
			v.Members = append(v.Members, Member{ChildID: id, FullName: text(m, "full_name"), Sex: text(m, "sex"), DateOfBirth: date(m, "date_of_birth")})
		}
		for _, m := range items(sub.Data, "children_left") {
			if id := text(m, "child_id"); id != "" {
				v.Left = append(v.Left, Departure{ChildID: id, Reason: text(m, "left_reason")})
			}
		}
		return &Observation{SubmissionID: sub.ID, Visit: v}
	case IsFollowUp(sub.FormID):
		f := &FollowUp{Seen: seen, Form: sub.FormID, Commune: sub.Unit, Counts: counts, ChildID: text(sub.Data, "child_id"), Sensitive: sensitive}
		if f.ChildID == "" {
			f.ChildID = sub.ID
		}
		if sensitive {
			// Nothing of a sensitive form reaches the registry's rows in
			// clear: not even which child it is about.
			return nil
		}
		f.Own = true
		f.FullName, f.Sex, f.DateOfBirth = text(sub.Data, "full_name"), text(sub.Data, "sex"), date(sub.Data, "date_of_birth")
		return &Observation{SubmissionID: sub.ID, FollowUp: f}
	}
	return nil
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func text(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func date(m map[string]any, k string) time.Time {
	switch v := m[k].(type) {
	case time.Time:
		return day(v)
	case string:
		t, err := time.Parse(time.DateOnly, v)
		if err == nil {
			return t
		}
	}
	return time.Time{}
}

func items(m map[string]any, k string) []map[string]any {
	var out []map[string]any
	switch v := m[k].(type) {
	case []any:
		for _, x := range v {
			if im, ok := x.(map[string]any); ok {
				out = append(out, im)
			}
		}
	case []map[string]any:
		out = v
	}
	return out
}
