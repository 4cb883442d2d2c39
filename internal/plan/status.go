package plan

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// Point is an indicator's value in one period as one person is shown it.
type Point struct {
	Period     string
	Value      *float64
	Suppressed bool
}

// Progress is one indicator of a unit against its target.
type Progress struct {
	Indicator  string
	Value      *float64
	Suppressed bool
	Target     *Target
	// Baseline is the target's baseline value as shown: nil when there
	// is none, or when it is a small count of a sensitive indicator and
	// the person looking may not see those.
	Baseline *float64
	OnTrack  *bool
	Trend    []Point // the quarters of the period's year
}

// Dashboard is a unit's indicators for a period against its targets.
type Dashboard struct {
	Unit   *survey.Unit
	Period string
	Rows   []Progress
}

// defaultUnit: the city for an admin or whoever holds it, else the
// caller's one unit.
func defaultUnit(a survey.Actor, unit string) (string, error) {
	if unit != "" {
		return unit, nil
	}
	if a.Role == survey.RoleAdmin || slices.Contains(a.Units, survey.CityCode) {
		return survey.CityCode, nil
	}
	if len(a.Units) == 1 {
		return a.Units[0], nil
	}
	e := survey.Errorf(survey.CodeMalformed, msg.QueryUnitRequired)
	e.Fields = []survey.FieldError{fieldErr("?unit", "required", msg.QueryUnitRequired)}
	return "", e
}

func (s *Service) readable(a survey.Actor, period, unit string) (Period, *survey.Unit, error) {
	if !a.CanReadIndicators() {
		return Period{}, nil, survey.Forbidden()
	}
	p, ok := ParsePeriod(period)
	if !ok {
		return p, nil, periodErr()
	}
	code, err := defaultUnit(a, unit)
	if err != nil {
		return p, nil, err
	}
	u, ok := s.unitIn(code, p)
	if !ok {
		e := survey.Errorf(survey.CodeMalformed, msg.PlanUnitUnknown, code, p.Name)
		e.Fields = []survey.FieldError{fieldErr("?unit", "unknown_unit", msg.PlanUnitUnknown, code, p.Name)}
		return p, nil, e
	}
	if !s.reaches(a, code, p) {
		return p, nil, outsideArea()
	}
	return p, u, nil
}

// totals reads the total cell of every indicator for the units of level
// under u, as the actor sees them, by indicator and unit code.
func (s *Service) totals(ctx context.Context, a survey.Actor, u *survey.Unit, level survey.Level, p Period) (map[[2]string]indicator.TableRow, error) {
	t, err := s.tables.Table(ctx, a, indicator.TableQuery{Period: p.Name, Unit: u.Code, Level: string(level)})
	if err != nil {
		return nil, err
	}
	out := make(map[[2]string]indicator.TableRow, len(t.Rows))
	for _, r := range t.Rows {
		if r.Hierarchy != "" && r.Hierarchy != u.Hierarchy {
			continue
		}
		out[[2]string{r.Indicator, r.Unit}] = r
	}
	return out, nil
}

// baselineShown hides a baseline that is a small count of a sensitive
// indicator from whoever may not see small counts.
func baselineShown(a survey.Actor, def *indicator.Indicator, t *Target) *float64 {
	if t == nil || t.Baseline == nil {
		return nil
	}
	v := t.Baseline.Value
	if def.Sensitive && def.Type == indicator.TypeCount && !a.SeesSensitive() && v >= 1 && v <= 4 {
		return nil
	}
	return &v
}

// Dashboard returns the unit's indicators for the period with their
// targets, baselines, whether the unit is on track, and the trend over
// the quarters of the year, all as the actor is shown them.
func (s *Service) Dashboard(ctx context.Context, a survey.Actor, period, unit string) (*Dashboard, error) {
	p, u, err := s.readable(a, period, unit)
	if err != nil {
		return nil, err
	}
	targets, err := s.store.Targets(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	byCode := map[string]*Target{}
	for _, t := range targets {
		if t.Unit == u.Code {
			byCode[t.Indicator] = t
		}
	}
	now, err := s.totals(ctx, a, u, u.Level, p)
	if err != nil {
		return nil, err
	}
	var trend []map[[2]string]indicator.TableRow
	quarters := p.Quarters()
	for _, q := range quarters {
		if q.From.After(s.now()) {
			break // a quarter not begun has no figures yet
		}
		m, err := s.totals(ctx, a, u, u.Level, q)
		if err != nil {
			return nil, err
		}
		trend = append(trend, m)
	}
	d := &Dashboard{Unit: u, Period: p.Name}
	for _, def := range s.tables.Set().Indicators {
		r := now[[2]string{def.Code, u.Code}]
		pr := Progress{Indicator: def.Code, Value: r.Value, Suppressed: r.Suppressed, Target: byCode[def.Code]}
		pr.Baseline = baselineShown(a, def, pr.Target)
		if pr.Target != nil && !r.Suppressed {
			pr.OnTrack = pr.Target.OnTrack(r.Value)
		}
		for i, m := range trend {
			q := m[[2]string{def.Code, u.Code}]
			pr.Trend = append(pr.Trend, Point{Period: quarters[i].Name, Value: q.Value, Suppressed: q.Suppressed})
		}
		d.Rows = append(d.Rows, pr)
	}
	return d, nil
}

// StatusCell is one indicator with a target of one unit in the status view.
type StatusCell struct {
	Indicator  string
	Value      *float64
	Suppressed bool
	Target     float64
	Better     string
	OnTrack    *bool
}

// UnitStatus is one reporting unit's line of the status view.
type UnitStatus struct {
	Unit                       *survey.Unit
	Report                     ReportState // State StateNotSubmitted when none
	OnTrack, OffTrack, Unknown int
	Cells                      []StatusCell
}

// Status is every reporting unit's state for a period at a glance.
type Status struct {
	Unit   *survey.Unit
	Period string
	Counts map[string]int // units per report state
	Units  []UnitStatus
}

// Status returns, for every reporting unit under unit (the city by
// default): communes, and the districts before the 2025 reform, each
// with its report's state and its indicators that have a target against
// it, as the actor is shown them.
func (s *Service) Status(ctx context.Context, a survey.Actor, period, unit string) (*Status, error) {
	p, u, err := s.readable(a, period, unit)
	if err != nil {
		return nil, err
	}
	targets, err := s.store.Targets(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	byUnit := map[string][]*Target{}
	for _, t := range targets {
		byUnit[t.Unit] = append(byUnit[t.Unit], t)
	}
	states, err := s.store.ReportStates(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	stateOf := make(map[string]ReportState, len(states))
	for _, st := range states {
		stateOf[st.Unit] = st
	}
	var units []*survey.Unit
	levels := map[survey.Level]bool{}
	var walk func(x *survey.Unit)
	walk = func(x *survey.Unit) {
		if x.Parent != "" {
			units = append(units, x)
			levels[x.Level] = true
		}
		for _, c := range s.units.Children(x.Code, p.To) {
			walk(c)
		}
	}
	walk(u)
	slices.SortStableFunc(units, func(a, b *survey.Unit) int { return strings.Compare(a.Code, b.Code) })
	values := map[[2]string]indicator.TableRow{}
	for _, lv := range []survey.Level{survey.LevelDistrict, survey.LevelCommune} {
		if !levels[lv] || lv == u.Level {
			continue
		}
		m, err := s.totals(ctx, a, u, lv, p)
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			values[k] = v
		}
	}
	if u.Parent != "" {
		m, err := s.totals(ctx, a, u, u.Level, p)
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			values[k] = v
		}
	}
	st := &Status{Unit: u, Period: p.Name, Counts: map[string]int{StateNotSubmitted: 0, StateSubmitted: 0, StateReturned: 0, StateApproved: 0},
		Units: make([]UnitStatus, 0, len(units))}
	for _, x := range units {
		line := UnitStatus{Unit: x, Report: stateOf[x.Code]}
		if line.Report.State == "" {
			line.Report = ReportState{ID: ReportID(p.Name, x.Code), Unit: x.Code, Parent: x.Parent, Period: p.Name, State: StateNotSubmitted}
		}
		st.Counts[line.Report.State]++
		for _, t := range byUnit[x.Code] {
			r := values[[2]string{t.Indicator, x.Code}]
			c := StatusCell{Indicator: t.Indicator, Value: r.Value, Suppressed: r.Suppressed, Target: t.Value, Better: t.Better}
			if !r.Suppressed {
				c.OnTrack = t.OnTrack(r.Value)
			}
			switch {
			case c.OnTrack == nil:
				line.Unknown++
			case *c.OnTrack:
				line.OnTrack++
			default:
				line.OffTrack++
			}
			line.Cells = append(line.Cells, c)
		}
		st.Units = append(st.Units, line)
	}
	return st, nil
}

// Reminder is a report that waits on the person asking.
type Reminder struct {
	Kind    string // "due", "returned" (to submit), "to_review" (to approve or return)
	Unit    string
	Name    string
	Period  string
	Comment string // the return's comment
}

// DuePeriod is the period reports are due for on day now: the quarter
// before the current one.
func DuePeriod(now time.Time) string {
	p, _ := ParsePeriod(now.Format("2006") + "Q" + string(rune('1'+(int(now.Month())-1)/3)))
	prev := p.From.AddDate(0, -3, 0)
	return prev.Format("2006") + "Q" + string(rune('1'+(int(prev.Month())-1)/3))
}

// Reminders returns the reports of the period ("": the one due now) that
// wait on the actor: those of their own units not yet submitted or
// returned to them, and, for a supervisor, those submitted by the units
// below theirs, to approve or return.
func (s *Service) Reminders(ctx context.Context, a survey.Actor, period string) ([]Reminder, error) {
	if !canReport(a) {
		return nil, survey.Forbidden()
	}
	if period == "" {
		period = DuePeriod(s.now().UTC())
	}
	p, ok := ParsePeriod(period)
	if !ok {
		return nil, periodErr()
	}
	states, err := s.store.ReportStates(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	stateOf := map[string]ReportState{}
	for _, st := range states {
		stateOf[st.Unit] = st
	}
	out := []Reminder{}
	for _, code := range a.Units {
		u, ok := s.unitIn(code, p)
		if !ok || u.Parent == "" {
			continue
		}
		switch st, ok := stateOf[code]; {
		case !ok:
			out = append(out, Reminder{Kind: "due", Unit: code, Name: u.Name, Period: p.Name})
		case st.State == StateReturned:
			out = append(out, Reminder{Kind: "returned", Unit: code, Name: u.Name, Period: p.Name, Comment: st.Comment})
		}
	}
	if canSignOff(a) {
		for _, st := range states {
			if st.State != StateSubmitted || slices.Contains(a.Units, st.Unit) || !s.reaches(a, st.Parent, p) {
				continue
			}
			name := st.Unit
			if u, ok := s.unitIn(st.Unit, p); ok {
				name = u.Name
			}
			out = append(out, Reminder{Kind: "to_review", Unit: st.Unit, Name: name, Period: p.Name})
		}
	}
	return out, nil
}
