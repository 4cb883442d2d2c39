package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
)

// Tx is what Project needs of a store: the rows of the registry, read and
// written inside one atomic step (a SQLite transaction), or, on MongoDB,
// against documents that each write replaces whole, so that projecting
// again converges on the same rows.
type Tx interface {
	// PutObservation replaces what submission o.SubmissionID tells the
	// registry with o, and returns what it told before (nil: nothing).
	PutObservation(ctx context.Context, o *Observation) (prev *Observation, err error)
	// HouseholdVisits returns every stored visit of a household.
	HouseholdVisits(ctx context.Context, householdID string) ([]Visit, error)
	// HouseholdStays returns the stays in a household, as last projected.
	HouseholdStays(ctx context.Context, householdID string) ([]Stay, error)
	// PutHousehold replaces a household and its stays (h nil: none).
	PutHousehold(ctx context.Context, id string, h *Household, stays []Stay) error
	// Household returns a household as last projected (nil: none).
	Household(ctx context.Context, id string) (*Household, error)
	// HouseholdsWithKey returns up to limit households whose Key is key,
	// in id order.
	HouseholdsWithKey(ctx context.Context, key string, limit int) ([]string, error)
	// LatestStay returns the child's stay whose latest visit is the latest
	// (by Seen), in any household; nil when none.
	LatestStay(ctx context.Context, childID string) (*Stay, error)
	// ChildFollowUps returns the follow-ups naming a child.
	ChildFollowUps(ctx context.Context, childID string) ([]FollowUp, error)
	// Child returns a child as last projected (nil: none).
	Child(ctx context.Context, id string) (*Child, error)
	// PutChild replaces a child and its index keys (c nil: none).
	PutChild(ctx context.Context, id string, c *Child, keys []string) error
	// ChildrenWithKeys returns up to limit children indexed under any of
	// keys, in id order.
	ChildrenWithKeys(ctx context.Context, keys []string, limit int) ([]string, error)
	// Survivor returns the record a merged record is an alias of ("" when
	// it is not an alias).
	Survivor(ctx context.Context, kind, id string) (string, error)
	// ReplaceCandidates replaces the candidate pairs that involve record
	// id with cs (each involves id).
	ReplaceCandidates(ctx context.Context, kind, id string, cs []Candidate) error
	// Changed records, for the phones' feed, that a record of the communes
	// changed (the commune it was in and the one it is in now).
	Changed(ctx context.Context, kind, id string, communes ...string) error
}

// Project applies one submission's observation to the registry: it keeps
// the observation, recomputes every household and child it touches now or
// touched before from all the observations about them, and finds their
// duplicate candidates by index. Projecting the same observation again
// changes nothing (but the feed); so does projecting the observations of
// every submission in any order from an empty registry, up to the
// feed.
func Project(ctx context.Context, tx Tx, l *Linker, o *Observation) error {
	prev, err := tx.PutObservation(ctx, o)
	if err != nil {
		return err
	}
	households, children := map[string]bool{}, map[string]bool{}
	for _, x := range []*Observation{prev, o} {
		if x == nil {
			continue
		}
		if x.Visit != nil {
			households[x.Visit.HouseholdID] = true
		}
		if x.FollowUp != nil {
			children[x.FollowUp.ChildID] = true
		}
	}
	for _, h := range sorted(households) {
		if err := refreshHousehold(ctx, tx, l, h, children); err != nil {
			return err
		}
	}
	for _, c := range sorted(children) {
		if err := RefreshChild(ctx, tx, l, c); err != nil {
			return err
		}
	}
	return nil
}

// same reports whether two derived records are equal, as stored.
func same(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// refreshHousehold recomputes household id from its visits, adding to
// children every child it listed before or lists now.
func refreshHousehold(ctx context.Context, tx Tx, l *Linker, id string, children map[string]bool) error {
	old, err := tx.Household(ctx, id)
	if err != nil {
		return err
	}
	oldStays, err := tx.HouseholdStays(ctx, id)
	if err != nil {
		return err
	}
	visits, err := tx.HouseholdVisits(ctx, id)
	if err != nil {
		return err
	}
	h, stays := DeriveHousehold(id, visits)
	for _, s := range oldStays {
		children[s.ChildID] = true
	}
	for _, s := range stays {
		children[s.ChildID] = true
	}
	if same(old, h) && same(oldStays, stays) {
		return nil // nothing changed: neither the rows, nor the candidates, nor the feed
	}
	if err := tx.PutHousehold(ctx, id, h, stays); err != nil {
		return err
	}
	if err := RefreshHouseholdCandidates(ctx, tx, id, h); err != nil {
		return err
	}
	return tx.Changed(ctx, KindHousehold, id, communes(householdCommune(old), householdCommune(h))...)
}

// RefreshHouseholdCandidates finds the candidates of household id (h its
// current state, nil if none) by its key; an alias has none.
func RefreshHouseholdCandidates(ctx context.Context, tx Tx, id string, h *Household) error {
	var cs []Candidate
	if h != nil {
		alias, err := tx.Survivor(ctx, KindHousehold, id)
		if err != nil {
			return err
		}
		if alias == "" {
			ids, err := tx.HouseholdsWithKey(ctx, h.Key(), MaxCandidates+1)
			if err != nil {
				return err
			}
			if cs, err = others(ctx, tx, KindHousehold, id, ids, RuleSameHousehold); err != nil {
				return err
			}
		}
	}
	return tx.ReplaceCandidates(ctx, KindHousehold, id, cs)
}

// MaxCandidates bounds the candidates a record is paired with by one rule
// when it changes: a group of many identical records (the same household
// entered again and again) would otherwise pair each new one with all the
// others, a cost at intake that grows with the group. A record is paired
// with the first MaxCandidates of its group in id order; in such a group,
// which pairs are proposed may depend on the order the records came in.
const MaxCandidates = 20

// others returns the candidates of id with each of ids that is another
// record and no alias.
func others(ctx context.Context, tx Tx, kind, id string, ids []string, rule string) ([]Candidate, error) {
	var cs []Candidate
	for _, x := range ids {
		if x == id {
			continue
		}
		s, err := tx.Survivor(ctx, kind, x)
		if err != nil {
			return nil, err
		}
		if s == "" {
			cs = append(cs, NewCandidate(kind, id, x, rule))
		}
	}
	return cs, nil
}

// RefreshChild recomputes child id from their stays and follow-ups, with
// their index keys and duplicate candidates.
func RefreshChild(ctx context.Context, tx Tx, l *Linker, id string) error {
	old, err := tx.Child(ctx, id)
	if err != nil {
		return err
	}
	latest, err := tx.LatestStay(ctx, id)
	if err != nil {
		return err
	}
	var stays []Stay
	var fus []FollowUp
	if latest != nil {
		stays = []Stay{*latest} // a visit's word beats a follow-up's
	} else if fus, err = tx.ChildFollowUps(ctx, id); err != nil {
		return err
	}
	c := DeriveChild(id, stays, fus)
	if same(old, c) {
		// The child's state, hence their keys and candidates, are as
		// they were: a pair with another record that changed is that
		// record's refresh to find or drop.
		return nil
	}
	var keys []string
	if c != nil {
		keys = l.ChildKeys(c)
	}
	if err := tx.PutChild(ctx, id, c, keys); err != nil {
		return err
	}
	if err := RefreshChildCandidates(ctx, tx, id, c, keys); err != nil {
		return err
	}
	return tx.Changed(ctx, KindChild, id, communes(childCommune(old), childCommune(c))...)
}

// RefreshChildCandidates finds the candidates of child id (c their current
// state, nil if none; keys their index keys) by both rules; an alias has
// none.
func RefreshChildCandidates(ctx context.Context, tx Tx, id string, c *Child, keys []string) error {
	var cs []Candidate
	if c != nil {
		alias, err := tx.Survivor(ctx, KindChild, id)
		if err != nil {
			return err
		}
		if alias == "" {
			if len(keys) > 0 {
				ids, err := tx.ChildrenWithKeys(ctx, keys, MaxCandidates+1)
				if err != nil {
					return err
				}
				if cs, err = others(ctx, tx, KindChild, id, ids, RuleSameChild); err != nil {
					return err
				}
			}
			if c.HouseholdID != "" && c.LeftAt == nil {
				stays, err := tx.HouseholdStays(ctx, c.HouseholdID)
				if err != nil {
					return err
				}
				for _, p := range TyposInHousehold(stays) {
					if p.A != id && p.B != id {
						continue
					}
					other := p.A
					if other == id {
						other = p.B
					}
					more, err := others(ctx, tx, KindChild, id, []string{other}, RuleTypoInHousehold)
					if err != nil {
						return err
					}
					cs = append(cs, more...)
				}
			}
		}
	}
	return tx.ReplaceCandidates(ctx, KindChild, id, dedupe(cs))
}

// dedupe keeps one candidate per pair, the first rule found.
func dedupe(cs []Candidate) []Candidate {
	seen := map[[2]string]bool{}
	out := cs[:0]
	for _, c := range cs {
		k := [2]string{c.A, c.B}
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	return out
}

func householdCommune(h *Household) string {
	if h == nil {
		return ""
	}
	return h.Commune
}

func childCommune(c *Child) string {
	if c == nil {
		return ""
	}
	return c.Commune
}

// communes returns the distinct non-empty communes among cs.
func communes(cs ...string) []string {
	var out []string
	for _, c := range cs {
		if c != "" && (len(out) == 0 || out[0] != c) {
			out = append(out, c)
		}
	}
	return out
}
