package registry

import (
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"time"
)

// Kinds of registry records.
const (
	KindHousehold = "household"
	KindChild     = "child"
)

// Rules a duplicate candidate was found by.
const (
	// RuleSameChild: same sex, date of birth and name key, in the same
	// commune or in communes the 2025 mapping links.
	RuleSameChild = "same_name_sex_dob"
	// RuleTypoInHousehold: same date of birth and name keys one edit
	// apart, within one household.
	RuleTypoInHousehold = "name_typo_in_household"
	// RuleSameHousehold: same commune, head's name key and address key.
	RuleSameHousehold = "same_head_address"
)

// Candidate is a pair of records that may be one: A < B.
type Candidate struct {
	Kind string
	A, B string
	Rule string
}

// NewCandidate returns the candidate pair of x and y in its canonical
// order.
func NewCandidate(kind, x, y, rule string) Candidate {
	if y < x {
		x, y = y, x
	}
	return Candidate{Kind: kind, A: x, B: y, Rule: rule}
}

// Linker knows which communes the 2025 reorganisation links: an old
// commune and the new communes it went into share a match area, and so do
// two old communes that went into one new commune. A child is indexed
// under each match area of their commune, so that a lookup finds
// candidates on either side of the mapping with an index, not a scan.
type Linker struct {
	areas map[string][]string // commune → the new communes it belongs to
}

// LoadLinker reads the mapping CSV (old_commune_code, new_commune_code, …).
func LoadLinker(fsys fs.FS, name string) (*Linker, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("commune mapping: %w", err)
	}
	defer f.Close()
	return ReadLinker(f)
}

// ReadLinker reads the mapping CSV from r.
func ReadLinker(r io.Reader) (*Linker, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("commune mapping: %w", err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("commune mapping: empty")
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	oldC, okO := col["old_commune_code"]
	newC, okN := col["new_commune_code"]
	if !okO || !okN {
		return nil, fmt.Errorf("commune mapping: no old_commune_code or new_commune_code column")
	}
	l := &Linker{areas: map[string][]string{}}
	for _, rec := range recs[1:] {
		o, n := rec[oldC], rec[newC]
		l.areas[o] = appendOnce(l.areas[o], n)
		l.areas[n] = appendOnce(l.areas[n], n)
	}
	for _, a := range l.areas {
		sort.Strings(a)
	}
	return l, nil
}

func appendOnce(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// Areas returns the match areas of a commune: the new communes it is or
// went into; a commune the mapping does not know is its own area.
func (l *Linker) Areas(commune string) []string {
	if l != nil {
		if a, ok := l.areas[commune]; ok {
			return a
		}
	}
	return []string{commune}
}

// ChildKeys are the index keys of a child for RuleSameChild: one per
// match area of the child's commune. Two children share a key exactly
// when they are candidates by that rule. A child without a name, sex or
// date of birth has none.
func (l *Linker) ChildKeys(c *Child) []string {
	if c.NameKey == "" || c.Sex == "" || c.DateOfBirth.IsZero() {
		return nil
	}
	areas := l.Areas(c.Commune)
	keys := make([]string, len(areas))
	for i, a := range areas {
		keys[i] = c.Sex + "|" + c.DateOfBirth.Format(time.DateOnly) + "|" + c.NameKey + "|" + a
	}
	return keys
}

// TyposInHousehold returns the RuleTypoInHousehold candidates among the
// children currently listed in one household (its open stays): same date
// of birth, name keys one edit apart.
func TyposInHousehold(stays []Stay) []Candidate {
	var out []Candidate
	for i := range stays {
		if stays[i].LeftAt != nil {
			continue
		}
		for j := i + 1; j < len(stays); j++ {
			a, b := &stays[i], &stays[j]
			if b.LeftAt != nil || a.ChildID == b.ChildID || !a.DateOfBirth.Equal(b.DateOfBirth) {
				continue
			}
			if oneEditApart(NameKey(a.FullName), NameKey(b.FullName)) {
				out = append(out, NewCandidate(KindChild, a.ChildID, b.ChildID, RuleTypoInHousehold))
			}
		}
	}
	return out
}
