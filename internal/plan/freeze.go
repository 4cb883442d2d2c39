package plan

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

// CellKey names one cell of a unit's table: an indicator in a hierarchy,
// in total (sex and age group "") or for one sex or one age group.
type CellKey struct {
	Indicator, Hierarchy, Sex, AgeGroup string
}

// Cell is one cell's counts.
type Cell struct {
	CellKey
	Num, Den int
}

// frozenBox is the sealed plaintext of a frozen version.
type frozenBox struct {
	Salt  string `json:"salt"`
	Cells []Cell `json:"cells"`
}

// system reads the true figures of a table; every caller is checked for
// the unit before, and what it reads is shown to people only through
// view (suppressed for those without the grant).
var system = survey.Actor{Username: "khaosat", Role: survey.RoleAdmin}

// breakdowns are the tables of a report: the unit's total, by sex and by
// age group (each adds up to the total, as the live tables do).
var breakdowns = [][]string{nil, {"sex"}, {"age_group"}}

// table reads the unit's table for the period as actor sees it, by cell.
// Rows of another hierarchy than the unit's are left out: a code names
// another unit there (UNITS.md).
func (s *Service) table(ctx context.Context, actor survey.Actor, u *survey.Unit, p Period) (map[CellKey]indicator.TableRow, error) {
	out := map[CellKey]indicator.TableRow{}
	for _, by := range breakdowns {
		t, err := s.tables.Table(ctx, actor, indicator.TableQuery{Period: p.Name, Unit: u.Code, Level: string(u.Level), By: by})
		if err != nil {
			return nil, err
		}
		for _, r := range t.Rows {
			if r.Hierarchy != "" && r.Hierarchy != u.Hierarchy {
				continue
			}
			out[CellKey{r.Indicator, r.Hierarchy, r.Sex, r.AgeGroup}] = r
		}
	}
	return out, nil
}

// cellsOf turns a table read as the system into cells, in key order.
func cellsOf(rows map[CellKey]indicator.TableRow) []Cell {
	out := make([]Cell, 0, len(rows))
	for k, r := range rows {
		c := Cell{CellKey: k}
		if r.Numerator != nil {
			c.Num = *r.Numerator
		}
		if r.Denominator != nil {
			c.Den = *r.Denominator
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Cell) int { return keyCompare(a.CellKey, b.CellKey) })
	return out
}

func keyCompare(a, b CellKey) int {
	for _, p := range [][2]string{{a.Indicator, b.Indicator}, {a.Hierarchy, b.Hierarchy}, {a.Sex, b.Sex}, {a.AgeGroup, b.AgeGroup}} {
		if c := strings.Compare(p[0], p[1]); c != 0 {
			return c
		}
	}
	return 0
}

func reportAAD(id string, version int) []byte {
	return []byte("khaosat/report\x00" + id + "\x00" + strconv.Itoa(version))
}

// contentHash is the hash of a frozen version: the report, the version,
// the definitions, the salt and every cell, one line each.
func contentHash(id string, version int, defs, salt string, cells []Cell) string {
	h := sha256.New()
	fmt.Fprintf(h, "khaosat-report/1\n%s\n%d\n%s\n%s\n", id, version, defs, salt)
	for _, c := range cells {
		fmt.Fprintf(h, "%s|%s|%s|%s|%d|%d\n", c.Indicator, c.Hierarchy, c.Sex, c.AgeGroup, c.Num, c.Den)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// freeze reads the unit's true table for the period and seals it as
// version n of report id.
func (s *Service) freeze(ctx context.Context, u *survey.Unit, p Period, id string, n int, a survey.Actor, now time.Time) (*Frozen, error) {
	if s.sealer == nil {
		return nil, errors.New("freeze report: no data key to seal it with")
	}
	rows, err := s.table(ctx, system, u, p)
	if err != nil {
		return nil, err
	}
	cells := cellsOf(rows)
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	box := frozenBox{Salt: hex.EncodeToString(salt), Cells: cells}
	pt, err := json.Marshal(box)
	if err != nil {
		return nil, err
	}
	defs := s.tables.Set().Hash
	keyID, sealed, err := s.sealer.Seal(pt, reportAAD(id, n))
	if err != nil {
		return nil, fmt.Errorf("seal report: %w", err)
	}
	return &Frozen{Version: n, At: now, By: a.Username, ByID: a.UserID, Definitions: defs,
		Hash: contentHash(id, n, defs, box.Salt, cells), KeyID: keyID, Box: sealed}, nil
}

// open returns a frozen version's cells, checked against its hash: a
// frozen report is never changed, and a box that does not match its hash
// is an error, not a figure.
func (s *Service) open(r *Report, f *Frozen) ([]Cell, error) {
	if s.sealer == nil {
		return nil, errors.New("open report: no data key")
	}
	pt, err := s.sealer.Open(f.KeyID, f.Box, reportAAD(r.ID, f.Version))
	if err != nil {
		return nil, fmt.Errorf("open report %s v%d: %w", r.ID, f.Version, err)
	}
	var box frozenBox
	if err := json.Unmarshal(pt, &box); err != nil {
		return nil, fmt.Errorf("open report %s v%d: %w", r.ID, f.Version, err)
	}
	if contentHash(r.ID, f.Version, f.Definitions, box.Salt, box.Cells) != f.Hash {
		return nil, fmt.Errorf("open report %s v%d: the figures do not match the content hash", r.ID, f.Version)
	}
	return box.Cells, nil
}
