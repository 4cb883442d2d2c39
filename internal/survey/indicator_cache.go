package survey

import (
	"context"
	"slices"
	"sync"
)

// factsCache is an in-memory mirror of every submission's facts, for a
// process that is the only writer of its database (the embedded engine):
// there, reading facts back costs a pass over the whole collection, while
// counting them in memory takes milliseconds. The store stays the truth:
// the mirror is loaded from it at start-up and updated after each facts
// write this process makes.
type factsCache struct {
	mu    sync.RWMutex
	facts map[string]*Facts // submission id → facts
}

// CacheFacts loads every stored fact into memory and answers queries from
// there from now on. Only for a process that is the only one writing the
// database: writes of other processes would not be seen.
func (ind *Indicators) CacheFacts(ctx context.Context) error {
	c := &factsCache{facts: map[string]*Facts{}}
	err := ind.store.ScanFacts(ctx, FactsQuery{}, func(f *Facts) {
		c.facts[f.SubmissionID] = f
	})
	if err != nil {
		return err
	}
	ind.cache.Store(c)
	return nil
}

// put records f unless facts derived from a newer state are there.
func (c *factsCache) put(f *Facts) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.facts[f.SubmissionID]; ok && old.Stamp.After(f.Stamp) {
		return
	}
	c.facts[f.SubmissionID] = f
}

// scan calls fn for the cached facts inside q's parts.
func (c *factsCache) scan(q FactsQuery, fn func(*Facts)) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, f := range c.facts {
		for _, p := range q.Parts {
			if p.Hierarchy == f.Hierarchy && !f.SurveyDate.Before(p.From) && !f.SurveyDate.After(p.To) &&
				(p.Communes == nil || slices.Contains(p.Communes, f.Commune)) {
				fn(f)
				break
			}
		}
	}
}

// scanFacts reads facts from the mirror when there is one, else the store.
func (ind *Indicators) scanFacts(ctx context.Context, q FactsQuery, fn func(*Facts)) error {
	if c := ind.cache.Load(); c != nil {
		c.scan(q, fn)
		return nil
	}
	return ind.store.ScanFacts(ctx, q, fn)
}
