package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

func monthOf(t time.Time) int { return t.Year()*100 + int(t.Month()) }

// Indicator facts are kept in sealed boxes only (see migration 0004): one
// per submission (fact_boxes), and the sums of those boxes per commune and
// day (fact_day_totals) and per commune and month (fact_month_totals),
// moved in the transaction of every change. A write reads, opens, changes,
// seals again and writes back the one or two totals it moves: a handful of
// statements where a row per cell and an upsert per cell used to be.

var errNoSealer = errors.New("indicator facts: no sealer (UseFactSealer)")

// factArea is where a submission's facts were added: the totals of its
// commune on its day and in its month.
type factArea struct {
	hierarchy, commune, district string
	day                          int64 // ms of the survey date's UTC midnight
}

// totalKind is one of the two tables of totals.
type totalKind struct {
	table, col string
	period     func(day int64) int64
}

var (
	dayTotals   = &totalKind{"fact_day_totals", "day", func(day int64) int64 { return day }}
	monthTotals = &totalKind{"fact_month_totals", "month", func(day int64) int64 { return int64(monthOf(time.UnixMilli(day).UTC())) }}
)

// totalAAD names a total's record, so that its box opens in no other row:
// the table, hierarchy, commune and period.
func totalAAD(k *totalKind, hierarchy, commune string, period int64) string {
	return k.col + "\x00" + hierarchy + "\x00" + commune + "\x00" + strconv.FormatInt(period, 10)
}

// submissionAAD names a submission's facts box.
func submissionAAD(id string) string { return "submission\x00" + id }

// storedFacts is a submission's box, opened.
type storedFacts struct {
	area  factArea
	keyID string
	cells []survey.FactCell
}

// readFacts returns the opened box of submission id, or nil when it has none.
func readFacts(tx *wtx, id string) (*storedFacts, error) {
	var f storedFacts
	var box []byte
	err := tx.QueryRow(`SELECT hierarchy, commune, district, survey_date, key_id, box FROM fact_boxes WHERE submission = ?`, id).
		Scan(&f.area.hierarchy, &f.area.commune, &f.area.district, &f.area.day, &f.keyID, &box)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate("read indicator facts", err)
	}
	if tx.s.sealer == nil {
		return nil, errNoSealer
	}
	if f.cells, err = tx.s.sealer.OpenCells(f.keyID, box, submissionAAD(id)); err != nil {
		return nil, fmt.Errorf("read indicator facts of %s: %w", id, err)
	}
	return &f, nil
}

// putFacts replaces a submission's facts inside a transaction and moves
// the totals they add to by the difference (nil f: no indicators kept).
// fresh: the submission is new, it has no facts yet.
func putFacts(tx *wtx, id string, f *survey.Facts, fresh bool) error {
	if f == nil {
		return nil
	}
	if err := putRegistry(tx, f); err != nil {
		return err
	}
	tx.facts = true
	var old *storedFacts
	if !fresh {
		var err error
		if old, err = readFacts(tx, id); err != nil {
			return err
		}
	}
	area := factArea{f.Hierarchy, f.Commune, f.District, ms(f.SurveyDate)}
	var moves []totalMove
	if old != nil {
		moves = addMoves(moves, old.area, old.cells, -1)
	}
	if len(f.Cells) > 0 {
		moves = addMoves(moves, area, f.Cells, 1)
	}
	if err := moveTotals(tx, moves); err != nil {
		return err
	}
	if len(f.Cells) == 0 {
		if old == nil {
			return nil
		}
		_, err := tx.Exec(`DELETE FROM fact_boxes WHERE submission = ?`, id)
		return translate("replace indicator facts", err)
	}
	if tx.s.sealer == nil {
		return errNoSealer
	}
	keyID, box, err := tx.s.sealer.SealCells(f.Cells, submissionAAD(id))
	if err != nil {
		return fmt.Errorf("write indicator facts: %w", err)
	}
	_, err = tx.Exec(`INSERT INTO fact_boxes (submission, hierarchy, commune, district, survey_date, key_id, box) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (submission) DO UPDATE SET hierarchy = excluded.hierarchy, commune = excluded.commune, district = excluded.district,
		survey_date = excluded.survey_date, key_id = excluded.key_id, box = excluded.box`,
		id, area.hierarchy, area.commune, area.district, area.day, keyID, box)
	return translate("write indicator facts", err)
}

// dropFacts takes a submission's facts out of the totals, then removes
// its box.
func dropFacts(tx *wtx, id string) error {
	tx.facts = true
	old, err := readFacts(tx, id)
	if err != nil || old == nil {
		return err
	}
	if err := moveTotals(tx, addMoves(nil, old.area, old.cells, -1)); err != nil {
		return err
	}
	_, err = tx.Exec(`DELETE FROM fact_boxes WHERE submission = ?`, id)
	return translate("drop indicator facts", err)
}

// totalMove is what one total is to be changed by.
type totalMove struct {
	kind   *totalKind
	area   factArea // the district of the area the total is given
	period int64
	delta  []survey.FactCell
}

// addMoves adds sign × cells to the day and month totals of area in
// moves. A move of a total already in moves (an edit that keeps the
// commune and day) is merged into it: unchanged cells cancel out.
func addMoves(moves []totalMove, area factArea, cells []survey.FactCell, sign int) []totalMove {
	for _, k := range []*totalKind{dayTotals, monthTotals} {
		p := k.period(area.day)
		i := 0
		for i < len(moves) && !(moves[i].kind == k && moves[i].period == p &&
			moves[i].area.hierarchy == area.hierarchy && moves[i].area.commune == area.commune) {
			i++
		}
		if i == len(moves) {
			moves = append(moves, totalMove{kind: k, area: area, period: p})
		} else if sign > 0 {
			moves[i].area.district = area.district
		}
		moves[i].delta = indicator.AddCells(moves[i].delta, cells, sign)
	}
	return moves
}

// moveTotals applies each move to its total: read, open, add, seal under
// the current key and write back (or delete the total when no cell is
// left). A total whose cells do not change is left as it is, unless it is
// sealed under another key than the current one: a rebuild after a key
// rotation seals again every total it touches.
func moveTotals(tx *wtx, moves []totalMove) error {
	if len(moves) == 0 {
		return nil
	}
	sealer := tx.s.sealer
	if sealer == nil {
		return errNoSealer
	}
	cur := sealer.CurrentKeyID()
	for _, m := range moves {
		k, a := m.kind, m.area
		aad := totalAAD(k, a.hierarchy, a.commune, m.period)
		var rowid int64
		var keyID string
		var box []byte
		err := tx.QueryRow(`SELECT rowid, key_id, box FROM `+k.table+` WHERE hierarchy = ? AND commune = ? AND `+k.col+` = ?`,
			a.hierarchy, a.commune, m.period).Scan(&rowid, &keyID, &box)
		found := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return translate("read indicator totals", err)
		}
		if len(m.delta) == 0 && (!found || keyID == cur) {
			continue
		}
		if len(m.delta) > 0 {
			tx.areas = append(tx.areas, indicator.FactsArea{Hierarchy: a.hierarchy, Commune: a.commune})
		}
		var cells []survey.FactCell
		if found {
			if cells, err = sealer.OpenCells(keyID, box, aad); err != nil {
				return fmt.Errorf("read indicator totals: %w", err)
			}
		}
		cells = indicator.AddCells(cells, m.delta, 1)
		if len(cells) == 0 {
			if found {
				if _, err := tx.Exec(`DELETE FROM `+k.table+` WHERE rowid = ?`, rowid); err != nil {
					return translate("write indicator totals", err)
				}
			}
			continue
		}
		if keyID, box, err = sealer.SealCells(cells, aad); err != nil {
			return fmt.Errorf("write indicator totals: %w", err)
		}
		if found {
			_, err = tx.Exec(`UPDATE `+k.table+` SET district = ?, key_id = ?, box = ? WHERE rowid = ?`, a.district, keyID, box, rowid)
		} else {
			_, err = tx.Exec(`INSERT INTO `+k.table+` (hierarchy, commune, `+k.col+`, district, key_id, box) VALUES (?, ?, ?, ?, ?, ?)`,
				a.hierarchy, a.commune, m.period, a.district, keyID, box)
		}
		if err != nil {
			return translate("write indicator totals", err)
		}
	}
	return nil
}

// ReplaceFacts replaces the facts of a submission (a rebuild).
func (s *Store) ReplaceFacts(ctx context.Context, f *survey.Facts) error {
	return s.write(ctx, func(tx *wtx) error {
		if f.Of != nil { // still in the state they were derived from
			cond, args := matchWhere(f.SubmissionID, *f.Of)
			var n int
			if err := tx.QueryRow(`SELECT count(*) FROM submissions WHERE `+cond, args...).Scan(&n); err != nil {
				return translate("replace indicator facts", err)
			}
			if n == 0 {
				return nil // changed since: the change wrote its own facts
			}
		}
		return putFacts(tx, f.SubmissionID, f, false)
	})
}

// CountFacts sums the facts q selects, grouped as q asks: the whole
// months of each part from the month totals, the days of its partial
// months from the day totals. Each box is opened and its cells grouped
// here: the database sees only where a box belongs. A group comes once.
func (s *Store) CountFacts(ctx context.Context, q indicator.FactsQuery) ([]indicator.FactCount, error) {
	if s.sealer == nil {
		return nil, errNoSealer
	}
	c := factCounter{q: q, index: map[string]int{}}
	if len(q.Indicators) > 0 {
		c.want = make(map[string]bool, len(q.Indicators))
		for _, ind := range q.Indicators {
			c.want[ind] = true
		}
	}
	for _, p := range q.Parts {
		if p.Communes != nil && len(p.Communes) == 0 {
			continue
		}
		area := func() *where {
			w := &where{}
			w.add("hierarchy = ?", p.Hierarchy)
			if p.Communes != nil {
				w.add("commune IN ("+placeholders(len(p.Communes))+")", anys(p.Communes)...)
			}
			return w
		}
		// Whole months inside [From, To] from the month totals; the days
		// before the first whole month and after the last from the day
		// totals, each day span its own query so that it is one range of
		// the key (hierarchy, commune, day) per commune. An empty span is
		// no query: a year or a quarter reads the month totals alone.
		first := time.Date(p.From.Year(), p.From.Month(), 1, 0, 0, 0, 0, time.UTC)
		if !first.Equal(p.From) {
			first = first.AddDate(0, 1, 0)
		}
		end := time.Date(p.To.Year(), p.To.Month(), 1, 0, 0, 0, 0, time.UTC) // first day of To's month
		if p.To.Equal(end.AddDate(0, 1, -1)) {
			end = end.AddDate(0, 1, 0) // To is the last day of its month
		}
		days := func(lo, hi int64) error { // day in [lo, hi]
			w := area()
			if p.Communes == nil {
				// A range on day follows an equality on commune in the
				// key: take the communes of the month totals, the same as
				// those of the day totals (a month total holds the sum of
				// its days, all counts at least zero: it is empty, and
				// deleted, only when each of its days is).
				w.add("commune IN (SELECT DISTINCT commune FROM fact_month_totals WHERE hierarchy = ?)", p.Hierarchy)
			}
			w.add("day >= ? AND day <= ?", lo, hi)
			return s.countTotals(ctx, &c, dayTotals, p.Hierarchy, w)
		}
		var err error
		if first.Before(end) {
			w := area()
			w.add("month BETWEEN ? AND ?", monthOf(first), monthOf(end.AddDate(0, 0, -1)))
			err = s.countTotals(ctx, &c, monthTotals, p.Hierarchy, w)
			if err == nil && p.From.Before(first) {
				err = days(ms(p.From), ms(first)-1)
			}
			if err == nil && !end.After(p.To) {
				err = days(ms(end), ms(p.To))
			}
		} else {
			err = days(ms(p.From), ms(p.To))
		}
		if err != nil {
			return nil, err
		}
	}
	return c.counts(), nil
}

// factCounter sums opened cells into the groups a query asks for. A
// whole table opens a thousand boxes of a hundred cells: each cell is
// summed in place, from the box's plaintext, through an index keyed by
// the group's bytes, and nothing is allocated but for a new group.
type factCounter struct {
	q      indicator.FactsQuery
	want   map[string]bool // nil: every indicator
	index  map[string]int  // group key → position in groups
	groups []indicator.FactCount
	key    []byte // scratch: the key of the cell at hand
	// the indicator of the last cell wants looked at, and its answer
	last       []byte
	lastSet    bool
	lastWanted bool
}

// add opens a box of the totals of commune and sums its cells.
func (c *factCounter) add(sealer indicator.FactSealer, hierarchy, commune, district, keyID string, box []byte, aad string) error {
	g := indicator.FactCount{Hierarchy: hierarchy, Unit: commune}
	switch c.q.Level {
	case survey.LevelDistrict:
		g.Unit = district
	case survey.LevelCity:
		g.Hierarchy, g.Unit = "", ""
	}
	k := append(c.key[:0], g.Hierarchy...)
	k = append(k, 0)
	k = append(k, g.Unit...)
	k = append(k, 0)
	base := len(k)
	err := sealer.EachCell(keyID, box, aad, func(cell *indicator.CellBytes) {
		if !c.wants(cell.Indicator) {
			return
		}
		k = append(k[:base], cell.Indicator...)
		k = append(k, 0)
		if c.q.BySex {
			k = append(k, cell.Sex...)
		}
		k = append(k, 0)
		if c.q.ByAge {
			k = append(k, cell.AgeGroup...)
		}
		i, ok := c.index[string(k)]
		if !ok {
			i = len(c.groups)
			c.index[string(k)] = i
			n := g
			n.Indicator = string(cell.Indicator)
			if c.q.BySex {
				n.Sex = string(cell.Sex)
			}
			if c.q.ByAge {
				n.AgeGroup = string(cell.AgeGroup)
			}
			c.groups = append(c.groups, n)
		}
		c.groups[i].Den += cell.Den
		c.groups[i].Num += cell.Num
	})
	c.key = k
	return err
}

// wants reports whether the cells of indicator ind are asked for. A
// box's cells come grouped by indicator: the answer for the indicator of
// the cell before is reused, so that a box of a hundred cells costs a
// handful of lookups.
func (c *factCounter) wants(ind []byte) bool {
	if c.want == nil {
		return true
	}
	if c.lastSet && string(ind) == string(c.last) {
		return c.lastWanted
	}
	c.last, c.lastSet = append(c.last[:0], ind...), true
	c.lastWanted = c.want[string(ind)]
	return c.lastWanted
}

// counts returns the groups that are not zero.
func (c *factCounter) counts() []indicator.FactCount {
	out := c.groups[:0]
	for _, g := range c.groups {
		if g.Den != 0 || g.Num != 0 {
			out = append(out, g)
		}
	}
	return out
}

// countTotals opens the boxes of the totals of kind k that w selects in
// hierarchy and adds their cells to c.
func (s *Store) countTotals(ctx context.Context, c *factCounter, k *totalKind, hierarchy string, w *where) error {
	rows, err := s.r.QueryContext(ctx, `SELECT commune, district, `+k.col+`, key_id, box FROM `+k.table+w.sql(), w.args...)
	if err != nil {
		return translate("count indicator facts", err)
	}
	defer rows.Close()
	var commune, district, keyID string
	var period int64
	// The box is opened before the next row is read: it is used in place,
	// not copied out of the driver (a whole city is a thousand boxes of
	// a few kilobytes).
	var box sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&commune, &district, &period, &keyID, &box); err != nil {
			return translate("count indicator facts", err)
		}
		if err := c.add(s.sealer, hierarchy, commune, district, keyID, box, totalAAD(k, hierarchy, commune, period)); err != nil {
			return fmt.Errorf("count indicator facts: %w", err)
		}
	}
	return translate("count indicator facts", rows.Err())
}

func anys(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

const metaIndicators = "indicators"

// IndicatorSetHash returns the hash recorded by SetIndicatorSetHash, or "".
func (s *Store) IndicatorSetHash(ctx context.Context) (string, error) {
	var h string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaIndicators).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return h, translate("read indicator meta", err)
}

// SetIndicatorSetHash records the hash of the definitions the facts follow.
func (s *Store) SetIndicatorSetHash(ctx context.Context, hash string) error {
	return s.write(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, metaIndicators, hash)
		return translate("write indicator meta", err)
	})
}

// UseFactSealer sets what seals and opens the indicator facts: every
// fact is kept in sealed boxes, sensitive or not.
func (s *Store) UseFactSealer(f indicator.FactSealer) { s.sealer = f }
