package plan

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// Which way a count's target points. A percent is on track at or above
// its target (REGISTRY.md); a count's target says which way is better.
const (
	BetterMore = "more"
	BetterLess = "less"
)

// Audit actions of targets.
const (
	AuditTargetSet    = "target.set"
	AuditTargetRemove = "target.remove"
	AuditTargetImport = "target.import"
)

// Baseline is where the unit stood before the plan: a value in an
// earlier period.
type Baseline struct {
	Value  float64
	Period string
}

// Target is what a unit aims for in an indicator over a period.
type Target struct {
	ID        string // period/unit/indicator
	Indicator string
	Unit      string
	Period    string
	Value     float64
	Better    string // BetterMore or BetterLess
	Baseline  *Baseline
	SetBy     string // username
	SetAt     time.Time
}

// TargetID is the ID of the target of (period, unit, indicator): one
// target per indicator, unit and period.
func TargetID(period, unit, code string) string { return period + "/" + unit + "/" + code }

// OnTrack says whether value meets the target: nil when there is no
// value to judge (no data, or a suppressed cell).
func (t *Target) OnTrack(value *float64) *bool {
	if value == nil {
		return nil
	}
	ok := *value >= t.Value
	if t.Better == BetterLess {
		ok = *value <= t.Value
	}
	return &ok
}

// TargetInput is a target as asked: strings and numbers as they came.
type TargetInput struct {
	Indicator      string
	Unit           string
	Period         string
	Value          *float64
	Better         string // "" = more
	BaselineValue  *float64
	BaselinePeriod string
}

// check validates one input for the actor and returns the target, or the
// failing fields under prefix (a JSON pointer: "" for one target,
// "/targets/3" for a row of an import).
func (s *Service) check(a survey.Actor, in TargetInput, prefix string) (*Target, []survey.FieldError, error) {
	var fe []survey.FieldError
	add := func(field, code string, key msg.Key, args ...any) {
		fe = append(fe, fieldErr(prefix+"/"+field, code, key, args...))
	}
	in.Indicator, in.Unit, in.Period = strings.TrimSpace(in.Indicator), strings.TrimSpace(in.Unit), strings.TrimSpace(in.Period)
	in.Better, in.BaselinePeriod = strings.TrimSpace(in.Better), strings.TrimSpace(norm.NFC.String(in.BaselinePeriod))
	def, ok := s.tables.Set().ByCode(in.Indicator)
	switch {
	case in.Indicator == "":
		add("indicator", "required", msg.PlanIndicatorRequired)
	case !ok:
		add("indicator", "unknown_indicator", msg.PlanIndicatorUnknown, in.Indicator)
	}
	p, pok := ParsePeriod(in.Period)
	if !pok {
		add("period", "invalid", msg.PlanPeriod)
	}
	var unit *survey.Unit
	switch {
	case in.Unit == "":
		add("unit", "required", msg.PlanUnitRequired)
	case pok:
		if unit, ok = s.unitIn(in.Unit, p); !ok {
			add("unit", "unknown_unit", msg.PlanUnitUnknown, in.Unit, p.Name)
		} else if !s.reaches(a, in.Unit, p) {
			add("unit", "outside_area", msg.UnitOutOfScope)
		}
	}
	percent := def != nil && def.Type == indicator.TypePercent
	checkValue := func(field string, v *float64) {
		switch {
		case v == nil:
			add(field, "required", msg.PlanValueRequired)
		case math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0:
			add(field, "range", msg.PlanValueNegative)
		case percent && *v > 100:
			add(field, "range", msg.PlanPercentMax)
		case def != nil && def.Type == indicator.TypeCount && *v != math.Trunc(*v):
			add(field, "integer", msg.PlanCountWhole)
		}
	}
	checkValue("value", in.Value)
	switch in.Better {
	case "", BetterMore:
		in.Better = BetterMore
	case BetterLess:
		if percent {
			add("better", "percent_more", msg.PlanPercentMore)
		}
	default:
		add("better", "enum", msg.PlanBetter)
	}
	var base *Baseline
	switch {
	case in.BaselineValue == nil && in.BaselinePeriod == "":
	case in.BaselinePeriod == "":
		add("baseline_period", "required", msg.PlanBaselinePeriodRequired)
	case in.BaselineValue == nil:
		add("baseline_value", "required", msg.PlanBaselineValueRequired)
	default:
		bp, ok := ParsePeriod(in.BaselinePeriod)
		if !ok {
			add("baseline_period", "invalid", msg.PlanBaselinePeriod)
		} else if pok && !bp.To.Before(p.From) {
			add("baseline_period", "not_before", msg.PlanBaselineNotBefore)
		}
		checkValue("baseline_value", in.BaselineValue)
		base = &Baseline{Value: valueOr0(in.BaselineValue), Period: in.BaselinePeriod}
	}
	if len(fe) > 0 {
		return nil, fe, nil
	}
	return &Target{ID: TargetID(p.Name, unit.Code, def.Code), Indicator: def.Code, Unit: unit.Code, Period: p.Name,
		Value: *in.Value, Better: in.Better, Baseline: base, SetBy: a.Username, SetAt: s.now().UTC().Truncate(time.Millisecond)}, nil, nil
}

func valueOr0(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}

func canSetTargets(a survey.Actor) bool {
	return a.Role == survey.RoleManager || a.Role == survey.RoleAdmin
}

func forbiddenTargets() *survey.Error {
	return survey.Errorf(survey.CodeForbidden, msg.PlanTargetsForbidden)
}

// SetTarget sets or changes the target of (indicator, unit, period), by a
// manager whose area holds the unit; audited with the value before.
func (s *Service) SetTarget(ctx context.Context, a survey.Actor, in TargetInput) (*Target, error) {
	if !canSetTargets(a) {
		return nil, forbiddenTargets()
	}
	t, fe, err := s.check(a, in, "")
	if err != nil {
		return nil, err
	}
	for _, f := range fe {
		if f.Code == "outside_area" {
			return nil, outsideArea() // one target: the unit is refused, not a field of it
		}
	}
	if len(fe) > 0 {
		return nil, invalid(fe)
	}
	before, err := s.store.Target(ctx, t.ID)
	if err != nil && !errors.Is(err, survey.ErrNotFound) {
		return nil, err
	}
	details := targetDetails(t)
	if before != nil {
		details["previous_value"] = before.Value
	}
	if err := s.audit.Record(ctx, a, AuditTargetSet, t.ID, details); err != nil {
		return nil, err
	}
	if err := s.store.PutTargets(ctx, []*Target{t}); err != nil {
		return nil, err
	}
	return t, nil
}

func targetDetails(t *Target) map[string]any {
	d := map[string]any{"indicator": t.Indicator, "unit": t.Unit, "period": t.Period, "value": t.Value, "better": t.Better}
	if t.Baseline != nil {
		d["baseline_value"], d["baseline_period"] = t.Baseline.Value, t.Baseline.Period
	}
	return d
}

// RemoveTarget removes a target, by a manager whose area holds its unit.
func (s *Service) RemoveTarget(ctx context.Context, a survey.Actor, period, unit, code string) error {
	if !canSetTargets(a) {
		return forbiddenTargets()
	}
	id := TargetID(period, unit, code)
	t, err := s.store.Target(ctx, id)
	if errors.Is(err, survey.ErrNotFound) {
		return survey.Errorf(survey.CodeNotFound, msg.PlanTargetNotFound)
	}
	if err != nil {
		return err
	}
	p, _ := ParsePeriod(t.Period)
	if !s.reaches(a, t.Unit, p) {
		return outsideArea()
	}
	if err := s.audit.Record(ctx, a, AuditTargetRemove, id, targetDetails(t)); err != nil {
		return err
	}
	if err := s.store.DeleteTarget(ctx, id); err != nil {
		if errors.Is(err, survey.ErrNotFound) {
			return survey.Errorf(survey.CodeNotFound, msg.PlanTargetNotFound)
		}
		return err
	}
	return nil
}

// MaxImport is the most targets one import may hold.
const MaxImport = 20000

// ImportTargets sets many targets at once (a whole plan): every row is
// checked first, and if any is wrong nothing is applied and the error
// names each failing row and field (/targets/{index}/{field}, index from
// 0). Two rows of the same indicator, unit and period are an error too.
func (s *Service) ImportTargets(ctx context.Context, a survey.Actor, rows []TargetInput) ([]*Target, error) {
	return s.importRows(ctx, a, rows, func(i int) string { return "/targets/" + strconv.Itoa(i) }, nil)
}

// importRows checks every row (prefix names row i in the errors; pre are
// errors found before, in reading them) and stores them all, or none.
func (s *Service) importRows(ctx context.Context, a survey.Actor, rows []TargetInput, prefix func(int) string, pre []survey.FieldError) ([]*Target, error) {
	if !canSetTargets(a) {
		return nil, forbiddenTargets()
	}
	if len(rows) == 0 && len(pre) == 0 {
		return nil, invalid([]survey.FieldError{fieldErr("/targets", "required", msg.PlanNoTargets)})
	}
	if len(rows) > MaxImport {
		return nil, invalid([]survey.FieldError{fieldErr("/targets", "too_many", msg.PlanTooManyTargets, MaxImport)})
	}
	fe := pre
	bad := map[string]bool{}
	for _, e := range pre {
		bad[e.Path[:strings.LastIndexByte(e.Path, '/')]] = true
	}
	out := make([]*Target, 0, len(rows))
	seen := map[string]string{}
	for i, in := range rows {
		p := prefix(i)
		if bad[p] {
			continue // a row that could not be read: its errors are in pre
		}
		t, rfe, err := s.check(a, in, p)
		if err != nil {
			return nil, err
		}
		if len(rfe) > 0 {
			fe = append(fe, rfe...)
			continue
		}
		if first, dup := seen[t.ID]; dup {
			fe = append(fe, fieldErr(p+"/indicator", "duplicate", msg.PlanDuplicateTarget, first))
			continue
		}
		seen[t.ID] = strings.TrimPrefix(p, "/")
		out = append(out, t)
	}
	if len(fe) > 0 {
		return nil, invalid(fe)
	}
	if err := s.audit.Record(ctx, a, AuditTargetImport, "", map[string]any{"targets": len(out)}); err != nil {
		return nil, err
	}
	if err := s.store.PutTargets(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Targets returns the targets of a period ("" every period) whose unit
// the actor's area holds.
func (s *Service) Targets(ctx context.Context, a survey.Actor, period string) ([]*Target, error) {
	if !a.CanReadIndicators() {
		return nil, survey.Forbidden()
	}
	if period != "" {
		if _, ok := ParsePeriod(period); !ok {
			return nil, periodErr()
		}
	}
	all, err := s.store.Targets(ctx, period)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, t := range all {
		p, _ := ParsePeriod(t.Period)
		if s.reaches(a, t.Unit, p) {
			out = append(out, t)
		}
	}
	return out, nil
}

func periodErr() *survey.Error {
	e := survey.Errorf(survey.CodeMalformed, msg.PlanPeriod)
	e.Fields = []survey.FieldError{fieldErr("?period", "invalid", msg.PlanPeriod)}
	return e
}
