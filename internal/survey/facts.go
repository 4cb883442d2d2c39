package survey

import (
	"context"
	"time"
)

// A submission is written together with its indicator facts (see
// SubmissionStore.CreateSubmission and SubmissionChange): what the rows of
// its current state count in the indicators. The indicator machinery
// (internal/indicator) derives and counts them; the core only carries
// them from intake to the store, through FactDeriver.

// FactDeriver derives the indicator facts of a submission's current state
// (every answer in clear, storage form); the indicator package provides
// it. Intake calls it for every submission it writes.
type FactDeriver interface {
	FactsOf(sub *Submission) (*Facts, error)
}

// FactCell is what the rows of one submission contribute to one indicator
// within one sex and age group: how many rows are in the denominator and
// how many of those in the numerator.
type FactCell struct {
	Indicator string
	Sex       string
	AgeGroup  string
	Den, Num  int
	// Sensitive is set on the cells of a sensitive indicator: a count of
	// sensitive answers is itself sensitive, so a store never keeps such a
	// cell, nor a total it adds to, in clear (see indicator.FactSealer).
	Sensitive bool
}

// Facts are the indicator facts of one submission's current state: cells
// of indicator × sex × age group. A store writes them in the same atomic
// step as the submission and counts them itself (SQLite from sealed
// totals per commune and day or month, MongoDB with $group), keeping no
// sensitive cell, nor a total it adds to, in clear (see indicator.FactSealer).
type Facts struct {
	SubmissionID string
	Form         string
	Commune      string
	District     string // "" in a hierarchy without districts
	Hierarchy    string // the hierarchy valid on the survey date
	SurveyDate   time.Time
	// Of is the state of the submission the facts were derived from. A
	// rebuild (ReplaceFacts) replaces them only while the submission is
	// still in that state: a change written meanwhile, by this process or
	// another instance, wrote facts of its own, newer ones. Nil: whatever
	// the state.
	Of *Match
	// Cells are empty when the submission does not count (rejected,
	// deleted): writing them removes its rows.
	Cells []FactCell
	// Registry is what the submission tells the registry of households
	// and children, written with the facts (nil: nothing; see
	// WithRegistry).
	Registry RegistryRecord
}

// IntakeOption sets what an intake service writes beside the submissions.
type IntakeOption func(*Intake)

// WithFacts makes intake derive, with d, and write the indicator facts of
// every submission together with it.
func WithFacts(d FactDeriver) IntakeOption { return func(s *Intake) { s.facts = d } }

// WithFeed makes intake record a change event of every write, in the
// same atomic step, for the change feed f.
func WithFeed(f *Feed) IntakeOption { return func(s *Intake) { s.feed = f } }

// PlainSubmission returns a copy of a stored submission with all its
// answers in clear, for deriving indicator facts inside the domain (a
// rebuild of the facts reads stored submissions back through it).
func (s *Intake) PlainSubmission(ctx context.Context, sub *Submission) (*Submission, error) {
	if sub.Sealed == nil {
		return sub, nil
	}
	sf, err := s.catalog.Compiled(ctx, sub.FormID, sub.FormVersion)
	if err != nil {
		return nil, err
	}
	data, err := s.fullAnswers(sf, sub)
	if err != nil {
		return nil, err
	}
	out := *sub
	out.Data = data
	return &out, nil
}

// factsOf returns the facts of sub (every answer in clear, storage form)
// for writing with it, or nil when intake keeps no indicators.
func (s *Intake) factsOf(ctx context.Context, sub *Submission) (*Facts, error) {
	var f *Facts
	if s.facts != nil {
		var err error
		if f, err = s.facts.FactsOf(sub); err != nil {
			return nil, err
		}
	}
	return s.withRegistry(ctx, sub, f)
}
