package sqlite

import (
	"sync"

	"github.com/khaosat/khaosat/internal/indicator"
)

// maxFactChanges bounds the change log: past it, the older half is
// forgotten and a reader whose decision is older counts everything again.
const maxFactChanges = 4096

// factChanges is the log of where indicator facts changed: for each commit
// that moved the facts version, the communes (hierarchy and code) whose
// totals it changed. It names places only, never a count: what changed
// there is read from the database again.
type factChanges struct {
	mu      sync.Mutex
	entries []factChange // by version
	// forgotten is the newest version whose changes are no longer all
	// in entries.
	forgotten uint64
}

type factChange struct {
	version uint64
	area    indicator.FactsArea
}

// record logs the areas of the commit that makes the version come to
// version. It runs before the version moves: a reader that sees the
// version finds its changes.
func (c *factChanges) record(version uint64, areas []indicator.FactsArea) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range areas {
		c.entries = append(c.entries, factChange{version, a})
	}
	if len(c.entries) > maxFactChanges {
		cut := len(c.entries) - maxFactChanges/2
		v := c.entries[cut-1].version
		for cut < len(c.entries) && c.entries[cut].version == v {
			cut++ // a version's changes go together
		}
		c.forgotten = v
		c.entries = append(c.entries[:0], c.entries[cut:]...)
	}
}

// since returns the areas changed by the commits after version.
func (c *factChanges) since(version uint64) ([]indicator.FactsArea, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version < c.forgotten {
		return nil, false
	}
	var out []indicator.FactsArea
	seen := map[indicator.FactsArea]bool{}
	for i := len(c.entries) - 1; i >= 0 && c.entries[i].version > version; i-- {
		if a := c.entries[i].area; !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out, true
}

// FactsChangedSince returns the communes whose indicator facts changed in
// the commits that moved the facts version past version
// (indicator.FactsChangeLog). Like FactsVersion, only the process that holds
// the data directory can tell.
func (s *Store) FactsChangedSince(version uint64) ([]indicator.FactsArea, bool) {
	if !s.owner {
		return nil, false
	}
	return s.changes.since(version)
}
