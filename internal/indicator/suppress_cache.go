package indicator

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// FactsVersioner is a facts store that can tell when its facts change:
// the version it returns differs after every committed change of facts
// that this process can see. ok is false when it cannot tell (another
// process may write them): then nothing computed from facts is kept.
type FactsVersioner interface {
	FactsVersion() (version uint64, ok bool)
}

// FactsChangeLog is a FactsVersioner that can also tell where its facts
// changed: the communes whose facts a commit changed, for the commits
// that made the version move past a given one. ok is false when it can
// no longer tell (it keeps a bounded log): then everything is counted
// again.
type FactsChangeLog interface {
	FactsChangedSince(version uint64) (areas []FactsArea, ok bool)
}

// FactsArea is a commune of one hierarchy.
type FactsArea struct{ Hierarchy, Commune string }

// suppression is the decision for one sensitive indicator over every cell
// a caller without the grant can reach in a year and in its quarters: the cells (non-zero
// ones) and which of them are hidden, taken on the facts of version (the
// version read before the cells were counted). Read-only once made:
// shared by the queries that use it.
type suppression struct {
	version uint64
	cube    *cube      // the cells' keys and sums, shared by decisions on the same keys
	vals    []cubeCell // the cells' counts, by number
	hidden  []bool     // by number
}

// suppressionScope is what a decision depends on besides the facts and
// the indicator: the year (its whole grid: a query of the year and one of
// its quarters share the decision) and the units the caller can reach.
type suppressionScope struct {
	from, to time.Time
	roots    string // the caller's units, sorted, comma-separated
}

// reachScope is the scope of the actor's decisions over t's period, a year.
func reachScope(actor survey.Actor, t *Table) suppressionScope {
	roots := slices.Clone(actor.Units)
	slices.Sort(roots)
	return suppressionScope{from: t.From.UTC(), to: t.To.UTC(), roots: strings.Join(slices.Compact(roots), ",")}
}

type suppressionKey struct {
	scope suppressionScope
	code  string
}

// maxSuppressions bounds the decisions kept.
const maxSuppressions = 256

// suppressionCache keeps the last decision taken for each scope and
// indicator, so that a caller's queries of a year and its quarters cost
// one computation of their reach, not one each, until the facts change.
// A decision is
// kept under the version read before its cells were counted: its cells
// are at least that new, and a later change moves the version so that it
// is no longer taken as it is. The same version gives the same marks, so
// answers between two changes agree with each other as the differencing
// rule needs.
//
// A decision of an older version is still handed out as a base: the
// cells of the communes that did not change since its version are those
// of the facts now (see suppressions), so only the changed communes need
// counting again. It is the decision itself, not a copy of the facts: the
// sums of a year and its quarters that a caller may ask for, kept as long
// as the decision is, and never answered from unless the store vouches
// for every change since.
type suppressionCache struct {
	mu      sync.Mutex
	entries map[suppressionKey]*suppression
}

// get returns the decision taken on version, or else the last one taken
// on an older version as a base (nil, nil: none).
func (c *suppressionCache) get(ok bool, version uint64, scope suppressionScope, code string) (d, base *suppression) {
	if !ok {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[suppressionKey{scope, code}]
	switch {
	case e == nil || e.version > version:
		return nil, nil
	case e.version == version:
		return e, nil
	default:
		return nil, e
	}
}

// put keeps d unless a decision of a newer version is kept already.
func (c *suppressionCache) put(ok bool, scope suppressionScope, code string, d *suppression) {
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := suppressionKey{scope, code}
	if e := c.entries[k]; e != nil && e.version > d.version {
		return // the facts changed since: a newer decision is kept already
	}
	if _, kept := c.entries[k]; c.entries == nil || (!kept && len(c.entries) >= maxSuppressions) {
		c.entries = map[suppressionKey]*suppression{}
	}
	c.entries[k] = d
}
