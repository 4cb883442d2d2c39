package plan

import (
	"context"
	"errors"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// Report states. A unit with no stored report for a period is
// StateNotSubmitted.
const (
	StateNotSubmitted = "not_submitted"
	StateSubmitted    = "submitted"
	StateReturned     = "returned"
	StateApproved     = "approved"
)

// Report transitions, as audit actions and history steps.
const (
	ActionSubmit  = "report.submit"
	ActionApprove = "report.approve"
	ActionReturn  = "report.return"
)

// EventReport is the webhook event kind of report transitions.
const EventReport = survey.EventReport

// MaxComment is the longest comment on a returned report, in characters.
const MaxComment = 2000

// Report is one unit's indicator table for one period as its officer
// submitted it, and what became of it. Each submission freezes a new
// Version; versions are appended, never changed.
type Report struct {
	ID        string // period/unit
	Unit      string
	UnitName  string
	Hierarchy string // the hierarchy the unit is read in
	Parent    string // the unit whose supervisor signs it off
	Period    string
	State     string
	Rev       int // bumped by every transition: the compare-and-set token
	Versions  []Frozen
	History   []Step
}

// ReportID is the ID of the report of unit for period.
func ReportID(period, unit string) string { return period + "/" + unit }

// Current returns the latest frozen version.
func (r *Report) Current() *Frozen { return &r.Versions[len(r.Versions)-1] }

// Frozen is a report's figures as submitted. The cells are sealed (they
// tell sensitive counts as plainly as the facts do); Hash is the content
// hash printed on the signed copy, over the cells, the definitions'
// version and a random salt kept sealed with them, so that the hash of
// small counts cannot be found by trying them.
type Frozen struct {
	Version     int
	At          time.Time
	By          string // username
	ByID        string
	Definitions string // the indicator set's hash
	Hash        string
	KeyID       string
	Box         []byte
}

// Step is one transition of a report.
type Step struct {
	Action  string
	State   string // the state it led to
	Version int
	By      string
	ByID    string
	At      time.Time
	Comment string
}

// ReportState is a report's state, as the city's status view lists it.
type ReportState struct {
	ID, Unit, Parent, Period, State string
	Rev, Version                    int
	Comment                         string // the last return's comment, while returned
}

// canReport: a unit's officers (supervisors, managers) and admins.
func canReport(a survey.Actor) bool {
	return a.Role == survey.RoleSupervisor || a.Role == survey.RoleManager || a.Role == survey.RoleAdmin
}

// canSignOff: supervisors and admins.
func canSignOff(a survey.Actor) bool {
	return a.Role == survey.RoleSupervisor || a.Role == survey.RoleAdmin
}

func reportNotFound() *survey.Error {
	return survey.Errorf(survey.CodeNotFound, msg.PlanReportNotFound)
}

func raced() *survey.Error {
	return survey.Errorf(survey.CodeConflict, msg.PlanReportRaced)
}

// reportUnit checks the period and the unit of a report: a unit with a
// parent (a commune, or a district before the 2025 reform), read in the
// hierarchy in force at the period's end, so that after the reform a
// commune's parent is the city.
func (s *Service) reportUnit(period, code string) (Period, *survey.Unit, error) {
	p, ok := ParsePeriod(period)
	if !ok {
		return p, nil, periodErr()
	}
	u, ok := s.unitIn(code, p)
	if !ok {
		e := survey.Errorf(survey.CodeNotFound, msg.PlanUnitUnknown, code, period)
		return p, nil, e
	}
	if u.Parent == "" {
		return p, nil, survey.Errorf(survey.CodeInvalid, msg.PlanCityReports)
	}
	return p, u, nil
}

// Submit freezes the unit's table for the period and submits it: a first
// submission, or again after the report was returned. The submitter is
// an officer whose area holds the unit.
func (s *Service) Submit(ctx context.Context, a survey.Actor, period, code string) (*Report, error) {
	if !canReport(a) {
		return nil, survey.Errorf(survey.CodeForbidden, msg.PlanMayNotSubmit)
	}
	p, u, err := s.reportUnit(period, code)
	if err != nil {
		return nil, err
	}
	if !s.reaches(a, u.Code, p) {
		return nil, outsideArea()
	}
	id := ReportID(p.Name, u.Code)
	cur, err := s.store.Report(ctx, id)
	if err != nil && !errors.Is(err, survey.ErrNotFound) {
		return nil, err
	}
	if cur != nil && cur.State != StateReturned {
		return nil, survey.Errorf(survey.CodeConflict, msg.PlanSubmittedAlready, cur.State)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	next := &Report{ID: id, Unit: u.Code, UnitName: u.Name, Hierarchy: u.Hierarchy, Parent: u.Parent, Period: p.Name}
	rev := 0
	if cur != nil {
		*next = *cur
		next.Versions = append([]Frozen(nil), cur.Versions...)
		next.History = append([]Step(nil), cur.History...)
		rev = cur.Rev
	}
	f, err := s.freeze(ctx, u, p, id, len(next.Versions)+1, a, now)
	if err != nil {
		return nil, err
	}
	next.Versions = append(next.Versions, *f)
	next.State, next.Rev = StateSubmitted, rev+1
	next.History = append(next.History, Step{Action: ActionSubmit, State: StateSubmitted, Version: f.Version, By: a.Username, ByID: a.UserID, At: now})
	if err := s.commit(ctx, a, next, cur, rev, ""); err != nil {
		return nil, err
	}
	return next, nil
}

// Approve signs off a submitted report, by a supervisor whose area holds
// the report's parent unit (not the one who submitted it).
func (s *Service) Approve(ctx context.Context, a survey.Actor, period, code string) (*Report, error) {
	return s.decide(ctx, a, period, code, ActionApprove, StateApproved, "")
}

// Return sends a submitted report back to its unit with a comment that
// says what to fix; the unit may then submit it again.
func (s *Service) Return(ctx context.Context, a survey.Actor, period, code, comment string) (*Report, error) {
	comment = strings.TrimSpace(norm.NFC.String(comment))
	switch {
	case comment == "":
		return nil, invalid([]survey.FieldError{fieldErr("/comment", "required", msg.PlanReturnComment)})
	case len([]rune(comment)) > MaxComment:
		return nil, invalid([]survey.FieldError{fieldErr("/comment", "too_long", msg.PlanCommentTooLong)})
	}
	return s.decide(ctx, a, period, code, ActionReturn, StateReturned, comment)
}

func (s *Service) decide(ctx context.Context, a survey.Actor, period, code, action, state, comment string) (*Report, error) {
	if !canSignOff(a) {
		return nil, survey.Errorf(survey.CodeForbidden, msg.PlanMayNotSignOff)
	}
	p, ok := ParsePeriod(period)
	if !ok {
		return nil, periodErr()
	}
	cur, err := s.store.Report(ctx, ReportID(p.Name, code))
	if errors.Is(err, survey.ErrNotFound) {
		return nil, reportNotFound()
	}
	if err != nil {
		return nil, err
	}
	if !s.reaches(a, cur.Unit, p) {
		return nil, reportNotFound()
	}
	if !s.reaches(a, cur.Parent, p) {
		return nil, survey.Errorf(survey.CodeForbidden, msg.PlanMayNotSignOff)
	}
	if cur.State != StateSubmitted {
		return nil, survey.Errorf(survey.CodeConflict, msg.PlanNotSubmitted, cur.State)
	}
	f := cur.Current()
	if f.ByID != "" && f.ByID == a.UserID {
		return nil, survey.Errorf(survey.CodeForbidden, msg.PlanOwnReport)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	next := *cur
	next.History = append(append([]Step(nil), cur.History...), Step{Action: action, State: state, Version: f.Version, By: a.Username, ByID: a.UserID, At: now, Comment: comment})
	next.State, next.Rev = state, cur.Rev+1
	if err := s.commit(ctx, a, &next, cur, cur.Rev, comment); err != nil {
		return nil, err
	}
	return &next, nil
}

// commit stores a transition with its webhook deliveries, if the stored
// report is still at rev, then audits it. The audit entry follows the
// write so that the loser of a race leaves no entry of a transition that
// did not happen; the report's own history records every step with it.
func (s *Service) commit(ctx context.Context, a survey.Actor, next, cur *Report, rev int, comment string) error {
	step := next.History[len(next.History)-1]
	ds, err := s.deliveries(ctx, next, step)
	if err != nil {
		return err
	}
	if cur == nil {
		err = s.store.InsertReport(ctx, next, ds)
		if errors.Is(err, survey.ErrDuplicate) {
			return raced()
		}
	} else if err = s.store.UpdateReport(ctx, next, rev, ds); errors.Is(err, survey.ErrNotFound) {
		return raced()
	}
	if err != nil {
		return err
	}
	details := map[string]any{"unit": next.Unit, "period": next.Period, "state": next.State, "version": step.Version, "hash": next.Current().Hash}
	if comment != "" {
		details["commented"] = true // the text stays in the report: it may name people
	}
	return s.audit.Record(ctx, a, step.Action, next.ID, details)
}

// StateLine is the report's line in the status view, which stores keep
// beside the report so that listing a period's states reads no figures.
func (r *Report) StateLine() ReportState {
	st := ReportState{ID: r.ID, Unit: r.Unit, Parent: r.Parent, Period: r.Period, State: r.State, Rev: r.Rev, Version: len(r.Versions)}
	if r.State == StateReturned && len(r.History) > 0 {
		st.Comment = r.History[len(r.History)-1].Comment
	}
	return st
}
