package survey

import (
	"context"
	"errors"

	"github.com/khaosat/khaosat/internal/schema"
)

// The registry of households and children (internal/registry) is fed by
// every submission written, like the indicator facts: intake asks it what
// a submission's current state tells it and hands that to the store in
// Facts.Registry, written in the same atomic step. It also checks, before
// anything is stored, the answers that name a registry record (x-ref).

// RegistryRecord is what a submission's current state tells the registry
// (a *registry.Observation); the core only carries it.
type RegistryRecord interface {
	RegistrySubmission() string
}

// RegistryHook is what intake asks of the registry.
type RegistryHook interface {
	// Observe returns what sub's current state (every answer in clear,
	// storage form) tells the registry; nil when nothing.
	Observe(ctx context.Context, sub *Submission) (RegistryRecord, error)
	// CheckRefs returns a field error for each answer of sub (storage form)
	// on a field with x-ref that names no record the actor may see.
	CheckRefs(ctx context.Context, actor Actor, sf *schema.Form, sub *Submission) ([]FieldError, error)
}

// WithRegistry makes intake feed the registry h with every submission it
// writes, and check the references of what it receives.
func WithRegistry(h RegistryHook) IntakeOption { return func(s *Intake) { s.registry = h } }

// checkRefs refuses a submission whose references name no record the
// actor may see (422, per field), before anything is stored.
func (s *Intake) checkRefs(ctx context.Context, actor Actor, sf *schema.Form, sub *Submission) error {
	if s.registry == nil {
		return nil
	}
	fe, err := s.registry.CheckRefs(ctx, actor, sf, sub)
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		return invalid(fe)
	}
	return nil
}

// withRegistry adds to f (nil: no indicators kept) what sub tells the
// registry, and returns the facts to write.
func (s *Intake) withRegistry(ctx context.Context, sub *Submission, f *Facts) (*Facts, error) {
	if s.registry == nil {
		return f, nil
	}
	rec, err := s.registry.Observe(ctx, sub)
	if err != nil || rec == nil {
		return f, err
	}
	if f == nil {
		f = &Facts{SubmissionID: sub.ID, Form: sub.FormID, SurveyDate: sub.SurveyDate}
	} else {
		c := *f
		f = &c
	}
	f.Registry = rec
	return f, nil
}

// retryRefs submits again, in order, the items of a sync refused only
// for naming a registry record unknown: a follow-up may name a child
// that a household visit of the same batch registers, stored in
// parallel with it.
func (l *Lifecycle) retryRefs(ctx context.Context, actor Actor, bodies []syncItem, out []SyncResult) {
	if l.in.registry == nil {
		return
	}
	for i := range out {
		if unknownRefOnly(out[i].Err) {
			out[i].Submission, out[i].Created, out[i].Err = l.in.Submit(ctx, actor, bodies[i].form, bodies[i].body)
		}
	}
}

// unknownRefOnly reports whether err refuses a submission for unknown
// references and nothing else.
func unknownRefOnly(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeInvalid || len(e.Fields) == 0 {
		return false
	}
	for _, f := range e.Fields {
		if f.Code != "unknown_child" && f.Code != "unknown_household" {
			return false
		}
	}
	return true
}
