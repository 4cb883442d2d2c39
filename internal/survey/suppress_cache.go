package survey

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// FactsVersioner is a facts store that can tell when its facts change:
// the version it returns differs after every committed change of facts
// that this process can see. ok is false when it cannot tell (another
// process may write them): then nothing computed from facts is kept.
type FactsVersioner interface {
	FactsVersion() (version uint64, ok bool)
}

// suppression is the decision for one sensitive indicator over every cell
// a caller without the grant can reach in a period: the cells (non-zero
// ones) and which of them are hidden. Read-only once made: shared by the
// queries that use it.
type suppression struct {
	cells  map[cubeKey]cubeCell
	hidden map[cubeKey]bool
}

// suppressionScope is what a decision depends on besides the facts and
// the indicator: the period and the units the caller can reach.
type suppressionScope struct {
	from, to time.Time
	roots    string // the caller's units, sorted, comma-separated
}

func reachScope(actor Actor, t *Table) suppressionScope {
	roots := slices.Clone(actor.Units)
	slices.Sort(roots)
	return suppressionScope{from: t.From.UTC(), to: t.To.UTC(), roots: strings.Join(slices.Compact(roots), ",")}
}

type suppressionKey struct {
	scope suppressionScope
	code  string
}

// maxSuppressions bounds the decisions kept for one version of the facts.
const maxSuppressions = 256

// suppressionCache keeps the decisions taken on one version of the facts,
// so that a caller's queries of a period cost one computation of their
// reach, not one each, until the facts change. A decision is kept under
// the version read before its cells were counted: its cells are at least
// that new, and a later change moves the version so that it is no longer
// found. The same version gives the same marks, so answers between two
// changes agree with each other as the differencing rule needs.
type suppressionCache struct {
	mu      sync.Mutex
	version uint64
	entries map[suppressionKey]*suppression
}

func (c *suppressionCache) get(ok bool, version uint64, scope suppressionScope, code string) *suppression {
	if !ok {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		return nil
	}
	return c.entries[suppressionKey{scope, code}]
}

func (c *suppressionCache) put(ok bool, version uint64, scope suppressionScope, code string, d *suppression) {
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if version < c.version {
		return // the facts changed since: a newer decision may be kept already
	}
	if version != c.version || c.entries == nil || len(c.entries) >= maxSuppressions {
		c.version, c.entries = version, map[suppressionKey]*suppression{}
	}
	c.entries[suppressionKey{scope, code}] = d
}
