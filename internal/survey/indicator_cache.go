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
	ind.writerOnce.Do(func() {
		w := &factsWriter{queue: make(chan *Submission, writerQueue)}
		ind.writer.Store(w)
		go ind.runWriter(ctx, w)
	})
	return nil
}

// writerQueue is how many facts writes may wait for the background writer;
// beyond it Apply writes them itself.
const writerQueue = 10_000

// factsWriter stores, one at a time and in order, the facts that Apply
// has already put in the mirror.
type factsWriter struct {
	queue chan *Submission
	wg    sync.WaitGroup // one per queued submission not yet written
}

func (w *factsWriter) enqueue(sub *Submission) bool {
	w.wg.Add(1)
	select {
	case w.queue <- sub:
		return true
	default:
		w.wg.Done()
		return false
	}
}

// runWriter writes queued facts until ctx ends; what is left then keeps
// its pending mark and is reconciled at the next start.
func (ind *Indicators) runWriter(ctx context.Context, w *factsWriter) {
	for {
		select {
		case <-ctx.Done():
			return
		case sub := <-w.queue:
			if err := ind.applyStore(ctx, sub); err != nil && ctx.Err() == nil {
				ind.log.Warn("indicator facts left pending", "submission", sub.ID, "error", err)
			}
			w.wg.Done()
		}
	}
}

// Flush waits until the background writer has stored every queued fact.
func (ind *Indicators) Flush(ctx context.Context) error {
	w := ind.writer.Load()
	if w == nil {
		return nil
	}
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
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
