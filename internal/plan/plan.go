// Package plan is the plan's own numbers (REGISTRY.md, "Targets and
// reports"): the targets a manager sets for a unit's indicators, the
// dashboard of progress against them, and the reports a unit's officer
// submits for a period, frozen as they were and signed off by the parent
// unit's supervisor.
//
// The figures come from the indicator service through the same entry
// point the live tables use (indicator.Indicators.Table), so whatever
// rule counts them there (once per child, with the registry) counts them
// here; who sees what follows the same suppression, for the person
// looking, over frozen reports and targets' progress alike (view.go).
//
// The package imports survey (actors, units, errors, audit, webhooks) and
// indicator; neither imports it.
package plan

import (
	"context"
	"regexp"
	"strconv"
	"time"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// Tables computes indicator tables for an actor; *indicator.Indicators is
// one.
type Tables interface {
	Table(ctx context.Context, actor survey.Actor, q indicator.TableQuery) (*indicator.Table, error)
	Set() *indicator.Set
}

// Store keeps targets and reports. Not found and already there are
// survey.ErrNotFound and survey.ErrDuplicate.
type Store interface {
	// PutTargets stores each target in place of any of its ID, all or
	// none where the engine has transactions.
	PutTargets(ctx context.Context, ts []*Target) error
	// DeleteTarget removes a target; ErrNotFound when there is none.
	DeleteTarget(ctx context.Context, id string) error
	// Target returns one target.
	Target(ctx context.Context, id string) (*Target, error)
	// Targets returns the targets of a period ("": of every period), in
	// ID order.
	Targets(ctx context.Context, period string) ([]*Target, error)

	// InsertReport stores a new report (ErrDuplicate when its ID is
	// taken) and adds ds to the webhook outbox with it.
	InsertReport(ctx context.Context, r *Report, ds []*survey.Delivery) error
	// UpdateReport replaces the stored report if its Rev is still rev
	// (ErrNotFound otherwise: a compare-and-set), and adds ds to the
	// webhook outbox with it.
	UpdateReport(ctx context.Context, r *Report, rev int, ds []*survey.Delivery) error
	// Report returns one report.
	Report(ctx context.Context, id string) (*Report, error)
	// ReportStates returns the state of every report of a period, in ID
	// order, without their frozen figures.
	ReportStates(ctx context.Context, period string) ([]ReportState, error)
	// ReportIDs returns the ID of every report, in order.
	ReportIDs(ctx context.Context) ([]string, error)
}

// Hooks lists the registered webhooks; survey.WebhookStore is one.
type Hooks interface {
	Webhooks(ctx context.Context) ([]*survey.Webhook, error)
}

// Service holds the rules of targets and reports.
type Service struct {
	store  Store
	tables Tables
	units  *survey.Units
	audit  *survey.Auditor
	sealer survey.Sealer
	hooks  Hooks
	now    func() time.Time
}

// New returns the plan service. sealer seals the frozen figures (a
// report's cells tell sensitive counts as plainly as the facts do);
// hooks, when not nil, receive an event for every report transition.
func New(store Store, tables Tables, units *survey.Units, audit *survey.Auditor, sealer survey.Sealer, hooks Hooks) *Service {
	return &Service{store: store, tables: tables, units: units, audit: audit, sealer: sealer, hooks: hooks, now: time.Now}
}

// SetClock replaces the service's clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

var periodRE = regexp.MustCompile(`^(\d{4})(?:Q([1-4]))?$`)

// Period is a calendar year ("2026") or quarter ("2026Q2"): the published
// grid of INDICATORS.md, the only periods sensitive tables are given for
// and so the only periods of targets and reports.
type Period struct {
	Name     string
	From, To time.Time // inclusive
}

// ParsePeriod reads a period name; ok is false when it is not on the grid.
func ParsePeriod(p string) (Period, bool) {
	m := periodRE.FindStringSubmatch(p)
	if m == nil {
		return Period{}, false
	}
	y, _ := strconv.Atoi(m[1])
	if y < 2000 || y > 2100 {
		return Period{}, false
	}
	if m[2] == "" {
		return Period{Name: p, From: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)}, true
	}
	q, _ := strconv.Atoi(m[2])
	from := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC)
	return Period{Name: p, From: from, To: from.AddDate(0, 3, -1)}, true
}

// Quarters returns the four quarters of the period's year.
func (p Period) Quarters() []Period {
	y := strconv.Itoa(p.From.Year())
	out := make([]Period, 4)
	for i := range out {
		out[i], _ = ParsePeriod(y + "Q" + strconv.Itoa(i+1))
	}
	return out
}

// unitIn reads a unit code in the hierarchy in force on the period's last
// day: a code alone is ambiguous across the 2025 reform (UNITS.md), and a
// plan for a period is the plan of the units that close it.
func (s *Service) unitIn(code string, p Period) (*survey.Unit, bool) {
	return s.units.At(code, p.To)
}

// reaches reports whether the actor's area holds the unit in the period.
func (s *Service) reaches(a survey.Actor, code string, p Period) bool {
	return a.Role == survey.RoleAdmin || s.units.Within(code, p.To, a.Units)
}

func invalid(fields []survey.FieldError) *survey.Error {
	return &survey.Error{Code: survey.CodeInvalid, Key: msg.PlanInvalid, Message: msg.Text(msg.PlanInvalid), Fields: fields}
}

func fieldErr(path, code string, key msg.Key, args ...any) survey.FieldError {
	return survey.NewFieldError(path, code, key, args...)
}

func outsideArea() *survey.Error {
	return survey.Errorf(survey.CodeForbidden, msg.UnitOutOfScope)
}
