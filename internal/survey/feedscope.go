package survey

import "context"

// feedScope decides which change events an actor may see: exactly the
// submissions the reads would show them (canSee), and on a form whose
// very existence of a record is sensitive (ownOnly) only the actor's own.
// It remembers the ownOnly answer per form for one feed request.
type feedScope struct {
	s     *Intake
	actor Actor
	own   map[string]bool // form id → only the actor's own events
}

func newFeedScope(s *Intake, actor Actor) *feedScope {
	return &feedScope{s: s, actor: actor, own: map[string]bool{}}
}

// visible reports whether the event's submission is one the actor may read.
func (f *feedScope) visible(ctx context.Context, e *Event) (bool, error) {
	if !f.s.canSee(f.actor, &Submission{Collector: e.Collector, Unit: e.Unit, SurveyDate: e.SurveyDate}) {
		return false, nil
	}
	own, ok := f.own[e.Form]
	if !ok {
		form, err := f.s.catalog.Form(ctx, e.Form)
		if isNotFound(err) {
			// A form that no longer exists: show its events only to
			// whoever may see sensitive data, like an unknown form's data.
			own, err = !f.actor.SeesSensitive(), nil
		} else if err == nil {
			own, err = f.s.ownOnly(ctx, f.actor, form)
		}
		if err != nil {
			return false, err
		}
		f.own[e.Form] = own
	}
	return !own || e.Collector == f.actor.UserID, nil
}
