package plan

import (
	"context"
	"errors"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// ViewCell is a cell as one person is shown it: counts and value nil when
// suppressed for them (and the value nil when the denominator is 0).
type ViewCell struct {
	CellKey
	Numerator   *int
	Denominator *int
	Value       *float64
	Suppressed  bool
}

// Change is a cell whose figures today differ from the frozen ones, as
// the person looking is shown both; the deltas are given when both are
// shown.
type Change struct {
	CellKey
	Frozen, Now                ViewCell
	DeltaNumerator, DeltaDenom *int
	DeltaValue                 *float64
}

// ReportView is one version of a report as one person is shown it, with
// what has changed in today's data since it was frozen.
type ReportView struct {
	Report  *Report
	Version *Frozen
	Cells   []ViewCell
	Changes []Change
	// DefinitionsChanged: the indicator set is not the one the version
	// was frozen with, so today's figures count by other rules.
	DefinitionsChanged bool
}

// Get returns a report (version 0: the current one) as the actor is
// shown it, compared with today's data. Whoever may read the unit's
// indicators may read its reports.
func (s *Service) Get(ctx context.Context, a survey.Actor, period, code string, version int) (*ReportView, error) {
	if !a.CanReadIndicators() {
		return nil, survey.Forbidden()
	}
	p, ok := ParsePeriod(period)
	if !ok {
		return nil, periodErr()
	}
	r, err := s.store.Report(ctx, ReportID(p.Name, code))
	if errors.Is(err, survey.ErrNotFound) {
		return nil, reportNotFound()
	}
	if err != nil {
		return nil, err
	}
	if !s.reaches(a, r.Unit, p) {
		return nil, reportNotFound()
	}
	f := r.Current()
	if version != 0 {
		if version < 1 || version > len(r.Versions) {
			return nil, survey.Errorf(survey.CodeNotFound, msg.PlanNoVersion)
		}
		f = &r.Versions[version-1]
	}
	u, ok := s.unitIn(r.Unit, p)
	if !ok || u.Hierarchy != r.Hierarchy {
		return nil, reportNotFound()
	}
	frozen, err := s.open(r, f)
	if err != nil {
		return nil, err
	}
	live, err := s.table(ctx, a, u, p)
	if err != nil {
		return nil, err
	}
	v := &ReportView{Report: r, Version: f, DefinitionsChanged: f.Definitions != s.tables.Set().Hash}
	v.Cells = s.view(a, frozen, live)
	v.Changes = diff(v.Cells, live)
	return v, nil
}

// view shows frozen cells to a person as a live table would show them.
// With the sensitive grant every cell is shown. Without it, a cell of a
// sensitive indicator is hidden when today's table hides it for them
// (so that a report and the live table never show one cell each of a
// pair the live decision hides together), or when its own counts are
// small (primary suppression over the frozen figures); then, within each
// total and its sex or age-group parts, no hidden cell stands alone
// (secondary suppression, as INDICATORS.md). While the data has not
// changed this gives exactly the live table's marks.
func (s *Service) view(a survey.Actor, cells []Cell, live map[CellKey]indicator.TableRow) []ViewCell {
	set := s.tables.Set()
	hidden := make([]bool, len(cells))
	if !a.SeesSensitive() {
		at := make(map[CellKey]int, len(cells))
		for i, c := range cells {
			at[c.CellKey] = i
			def, ok := set.ByCode(c.Indicator)
			if ok && def.Sensitive {
				hidden[i] = live[c.CellKey].Suppressed || small(c)
			}
		}
		secondary(cells, hidden, at)
	}
	out := make([]ViewCell, len(cells))
	for i, c := range cells {
		out[i] = ViewCell{CellKey: c.CellKey, Suppressed: hidden[i]}
		if hidden[i] {
			continue
		}
		num, den := c.Num, c.Den
		out[i].Numerator, out[i].Denominator = &num, &den
		if def, ok := set.ByCode(c.Indicator); ok && den != 0 {
			val := float64(num)
			if def.Type == indicator.TypePercent {
				val = indicator.Percent(num, den)
			}
			out[i].Value = &val
		}
	}
	return out
}

func small(c Cell) bool { return (c.Num >= 1 && c.Num <= 4) || (c.Den >= 1 && c.Den <= 4) }

// secondary hides, in every group of a total and its parts with exactly
// one hidden member, the smallest other non-zero member too, until no
// group has exactly one.
func secondary(cells []Cell, hidden []bool, at map[CellKey]int) {
	type gk struct {
		total CellKey
		bySex bool
	}
	groups := map[gk][]int{}
	var order []gk // the groups in the cells' order: the same cells give the same marks
	for i, c := range cells {
		if c.Sex == "" && c.AgeGroup == "" {
			continue
		}
		total := CellKey{Indicator: c.Indicator, Hierarchy: c.Hierarchy}
		t, ok := at[total]
		if !ok {
			continue
		}
		k := gk{total, c.Sex != ""}
		if len(groups[k]) == 0 {
			groups[k] = []int{t}
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	for changed := true; changed; {
		changed = false
		for _, k := range order {
			members := groups[k]
			n := 0
			for _, m := range members {
				if hidden[m] {
					n++
				}
			}
			if n != 1 {
				continue
			}
			best := -1
			for _, m := range members {
				if hidden[m] {
					continue
				}
				c := cells[m]
				zero := c.Num == 0 && c.Den == 0
				if best < 0 {
					best = m
					continue
				}
				b := cells[best]
				bzero := b.Num == 0 && b.Den == 0
				if (bzero && !zero) || (zero == bzero && (c.Den < b.Den || (c.Den == b.Den && c.Num < b.Num))) {
					best = m
				}
			}
			if best >= 0 {
				hidden[best] = true
				changed = true
			}
		}
	}
}

// diff lists the cells whose frozen view differs from today's table as
// the same person sees it: nothing is compared that they are not shown.
func diff(frozen []ViewCell, live map[CellKey]indicator.TableRow) []Change {
	var out []Change
	for _, f := range frozen {
		r, ok := live[f.CellKey]
		now := ViewCell{CellKey: f.CellKey}
		if ok {
			now.Numerator, now.Denominator, now.Value, now.Suppressed = r.Numerator, r.Denominator, r.Value, r.Suppressed
		}
		if f.Suppressed == now.Suppressed && eqInt(f.Numerator, now.Numerator) && eqInt(f.Denominator, now.Denominator) {
			continue
		}
		c := Change{CellKey: f.CellKey, Frozen: f, Now: now}
		if !f.Suppressed && !now.Suppressed && f.Numerator != nil && now.Numerator != nil {
			dn, dd := *now.Numerator-*f.Numerator, *now.Denominator-*f.Denominator
			c.DeltaNumerator, c.DeltaDenom = &dn, &dd
			if f.Value != nil && now.Value != nil {
				dv := float64(int64((*now.Value-*f.Value)*10+sign(*now.Value-*f.Value)*0.5)) / 10
				c.DeltaValue = &dv
			}
		}
		out = append(out, c)
	}
	return out
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}

func eqInt(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
