package indicator

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// TableQuery is what a caller asks of the indicators. Strings are as the
// API receives them; Table checks them.
type TableQuery struct {
	Codes  []string // empty: all indicators
	Period string   // "2026" or "2026Q2"; or From/To
	From   string   // YYYY-MM-DD, inclusive; see onGrid for sensitive indicators
	To     string   // YYYY-MM-DD, inclusive
	Unit   string   // default: the city (or the caller's one assigned unit)
	Level  string   // commune (default), district, city
	By     []string // "sex", "age_group"
}

// TableRow is one cell of the table. Numerator, Denominator and Value are
// nil when suppressed; Value is nil when the denominator is 0.
type TableRow struct {
	Indicator   string
	Unit        string
	UnitName    string
	Hierarchy   string
	Sex         string
	AgeGroup    string
	Numerator   *int
	Denominator *int
	Value       *float64
	Suppressed  bool
}

// Table is the answer to a TableQuery.
type Table struct {
	Indicators []*Indicator
	From, To   time.Time
	Unit       string
	Level      survey.Level
	By         []string
	Rows       []TableRow
	// only, when not nil, restricts the count to these communes (the
	// others' rows come out zero).
	only map[FactsArea]bool
}

func queryErr(param, code string, key msg.Key, args ...any) *survey.Error {
	e := survey.Errorf(survey.CodeMalformed, key, args...)
	e.Fields = []survey.FieldError{survey.NewFieldError("?"+param, code, key, args...)}
	return e
}

var periodRE = regexp.MustCompile(`^(\d{4})(?:Q([1-4]))?$`)

// periodRange turns the period parameters into an inclusive date range.
func periodRange(q TableQuery, now time.Time) (time.Time, time.Time, error) {
	if q.Period != "" && (q.From != "" || q.To != "") {
		return time.Time{}, time.Time{}, queryErr("period", "conflict", msg.QueryPeriodOrRange)
	}
	if q.Period == "" && q.From == "" && q.To == "" {
		q.Period = strconv.Itoa(now.Year())
	}
	if q.Period != "" {
		m := periodRE.FindStringSubmatch(q.Period)
		if m == nil {
			return time.Time{}, time.Time{}, queryErr("period", "invalid", msg.QueryPeriod)
		}
		y, _ := strconv.Atoi(m[1])
		if m[2] == "" {
			return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC), nil
		}
		qn, _ := strconv.Atoi(m[2])
		from := time.Date(y, time.Month(3*qn-2), 1, 0, 0, 0, 0, time.UTC)
		return from, from.AddDate(0, 3, -1), nil
	}
	parse := func(name, v string) (time.Time, error) {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return t, queryErr(name, "invalid", msg.QueryDate)
		}
		return t, nil
	}
	if q.From == "" || q.To == "" {
		return time.Time{}, time.Time{}, queryErr("from", "required", msg.QueryFromToPair)
	}
	from, err := parse("from", q.From)
	if err != nil {
		return from, from, err
	}
	to, err := parse("to", q.To)
	if err != nil {
		return from, to, err
	}
	if to.Before(from) {
		return from, to, queryErr("to", "before_from", msg.QueryToBeforeFrom)
	}
	return from, to, nil
}

// gridPeriod returns the calendar year of the range from–to and the part
// of it the range is: "" for the whole year, "Q1" to "Q4" for a quarter;
// ok is false for any other range.
func gridPeriod(from, to time.Time) (year int, part string, ok bool) {
	y := from.Year()
	if from.Day() != 1 || (from.Month()-1)%3 != 0 {
		return y, "", false
	}
	if from.Month() == time.January && to.Equal(time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)) {
		return y, "", true
	}
	qn := int(from.Month()-1)/3 + 1
	if to.Equal(from.AddDate(0, 3, -1)) {
		return y, "Q" + strconv.Itoa(qn), true
	}
	return y, "", false
}

// onGrid refuses, for a caller without the sensitive grant, a table of a
// sensitive indicator over a range that is not a calendar year or
// quarter: a year is the sum of its quarters and two overlapping ranges
// differ by the days between them, so any other range would undo the
// suppression by subtraction (INDICATORS.md). The error names the
// parameter that leaves the grid: from when it is not the first day of a
// quarter, to when it does not end that quarter or that year.
func onGrid(actor survey.Actor, t *Table) error {
	if len(sensitiveRule(actor, t)) == 0 {
		return nil
	}
	if _, _, ok := gridPeriod(t.From, t.To); ok {
		return nil
	}
	param := "to"
	if t.From.Day() != 1 || (t.From.Month()-1)%3 != 0 {
		param = "from"
	}
	e := survey.Errorf(survey.CodeInvalid, msg.QuerySensitivePeriod)
	e.Fields = []survey.FieldError{survey.NewFieldError("?"+param, "off_grid", msg.QuerySensitivePeriod)}
	return e
}

// Table computes indicators for the actor. The store counts facts, never
// submissions; facts are written with their submission, so never stale.
func (ind *Indicators) Table(ctx context.Context, actor survey.Actor, q TableQuery) (*Table, error) {
	if !actor.CanReadIndicators() {
		return nil, survey.Forbidden()
	}
	t := &Table{}
	for _, c := range q.Codes {
		def, ok := ind.set.ByCode(c)
		if !ok {
			return nil, queryErr("codes", "unknown_indicator", msg.IndicatorUnknown, c)
		}
		t.Indicators = append(t.Indicators, def)
	}
	if len(q.Codes) == 0 {
		t.Indicators = ind.set.Indicators
	}
	var err error
	if t.From, t.To, err = periodRange(q, ind.now()); err != nil {
		return nil, err
	}
	if err := onGrid(actor, t); err != nil {
		return nil, err
	}
	switch q.Level {
	case "", string(survey.LevelCommune):
		t.Level = survey.LevelCommune
	case string(survey.LevelDistrict), string(survey.LevelCity):
		t.Level = survey.Level(q.Level)
	default:
		return nil, queryErr("level", "invalid", msg.QueryLevel)
	}
	for _, b := range q.By {
		if b != "sex" && b != "age_group" {
			return nil, queryErr("by", "invalid", msg.QueryBy)
		}
		if !slices.Contains(t.By, b) {
			t.By = append(t.By, b)
		}
	}
	if t.Unit, err = defaultUnit(actor, q.Unit); err != nil {
		return nil, err
	}
	scopes, err := ind.scopes(actor, t)
	if err != nil {
		return nil, err
	}
	if err := ind.fill(ctx, actor, t, scopes); err != nil {
		return nil, err
	}
	if err := ind.suppress(ctx, actor, t); err != nil {
		return nil, err
	}
	return t, nil
}

func defaultUnit(actor survey.Actor, unit string) (string, error) {
	if unit != "" {
		return unit, nil
	}
	if actor.Role == survey.RoleAdmin || slices.Contains(actor.Units, survey.CityCode) {
		return survey.CityCode, nil
	}
	if len(actor.Units) == 1 {
		return actor.Units[0], nil
	}
	return "", queryErr("unit", "required", msg.QueryUnitRequired)
}

// scope is the asked unit inside one hierarchy that overlaps the period.
type scope struct {
	h        survey.Hierarchy
	from, to time.Time
	unit     *survey.Unit
	rows     []*survey.Unit // the units at the asked level, in code order
}

// scopes reads the asked unit in each hierarchy valid during the period:
// 2024 data stays with 2024 districts, 2026 data with 2026 communes.
func (ind *Indicators) scopes(actor survey.Actor, t *Table) ([]scope, error) {
	var out []scope
	for _, h := range ind.units.Hierarchies() {
		from, to := t.From, t.To
		if from.Before(h.From()) {
			from = h.From()
		}
		if !h.To().IsZero() && to.After(h.To()) {
			to = h.To()
		}
		if to.Before(from) {
			continue
		}
		u, ok := h.Unit(t.Unit)
		if !ok {
			continue
		}
		if actor.Role != survey.RoleAdmin && !ind.units.Within(t.Unit, from, actor.Units) {
			return nil, survey.Errorf(survey.CodeForbidden, msg.UnitOutOfScope)
		}
		s := scope{h: h, from: from, to: to, unit: u}
		var walk func(x *survey.Unit)
		walk = func(x *survey.Unit) {
			if x.Level == t.Level {
				s.rows = append(s.rows, x)
				return
			}
			for _, c := range h.Children(x.Code) {
				walk(c)
			}
		}
		walk(u)
		slices.SortFunc(s.rows, func(a, b *survey.Unit) int { return strings.Compare(a.Code, b.Code) })
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, queryErr("unit", "unknown_unit", msg.QueryUnitUnknown, t.Unit)
	}
	return out, nil
}

type tallyKey struct {
	hier, unit, sex, ag, code string
}

func (ind *Indicators) fill(ctx context.Context, actor survey.Actor, t *Table, scopes []scope) error {
	bySex, byAge := slices.Contains(t.By, "sex"), slices.Contains(t.By, "age_group")
	q := FactsQuery{Level: t.Level, BySex: bySex, ByAge: byAge}
	if len(t.Indicators) != len(ind.set.Indicators) {
		for _, def := range t.Indicators {
			q.Indicators = append(q.Indicators, def.Code)
		}
	}
	for _, def := range t.Indicators {
		if def.Sensitive {
			q.Sensitive = append(q.Sensitive, def.Code)
		}
	}
	for _, s := range scopes {
		p := FactsPart{Hierarchy: s.h.ID(), From: s.from, To: s.to}
		if s.unit.Level != survey.LevelCity || t.only != nil {
			p.Communes = []string{}
			var walk func(u *survey.Unit)
			walk = func(u *survey.Unit) {
				if u.Level == survey.LevelCommune && (t.only == nil || t.only[FactsArea{s.h.ID(), u.Code}]) {
					p.Communes = append(p.Communes, u.Code)
				}
				for _, c := range s.h.Children(u.Code) {
					walk(c)
				}
			}
			walk(s.unit)
		}
		q.Parts = append(q.Parts, p)
	}
	counts, err := ind.store.CountFacts(ctx, q)
	if err != nil {
		return err
	}
	tally := make(map[tallyKey][2]int, len(counts))
	for _, c := range counts {
		k := tallyKey{hier: c.Hierarchy, unit: c.Unit, sex: c.Sex, ag: c.AgeGroup, code: c.Indicator}
		if t.Level == survey.LevelCity {
			k.hier, k.unit = "", survey.CityCode // the city is one unit across hierarchies
		}
		if !bySex {
			k.sex = ""
		}
		if !byAge {
			k.ag = ""
		}
		if k.unit == "" {
			continue // a hierarchy without districts
		}
		v := tally[k]
		v[0] += c.Den
		v[1] += c.Num
		tally[k] = v
	}
	sexes, ags := []string{""}, []string{""}
	if bySex {
		sexes = Sexes
	}
	if byAge {
		ags = AgeGroups
	}
	if t.Level == survey.LevelCity {
		scopes = scopes[len(scopes)-1:] // one city row, the current name
	}
	n := 0
	for _, s := range scopes {
		n += len(s.rows)
	}
	t.Rows = make([]TableRow, 0, n*len(t.Indicators)*len(sexes)*len(ags))
	for _, def := range t.Indicators {
		for _, s := range scopes {
			for _, u := range s.rows {
				for _, sex := range sexes {
					for _, ag := range ags {
						hier := s.h.ID()
						if t.Level == survey.LevelCity {
							hier = ""
						}
						v := tally[tallyKey{hier: hier, unit: u.Code, sex: sex, ag: ag, code: def.Code}]
						r := makeRow(actor, def, u, sex, ag, v[0], v[1])
						r.Hierarchy = hier
						t.Rows = append(t.Rows, r)
					}
				}
			}
		}
	}
	return nil
}

// makeRow computes a cell's value; suppress hides the small cells after.
func makeRow(actor survey.Actor, def *Indicator, u *survey.Unit, sex, ag string, den, num int) TableRow {
	r := TableRow{Indicator: def.Code, Unit: u.Code, UnitName: u.Name, Hierarchy: u.Hierarchy, Sex: sex, AgeGroup: ag}
	n, d := num, den
	r.Numerator, r.Denominator = &n, &d
	if den == 0 {
		return r
	}
	var v float64
	if def.Type == TypeCount {
		v = float64(num)
	} else {
		v = Percent(num, den)
	}
	r.Value = &v
	return r
}

// Percent is 100 × num / den rounded half away from zero to one decimal,
// computed in integers so that no binary fraction tips a half either way.
func Percent(num, den int) float64 {
	x := int64(num) * 1000
	q, r := x/int64(den), x%int64(den)
	if 2*r >= int64(den) {
		q++
	}
	return float64(q) / 10
}
