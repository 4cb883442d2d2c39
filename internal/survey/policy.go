package survey

import (
	"context"
	"strconv"

	"github.com/khaosat/khaosat/internal/schema"
)

// The access policy for submissions, in one place: every query is built
// with restrictTo, every single record passes canSee.

// CanReadIndicators: managers and admins, and supervisors, whose reports
// are the indicators of their own units (they are district or commune
// child-protection officers); each only within their units.
func (a Actor) CanReadIndicators() bool {
	return a.Role == RoleAdmin || a.Role == RoleManager || a.Role == RoleSupervisor
}

// restrictTo puts the actor's scope into q: an admin sees everything, a
// collector their own submissions inside their units, supervisors and
// managers everything inside their units (a unit includes the units below
// it in the hierarchy valid on each record's survey date).
func (s *Intake) restrictTo(actor Actor, q *SubmissionQuery) error {
	switch actor.Role {
	case RoleAdmin:
		q.Scope = nil
	case RoleCollector:
		q.Scope, q.Collector = s.units.Scope(actor.Units), actor.UserID
	case RoleSupervisor, RoleManager:
		q.Scope = s.units.Scope(actor.Units)
	default:
		return forbidden()
	}
	if q.Scope == nil && actor.Role != RoleAdmin {
		q.Scope = []ScopePart{} // no units assigned: nothing visible
	}
	return nil
}

// canSee reports whether the actor may read one submission.
func (s *Intake) canSee(actor Actor, sub *Submission) bool {
	if sub.DeletedAt != nil {
		return false // soft-deleted: hidden from every read until restored
	}
	switch actor.Role {
	case RoleAdmin:
		return true
	case RoleCollector:
		return sub.Collector == actor.UserID && s.units.Within(sub.Unit, sub.SurveyDate, actor.Units)
	case RoleSupervisor, RoleManager:
		return s.units.Within(sub.Unit, sub.SurveyDate, actor.Units)
	default:
		return false
	}
}

// Redact returns the answers the actor may see, and the JSON pointers of
// those withheld: answers marked x-sensitive are withheld from everyone
// without SeesSensitive, and so is every answer of a form marked
// x-sensitive-form (Catalog.Compiled marks all its fields sensitive). The
// pointers are those of every sensitive field of the form at the places
// the data has (each repeat item), answered or not, so that the list
// itself says nothing about the answers. Every way out of the system (API
// reads, exports) goes through it.
func Redact(actor Actor, sf *schema.Form, data map[string]any) (map[string]any, []string) {
	if actor.SeesSensitive() {
		return data, nil
	}
	out, _ := sf.Strip(data, sensitive)
	var paths []string
	sensitivePaths(sf.Fields, out, "", &paths)
	return out, paths
}

// sensitivePaths lists the JSON pointers of every x-sensitive field the
// form has at the places data's structure has (each item of a repeat),
// whether or not it was answered: what a caller without the right is told
// is withheld depends on the form, never on the answers.
func sensitivePaths(fields []*schema.Field, obj map[string]any, path string, out *[]string) {
	for _, f := range fields {
		p := path + "/" + schema.EscapeToken(f.Name)
		switch {
		case f.Sensitive:
			*out = append(*out, p)
		case f.Kind == schema.KindObject:
			if m, ok := obj[f.Name].(map[string]any); ok {
				sensitivePaths(f.Fields, m, p, out)
			}
		case f.Kind == schema.KindRepeat:
			items, _ := obj[f.Name].([]any)
			for i, it := range items {
				if m, ok := it.(map[string]any); ok {
					sensitivePaths(f.Fields, m, p+"/"+strconv.Itoa(i), out)
				}
			}
		}
	}
}

// ownOnly reports whether the actor may see only their own submissions of
// a form: on a form marked x-sensitive-form (the hiv form) even the
// existence of a submission about a child is sensitive, so whoever may not
// read sensitive data sees only what they submitted themselves. The mark
// is read from the form's current version.
func (s *Intake) ownOnly(ctx context.Context, actor Actor, form *Form) (bool, error) {
	if actor.SeesSensitive() || form.CurrentVersion == 0 {
		return false, nil
	}
	sf, err := s.catalog.Compiled(ctx, form.ID, form.CurrentVersion)
	if err != nil {
		return false, err
	}
	return sf.SensitiveForm, nil
}

// Role is what a user is allowed to do.
type Role string

// The roles of ARCHITECTURE.md.
const (
	RoleCollector  Role = "collector"
	RoleSupervisor Role = "supervisor"
	RoleDesigner   Role = "designer"
	RoleManager    Role = "manager"
	RoleAdmin      Role = "admin"
)

// Roles lists every role, for validation and for tests that enumerate them.
var Roles = []Role{RoleCollector, RoleSupervisor, RoleDesigner, RoleManager, RoleAdmin}

// Actor is the authenticated caller of a service method.
type Actor struct {
	UserID          string
	Username        string
	Role            Role
	Units           []string
	SensitiveAccess bool
	PersonalAccess  bool // see User.PersonalAccess
}

// CanSubmit reports whether the actor may send submissions.
func (a Actor) CanSubmit() bool { return a.Role != RoleDesigner && a.Role != "" }

// SeesSensitive reports whether the actor may read answers marked
// x-sensitive: admins and managers by role, supervisors by explicit grant.
func (a Actor) SeesSensitive() bool {
	return a.Role == RoleAdmin || a.Role == RoleManager || (a.Role == RoleSupervisor && a.SensitiveAccess)
}

// CanReadData reports whether the actor may read submissions at all.
func (a Actor) CanReadData() bool { return a.Role != RoleDesigner && a.Role != "" }
