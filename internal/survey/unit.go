package survey

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/schema"
)

// Level is the level of an administrative unit.
type Level string

// The levels of Hanoi's hierarchies (the district level ends on 2025-06-30).
const (
	LevelCity     Level = "city"
	LevelDistrict Level = "district"
	LevelCommune  Level = "commune"
)

// CityCode is Hanoi's GSO code, the root of every hierarchy.
const CityCode = "01"

// Unit is an administrative unit inside one hierarchy. Its identity is
// (Code, ValidFrom): the 2025 reform reused codes.
type Unit struct {
	Code      string
	Name      string
	Type      string // Phường, Xã, Quận, Huyện, ...
	Level     Level
	Parent    string // "" for the city
	Hierarchy string
	ValidFrom time.Time
	ValidTo   time.Time // inclusive; zero while in force
}

// ValidOn reports whether the unit exists on day d.
func (u *Unit) ValidOn(d time.Time) bool {
	return !d.Before(u.ValidFrom) && (u.ValidTo.IsZero() || !d.After(u.ValidTo))
}

type hierarchy struct {
	id       string
	from, to time.Time
	units    map[string]*Unit
	children map[string][]*Unit
}

func (h *hierarchy) validOn(d time.Time) bool {
	return !d.Before(h.from) && (h.to.IsZero() || !d.After(h.to))
}

// Units is the directory of administrative units across hierarchies. It is
// immutable after loading and safe for concurrent use.
type Units struct {
	hs []*hierarchy // by valid-from
}

// Hierarchy is a read-only view of one hierarchy of units, for the
// readers that walk every hierarchy (the indicator tables).
type Hierarchy struct{ h *hierarchy }

// Hierarchies returns every hierarchy, by valid-from.
func (us *Units) Hierarchies() []Hierarchy {
	out := make([]Hierarchy, len(us.hs))
	for i, h := range us.hs {
		out[i] = Hierarchy{h}
	}
	return out
}

// ID names the hierarchy.
func (h Hierarchy) ID() string { return h.h.id }

// From is the first day the hierarchy is valid.
func (h Hierarchy) From() time.Time { return h.h.from }

// To is the last day the hierarchy is valid, zero while in force.
func (h Hierarchy) To() time.Time { return h.h.to }

// Unit returns the unit with code in the hierarchy.
func (h Hierarchy) Unit(code string) (*Unit, bool) {
	u, ok := h.h.units[code]
	return u, ok
}

// Children returns the units directly below parent, by code.
func (h Hierarchy) Children(parent string) []*Unit { return h.h.children[parent] }

// HierarchyFile describes one hierarchy in forms/units/hierarchies.json.
type HierarchyFile struct {
	ID        string  `json:"id"`
	ValidFrom string  `json:"valid_from"`
	ValidTo   *string `json:"valid_to"`
	Districts string  `json:"districts,omitempty"`
	Communes  string  `json:"communes"`
}

// LoadUnits reads the hierarchies listed in dir/hierarchies.json of fsys.
func LoadUnits(fsys fs.FS, dir string) (*Units, error) {
	raw, err := fs.ReadFile(fsys, path.Join(dir, "hierarchies.json"))
	if err != nil {
		return nil, fmt.Errorf("load units: %w", err)
	}
	var files []HierarchyFile
	if err := json.Unmarshal(raw, &files); err != nil {
		return nil, fmt.Errorf("load units: hierarchies.json: %w", err)
	}
	us := &Units{}
	for _, f := range files {
		h, err := loadHierarchy(fsys, dir, f)
		if err != nil {
			return nil, fmt.Errorf("load units: hierarchy %s: %w", f.ID, err)
		}
		us.hs = append(us.hs, h)
	}
	sort.Slice(us.hs, func(i, j int) bool { return us.hs[i].from.Before(us.hs[j].from) })
	for i := 1; i < len(us.hs); i++ {
		prev := us.hs[i-1]
		if prev.to.IsZero() || !prev.to.Before(us.hs[i].from) {
			return nil, fmt.Errorf("load units: hierarchies %s and %s overlap", prev.id, us.hs[i].id)
		}
	}
	return us, nil
}

func loadHierarchy(fsys fs.FS, dir string, f HierarchyFile) (*hierarchy, error) {
	from, err := time.Parse(time.DateOnly, f.ValidFrom)
	if err != nil {
		return nil, fmt.Errorf("valid_from: %w", err)
	}
	var to time.Time
	if f.ValidTo != nil {
		if to, err = time.Parse(time.DateOnly, *f.ValidTo); err != nil {
			return nil, fmt.Errorf("valid_to: %w", err)
		}
	}
	h := &hierarchy{id: f.ID, from: from, to: to, units: map[string]*Unit{}, children: map[string][]*Unit{}}
	add := func(u *Unit) error {
		u.Hierarchy, u.ValidFrom, u.ValidTo = f.ID, from, to
		u.Name = strings.TrimSpace(schema.CleanText(u.Name))
		u.Type = strings.TrimSpace(schema.CleanText(u.Type))
		if _, dup := h.units[u.Code]; dup {
			return fmt.Errorf("unit %s listed twice", u.Code)
		}
		h.units[u.Code] = u
		if u.Parent != "" {
			h.children[u.Parent] = append(h.children[u.Parent], u)
		}
		return nil
	}
	if err := add(&Unit{Code: CityCode, Name: "Thành phố Hà Nội", Type: "Thành phố", Level: LevelCity}); err != nil {
		return nil, err
	}
	if f.Districts != "" {
		rows, err := readCSV(fsys, path.Join(dir, f.Districts))
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if err := add(&Unit{Code: r["district_code"], Name: r["district_name"], Type: r["district_type"], Level: LevelDistrict, Parent: CityCode}); err != nil {
				return nil, err
			}
		}
	}
	rows, err := readCSV(fsys, path.Join(dir, f.Communes))
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		parent := CityCode
		if f.Districts != "" {
			parent = r["district_code"]
			if _, ok := h.units[parent]; !ok {
				return nil, fmt.Errorf("commune %s: unknown district %s", r["commune_code"], parent)
			}
		}
		if err := add(&Unit{Code: r["commune_code"], Name: r["commune_name"], Type: r["commune_type"], Level: LevelCommune, Parent: parent}); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func readCSV(fsys fs.FS, name string) ([]map[string]string, error) {
	fh, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var rows []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
}

func (us *Units) hierarchyOn(d time.Time) *hierarchy {
	for _, h := range us.hs {
		if h.validOn(d) {
			return h
		}
	}
	return nil
}

// At returns the unit with code valid on day d.
func (us *Units) At(code string, d time.Time) (*Unit, bool) {
	h := us.hierarchyOn(d)
	if h == nil {
		return nil, false
	}
	u, ok := h.units[code]
	return u, ok
}

// Children returns the units directly below parent on day d, by code.
func (us *Units) Children(parent string, d time.Time) []*Unit {
	h := us.hierarchyOn(d)
	if h == nil {
		return nil
	}
	return h.children[parent]
}

// Known reports whether code names a unit in any hierarchy.
func (us *Units) Known(code string) bool {
	for _, h := range us.hs {
		if _, ok := h.units[code]; ok {
			return true
		}
	}
	return false
}

// Within reports whether the unit code, read in the hierarchy valid on day
// d, is one of roots or lies below one of them.
func (us *Units) Within(code string, d time.Time, roots []string) bool {
	h := us.hierarchyOn(d)
	if h == nil {
		return false
	}
	for u := h.units[code]; u != nil; u = h.units[u.Parent] {
		if slices.Contains(roots, u.Code) {
			return true
		}
		if u.Parent == "" {
			break
		}
	}
	return false
}

// ScopePart says: records whose survey date is in [From, To] (To zero:
// open) are visible when their unit is one of Communes.
type ScopePart struct {
	From, To time.Time
	Communes []string
}

// Scope expands assigned unit codes into, per hierarchy, the communes they
// cover. A query filtered by it sees exactly the records whose unit lies
// under an assigned unit in the hierarchy valid on the record's survey date.
func (us *Units) Scope(roots []string) []ScopePart {
	parts := make([]ScopePart, 0, len(us.hs))
	for _, h := range us.hs {
		seen := map[string]bool{}
		var walk func(u *Unit)
		walk = func(u *Unit) {
			if u.Level == LevelCommune {
				seen[u.Code] = true
			}
			for _, c := range h.children[u.Code] {
				walk(c)
			}
		}
		for _, r := range roots {
			if u, ok := h.units[r]; ok {
				walk(u)
			}
		}
		communes := make([]string, 0, len(seen))
		for c := range seen {
			communes = append(communes, c)
		}
		sort.Strings(communes)
		parts = append(parts, ScopePart{From: h.from, To: h.to, Communes: communes})
	}
	return parts
}
