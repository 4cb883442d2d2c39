package survey

import (
	"context"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// The rules intake applies to a parsed envelope, for a new submission
// (Submit), an edit (Lifecycle.Edit) and a draft's test (check).

// checkEnvelope applies intake's rules to a parsed envelope (known version,
// unit on the survey date, answers valid, unit in the actor's scope) and
// returns the compiled form version.
func (s *Intake) checkEnvelope(ctx context.Context, actor Actor, formID string, env *Envelope, fe []FieldError) (*schema.Form, error) {
	sf, err := s.validate(env, fe, func(v int) (*schema.Form, error) { return s.catalog.Compiled(ctx, formID, v) })
	if err != nil {
		return nil, err
	}
	if actor.Role != RoleAdmin && !s.units.Within(env.Unit, env.SurveyDate, actor.Units) {
		e := Errorf(CodeForbidden, msg.CommuneOutOfScope)
		e.Fields = []FieldError{fieldErr("/unit", "out_of_scope", msg.OutOfScopeField)}
		return nil, e
	}
	return sf, nil
}

// check parses and validates a submission body against the form version
// compiled returns for the version it names: everything intake does before
// the scope check and the write. Draft tests reuse it.
func (s *Intake) check(body []byte, now time.Time, compiled func(version int) (*schema.Form, error)) (*Envelope, *schema.Form, error) {
	env, fe, err := ParseEnvelope(body, "", now)
	if err != nil {
		return nil, nil, err
	}
	sf, err := s.validate(env, fe, compiled)
	if err != nil {
		return nil, nil, err
	}
	return env, sf, nil
}

// validate applies intake's rules to a parsed envelope, adding to the
// field errors fe found while parsing it: the form version is published,
// the unit is a commune on the survey date, the answers are valid. It
// returns the compiled form version, or every failing field at once.
func (s *Intake) validate(env *Envelope, fe []FieldError, compiled func(version int) (*schema.Form, error)) (*schema.Form, error) {
	var sf *schema.Form
	if env.FormVersion > 0 {
		var err error
		sf, err = compiled(env.FormVersion)
		if ErrorCode(err) == CodeNotFound {
			fe = append(fe, fieldErr("/form_version", "unknown_version", msg.ExportVersionUnknown))
		} else if err != nil {
			return nil, err
		}
	}
	if env.Unit != "" && !env.SurveyDate.IsZero() {
		if u, ok := s.units.At(env.Unit, env.SurveyDate); !ok || u.Level != LevelCommune {
			fe = append(fe, fieldErr("/unit", "unknown_unit", msg.UnitUnknownOnDate, env.Unit))
		}
	}
	if sf != nil && env.Data != nil {
		for _, e := range sf.Validate(env.Data, env.SurveyDate) {
			fe = append(fe, FieldError{Path: "/data" + e.Path, Code: e.Code, Message: e.Message})
		}
	}
	if len(fe) > 0 {
		return nil, invalid(fe)
	}
	return sf, nil
}
