package indicator

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// Small-cell suppression of sensitive indicators (INDICATORS.md) for a
// caller without the sensitive grant.
//
// Primary: a cell whose numerator or denominator is 1–4 is hidden.
// Secondary: the cells a caller can ask for are tied by sums — a unit's
// cell is the sum of its sex cells, of its age-group cells and of its
// sub-units' cells, and a year's cell the sum of its four quarters'.
// Within each such group (the total and its parts) a single hidden cell
// could be recovered by subtraction or addition, so one more is hidden,
// the smallest other non-zero cell, until no group has exactly one. The
// decision is taken once over every cell the caller can reach in a year
// and its quarters (each unit of their area at every level, each
// breakdown), and each query shows its rows with those marks: no two
// answers of the same person can be combined to undo them. Other ranges
// are refused them (onGrid): two overlapping ranges differ by the days
// between them, which no decision over the grid covers.

// cubeKey identifies one cell any query of the year can show: period is
// "" for the year's cell, "Q1" to "Q4" for its quarters'.
type cubeKey struct{ code, period, hier, unit, sex, ag string }

// cubeCell is a cell's counts.
type cubeCell struct{ den, num int }

func (c cubeCell) small() bool {
	return (c.num >= 1 && c.num <= 4) || (c.den >= 1 && c.den <= 4)
}

func (c cubeCell) zero() bool { return c.den == 0 && c.num == 0 }

func keyLess(a, b cubeKey) int {
	if c := strings.Compare(a.code, b.code); c != 0 {
		return c
	}
	if c := strings.Compare(a.period, b.period); c != 0 {
		return c
	}
	if c := strings.Compare(a.hier, b.hier); c != 0 {
		return c
	}
	if c := strings.Compare(a.unit, b.unit); c != 0 {
		return c
	}
	if c := strings.Compare(a.sex, b.sex); c != 0 {
		return c
	}
	return strings.Compare(a.ag, b.ag)
}

// cube is a set of cells numbered in key order, and the sums that tie
// them: each group is a total and its parts, by number (the total first).
// Numbers rather than keys: a city's reach is thousands of cells, and a
// decision after every write walks its groups again and again.
type cube struct {
	keys   []cubeKey
	num    map[cubeKey]int32 // a key's number
	groups [][]int32
}

// suppressCells returns the hidden cells of c, whose counts are vals (by
// number): the primary ones, and the secondary ones that keep every group
// from having exactly one hidden member. Deterministic: the same cells
// give the same marks.
func suppressCells(c *cube, vals []cubeCell) []bool {
	hidden := make([]bool, len(c.keys))
	for i, v := range vals {
		hidden[i] = v.small()
	}
	for changed := true; changed; {
		changed = false
		for _, members := range c.groups {
			n := 0
			for _, k := range members {
				if hidden[k] {
					n++
				}
			}
			if n != 1 {
				continue
			}
			if k, ok := smallestOther(vals, hidden, members); ok {
				hidden[k] = true
				changed = true
			}
		}
	}
	return hidden
}

// smallestOther picks the shown member of a group to hide with its one
// hidden member: the smallest non-zero one (by denominator, then
// numerator, then key); a zero one only when nothing else is left, which
// happens only when the parts do not add up to the total (rows without a
// sex or an age group count in the total alone). Numbers follow the keys'
// order, so the key's tie-break is the number's.
func smallestOther(vals []cubeCell, hidden []bool, members []int32) (int32, bool) {
	best := int32(-1)
	bestZero := true
	for _, k := range members {
		if hidden[k] {
			continue
		}
		v := vals[k]
		z := v.zero()
		better := best < 0 || (bestZero && !z)
		if !better && z == bestZero {
			b := vals[best]
			better = v.den < b.den || (v.den == b.den && (v.num < b.num || (v.num == b.num && k < best)))
		}
		if better {
			best, bestZero = k, z
		}
	}
	return best, best >= 0
}

// cubeGroups numbers the cells (and returns their counts by number) and
// lists the sums that tie them together:
// for every unit, its sex cells and its age-group cells add up to it;
// every unit's cells add up to its parent's. parent returns the key
// (hier, unit) of a unit's parent row, ok false when there is none. The
// groups come in the order of their first part, the parts in key order.
func cubeGroups(cells map[cubeKey]cubeCell, parent func(hier, unit string) (string, string, bool)) (*cube, []cubeCell) {
	c := &cube{keys: make([]cubeKey, 0, len(cells))}
	for k := range cells {
		c.keys = append(c.keys, k)
	}
	slices.SortFunc(c.keys, keyLess)
	num := make(map[cubeKey]int32, len(c.keys))
	vals := make([]cubeCell, len(c.keys))
	for i, k := range c.keys {
		num[k] = int32(i)
		vals[i] = cells[k]
	}
	c.num = num
	// group[kind][total]: the group of total's parts of a kind (0 sex,
	// 1 age group, 2 sub-units, 3 quarters), as a position in c.groups
	// plus one.
	var group [4][]int32
	for kind := range group {
		group[kind] = make([]int32, len(c.keys))
	}
	type unitKey struct{ hier, unit string }
	type parentOf struct {
		unitKey
		ok bool
	}
	parents := map[unitKey]parentOf{} // parent's answers, by unit
	for i, k := range c.keys {
		add := func(kind int, total cubeKey) {
			t, ok := num[total]
			if !ok {
				return // a total no one can ask for
			}
			g := group[kind][t]
			if g == 0 {
				c.groups = append(c.groups, []int32{t})
				g = int32(len(c.groups))
				group[kind][t] = g
			}
			c.groups[g-1] = append(c.groups[g-1], int32(i))
		}
		if k.sex != "" {
			add(0, cubeKey{k.code, k.period, k.hier, k.unit, "", k.ag})
		}
		if k.ag != "" {
			add(1, cubeKey{k.code, k.period, k.hier, k.unit, k.sex, ""})
		}
		if k.period != "" {
			add(3, cubeKey{k.code, "", k.hier, k.unit, k.sex, k.ag})
		}
		p, seen := parents[unitKey{k.hier, k.unit}]
		if !seen {
			ph, pu, ok := parent(k.hier, k.unit)
			p = parentOf{unitKey{ph, pu}, ok}
			parents[unitKey{k.hier, k.unit}] = p
		}
		if p.ok {
			add(2, cubeKey{k.code, k.period, p.hier, p.unit, k.sex, k.ag})
		}
	}
	return c, vals
}

// sensitiveRule reports whether suppression applies to the table.
func sensitiveRule(actor survey.Actor, t *Table) []*Indicator {
	if actor.SeesSensitive() {
		return nil
	}
	var out []*Indicator
	for _, def := range t.Indicators {
		if def.Sensitive {
			out = append(out, def)
		}
	}
	return out
}

// everything is who the cells are counted for before suppression.
var everything = survey.Actor{UserID: "indicators", Username: "indicators", Role: survey.RoleAdmin}

// suppress hides the cells of t's sensitive indicators that the actor may
// not see, deciding over every cell the actor can reach in the year of
// t's period and in each of its quarters: a year's table and its
// quarters' come from the same decision.
func (ind *Indicators) suppress(ctx context.Context, actor survey.Actor, t *Table) error {
	defs := sensitiveRule(actor, t)
	if len(defs) == 0 {
		return nil
	}
	if err := onGrid(actor, t); err != nil {
		return err // Table refuses such a range before counting; never decide off the grid
	}
	year, part, _ := gridPeriod(t.From, t.To)
	decided, err := ind.suppressions(ctx, actor, year, defs)
	if err != nil {
		return err
	}
	for i := range t.Rows {
		r := &t.Rows[i]
		d, ok := decided[r.Indicator]
		if !ok {
			continue
		}
		k := cubeKey{r.Indicator, part, r.Hierarchy, r.Unit, r.Sex, r.AgeGroup}
		c := cubeCell{num: deref(r.Numerator), den: deref(r.Denominator)}
		n, reached := d.cube.num[k]
		if (reached && d.hidden[n]) || c.small() || (!reached && !c.zero()) { // unreached: never in clear
			r.Suppressed, r.Numerator, r.Denominator, r.Value = true, nil, nil, nil
		}
	}
	return nil
}

// suppressions returns the decision for each of defs over every cell the
// actor can reach in year and in its quarters, from the cache when the
// facts have not changed since it was taken. Cells of different indicators are never in
// one group, so each indicator's decision is taken (and kept) alone and
// is the one a decision over them all would take.
//
// After a change, the last decision is the base of the new one when the
// store can tell which communes changed since it was taken: their cells
// are counted again, the others' are the base's (the same facts give the
// same sums), and the marks are taken afresh over them all, as they would
// be on a count of everything. A write moves one commune: a city's
// decision then reads the totals of one commune, not of them all.
func (ind *Indicators) suppressions(ctx context.Context, actor survey.Actor, year int, defs []*Indicator) (map[string]*suppression, error) {
	t := &Table{From: time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)}
	out := make(map[string]*suppression, len(defs))
	version, cacheable := uint64(0), false
	if v, ok := ind.store.(FactsVersioner); ok {
		version, cacheable = v.FactsVersion()
	}
	log, _ := ind.store.(FactsChangeLog)
	scope := reachScope(actor, t)
	// The indicators to decide, by the version of their base (0: no
	// base, count everything).
	type batch struct {
		defs    []*Indicator
		bases   []*suppression
		changed map[FactsArea]bool
	}
	batches := map[uint64]*batch{}
	var order []uint64
	for _, def := range defs {
		d, base := ind.cache.get(cacheable, version, scope, def.Code)
		if d != nil {
			out[def.Code] = d
			continue
		}
		var areas []FactsArea
		ok := base != nil && log != nil
		if ok {
			areas, ok = log.FactsChangedSince(base.version)
		}
		bv := uint64(0)
		if ok {
			bv = base.version + 1
		} else {
			base = nil
		}
		b := batches[bv]
		if b == nil {
			b = &batch{}
			if ok {
				b.changed = make(map[FactsArea]bool, len(areas))
				for _, a := range areas {
					b.changed[a] = true
				}
			}
			batches[bv] = b
			order = append(order, bv)
		}
		b.defs, b.bases = append(b.defs, def), append(b.bases, base)
	}
	roots := map[string]bool{}
	for _, r := range actor.Units {
		roots[r] = true
	}
	for _, bv := range order {
		b := batches[bv]
		communes, err := ind.communeCells(ctx, actor, t, b.defs, b.changed)
		if err != nil {
			return nil, err
		}
		for i, def := range b.defs {
			var d *suppression
			if base := b.bases[i]; base != nil {
				d = ind.advance(base, def.Code, communes, b.changed, roots)
			}
			if d == nil { // no base, or cells appear or go: number them again
				cells := map[cubeKey]cubeCell{}
				if base := b.bases[i]; base != nil {
					for n, k := range base.cube.keys {
						if ind.isCommune(k.hier, k.unit) && !b.changed[FactsArea{k.hier, k.unit}] {
							cells[k] = base.vals[n]
						}
					}
				}
				for k, c := range communes {
					if k.code == def.Code {
						cells[k] = c
					}
				}
				ind.rollUp(cells, roots)
				d = &suppression{}
				d.cube, d.vals = cubeGroups(cells, ind.parentRow)
			}
			d.version = version
			d.hidden = suppressCells(d.cube, d.vals)
			out[def.Code] = d
			ind.cache.put(cacheable, scope, def.Code, d)
		}
	}
	return out, nil
}

// advance returns the cells of base for indicator code with the commune
// cells of the changed communes replaced by fresh ones (and the sums above
// them moved by as much), on base's numbering: nil when a cell would come
// or go, which needs a numbering of its own.
func (ind *Indicators) advance(base *suppression, code string, fresh map[cubeKey]cubeCell, changed map[FactsArea]bool, roots map[string]bool) *suppression {
	delta := map[cubeKey]cubeCell{}
	move := func(k cubeKey, c cubeCell, sign int) {
		v := delta[k]
		v.den += sign * c.den
		v.num += sign * c.num
		delta[k] = v
	}
	for n, k := range base.cube.keys {
		if changed[FactsArea{k.hier, k.unit}] && ind.isCommune(k.hier, k.unit) {
			move(k, base.vals[n], -1)
		}
	}
	for k, c := range fresh {
		if k.code == code {
			move(k, c, 1)
		}
	}
	vals := slices.Clone(base.vals)
	for k, c := range delta {
		if c.zero() {
			continue
		}
		for _, a := range append(ind.above(k, roots), k) {
			n, ok := base.cube.num[a]
			if !ok {
				return nil // a cell comes
			}
			vals[n].den += c.den
			vals[n].num += c.num
			if vals[n].zero() {
				return nil // a cell goes
			}
		}
	}
	return &suppression{cube: base.cube, vals: vals}
}

// isCommune reports whether unit is a commune of hierarchy hier.
func (ind *Indicators) isCommune(hier, unit string) bool {
	for _, h := range ind.units.Hierarchies() {
		if h.ID() == hier {
			u, ok := h.Unit(unit)
			return ok && u.Level == survey.LevelCommune
		}
	}
	return false
}

// parentRow is the row a unit's row adds up into: its parent unit in the
// same hierarchy, or the city row, which spans hierarchies.
func (ind *Indicators) parentRow(hier, unit string) (string, string, bool) {
	if hier == "" {
		return "", "", false // the city
	}
	for _, h := range ind.units.Hierarchies() {
		if h.ID() != hier {
			continue
		}
		u, ok := h.Unit(unit)
		if !ok || u.Parent == "" {
			return "", "", false
		}
		if u.Parent == survey.CityCode {
			return "", survey.CityCode, true
		}
		return hier, u.Parent, true
	}
	return "", "", false
}

// communeCells counts every non-zero commune cell of defs the actor can
// ask for in t's period, a year, and in each of its quarters (only those
// of the communes in only, when only is not nil), by sex and age group
// and without either. They come from the table engine, each quarter of
// each unit of the actor's area in turn; a year's cell is the sum of its
// quarters', as it is in the facts. Rows without a sex
// or an age group, which only the totals count, are left out here;
// suppress checks the rows it shows against the primary rule themselves.
// Zero cells are left out: they are shown, and a group whose total is
// zero hides nothing.
func (ind *Indicators) communeCells(ctx context.Context, actor survey.Actor, t *Table, defs []*Indicator, only map[FactsArea]bool) (map[cubeKey]cubeCell, error) {
	communes := map[cubeKey]cubeCell{}
	for _, root := range actor.Units {
		for q, from := range quarterStarts(t.From) {
			sub := &Table{Indicators: defs, From: from, To: from.AddDate(0, 3, -1), Unit: root, Level: survey.LevelCommune, By: []string{"sex", "age_group"}, only: only}
			scopes, err := ind.scopes(everything, sub)
			if err != nil {
				continue // the unit does not exist in this quarter
			}
			if err := ind.fill(ctx, everything, sub, scopes); err != nil {
				return nil, err
			}
			for _, r := range sub.Rows {
				c := cubeCell{num: deref(r.Numerator), den: deref(r.Denominator)}
				if c.zero() {
					continue
				}
				for _, period := range []string{quarterNames[q], ""} {
					for _, sex := range []string{r.Sex, ""} {
						for _, ag := range []string{r.AgeGroup, ""} {
							k := cubeKey{r.Indicator, period, r.Hierarchy, r.Unit, sex, ag}
							v := communes[k]
							v.den += c.den
							v.num += c.num
							communes[k] = v
						}
					}
				}
			}
		}
	}
	return communes, nil
}

// rollUp adds to cells, commune cells, the units above them that the
// actor (whose units are roots) can ask for, as their sums: every cell
// the actor can reach.
func (ind *Indicators) rollUp(cells map[cubeKey]cubeCell, roots map[string]bool) {
	communes := make([]cubeKey, 0, len(cells))
	for k := range cells {
		communes = append(communes, k)
	}
	for _, k := range communes {
		c := cells[k]
		for _, a := range ind.above(k, roots) {
			v := cells[a]
			v.den += c.den
			v.num += c.num
			cells[a] = v
		}
	}
}

// above returns the cells above commune cell k that the actor can ask for:
// those of the units up to the highest of their units on the way.
func (ind *Indicators) above(k cubeKey, roots map[string]bool) []cubeKey {
	var chain []cubeKey
	top := -1
	for h, u, ok := k.hier, k.unit, true; ok; h, u, ok = ind.parentRow(h, u) {
		chain = append(chain, cubeKey{k.code, k.period, h, u, k.sex, k.ag})
		if roots[u] {
			top = len(chain) - 1
		}
	}
	return chain[1:max(top+1, 1)]
}

var quarterNames = [4]string{"Q1", "Q2", "Q3", "Q4"}

// quarterStarts returns the first days of the quarters of year's year.
func quarterStarts(year time.Time) [4]time.Time {
	var out [4]time.Time
	for q := range out {
		out[q] = time.Date(year.Year(), time.Month(3*q+1), 1, 0, 0, 0, 0, time.UTC)
	}
	return out
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
