package indicator

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// FactsPart selects facts of one hierarchy with survey date in
// [From, To] and, when Communes is not nil, a commune among Communes.
type FactsPart struct {
	Hierarchy string
	From, To  time.Time
	Communes  []string
}

// FactsQuery is a count of facts: the cells of Indicators (all when
// empty) inside one of Parts (ORed), summed per unit of Level and, when
// asked, per sex and per age group.
type FactsQuery struct {
	Parts      []FactsPart
	Indicators []string
	// Sensitive lists the sensitive indicators among those asked (all
	// those of the set when Indicators is empty): a store that keeps
	// sensitive cells apart reads them only when it is not empty.
	Sensitive []string
	Level     survey.Level // commune, district or city
	BySex     bool
	ByAge     bool
}

// FactCount is one group of a FactsQuery: the summed denominators and
// numerators. Unit is the commune or district code (and Hierarchy its
// hierarchy); at city level both are "". Sex and AgeGroup are "" unless
// the query breaks down by them.
type FactCount struct {
	Hierarchy string
	Unit      string
	Indicator string
	Sex       string
	AgeGroup  string
	Den, Num  int
}

// FactsStore counts indicator facts and rebuilds them.
type FactsStore interface {
	// CountFacts sums the facts q selects, grouped as q asks; the store
	// counts, it does not hand facts to the caller.
	CountFacts(ctx context.Context, q FactsQuery) ([]FactCount, error)
	// ReplaceFacts stores the facts of a submission in place of any it
	// had, if the submission is still in the state f.Of (else it does
	// nothing: the change since wrote its own facts); used by Rebuild only
	// (writes keep facts with their change).
	ReplaceFacts(ctx context.Context, f *survey.Facts) error
	// EachSubmission calls fn for every stored submission.
	EachSubmission(ctx context.Context, fn func(*survey.Submission) error) error
	// UseFactSealer gives the store what seals and opens the facts it must
	// not keep in clear; NewIndicators sets it before any facts are written.
	UseFactSealer(FactSealer)
	// IndicatorSetHash returns the hash of the definitions the stored facts
	// were derived from ("" when none).
	IndicatorSetHash(ctx context.Context) (string, error)
	SetIndicatorSetHash(ctx context.Context, hash string) error
}

// Indicators counts the facts and answers indicator queries; it rebuilds
// the facts when the definitions change.
type Indicators struct {
	derive *Deriver
	set    *Set
	units  *survey.Units
	store  FactsStore
	log    *slog.Logger
	now    func() time.Time

	// open returns a stored submission with its sealed answers opened
	// (nil: as stored). Facts are derived from all the answers.
	open Opener

	// cache keeps the suppression decisions of the current facts.
	cache suppressionCache
}

// Opener opens the sealed answers of a stored submission, for deriving
// its facts again; *survey.Intake is one.
type Opener interface {
	PlainSubmission(ctx context.Context, sub *survey.Submission) (*survey.Submission, error)
}

// NewIndicators returns the indicator service over store. d derives the
// facts: the Deriver intake writes them with (survey.WithFacts). open
// reads stored submissions back in clear for a rebuild (nil: as stored).
// The store is given here what seals the facts it must not keep in clear,
// under the data keys of sealer, before any facts are written.
func NewIndicators(d *Deriver, store FactsStore, open Opener, sealer survey.Sealer, log *slog.Logger) *Indicators {
	store.UseFactSealer(NewFactSealer(sealer))
	return &Indicators{derive: d, set: d.set, units: d.units, store: store, open: open, log: log, now: time.Now}
}

// Set returns the loaded indicator set.
func (ind *Indicators) Set() *Set { return ind.set }

// FactsOf returns the facts of a submission's current state without
// storing them (for bulk loads and benchmarks).
func (ind *Indicators) FactsOf(sub *survey.Submission) (*survey.Facts, error) {
	return ind.derive.FactsOf(sub)
}

// Rebuild recomputes the facts of every submission (after the definitions
// changed) and records the definitions' hash. A crash part-way leaves the
// old hash, so the next start rebuilds again.
func (ind *Indicators) Rebuild(ctx context.Context) (int, error) {
	// Several writes at once, so that the store can commit them together.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan *survey.Submission, 64)
	var wg sync.WaitGroup
	for range rebuildWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sub := range work {
				if err := ind.rebuildOne(ctx, sub); err != nil {
					cancel(err)
				}
			}
		}()
	}
	n := 0
	err := ind.store.EachSubmission(ctx, func(sub *survey.Submission) error {
		n++
		select {
		case work <- sub:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	})
	close(work)
	wg.Wait()
	if err == nil {
		err = context.Cause(ctx)
	}
	if err != nil {
		return n, fmt.Errorf("rebuild indicator facts: %w", err)
	}
	if err := ind.store.SetIndicatorSetHash(ctx, ind.factsHash()); err != nil {
		return n, err
	}
	return n, nil
}

// factsFormat names the way facts are derived and kept; changing it
// rebuilds them at the next start like a change of the definitions does.
// 2: the cells of sensitive indicators are sealed at rest.
const factsFormat = "2"

// factsHash identifies what the stored facts must have been derived with:
// the definitions and the facts format.
func (ind *Indicators) factsHash() string { return ind.set.Hash + "/" + factsFormat }

// rebuildWorkers is how many facts writes a rebuild keeps in flight.
const rebuildWorkers = 16

func (ind *Indicators) rebuildOne(ctx context.Context, sub *survey.Submission) error {
	if ind.open != nil {
		var err error
		if sub, err = ind.open.PlainSubmission(ctx, sub); err != nil {
			return err
		}
	}
	f, err := ind.derive.FactsOf(sub)
	if err != nil {
		return err
	}
	of := survey.MatchOf(sub)
	f.Of = &of
	return ind.store.ReplaceFacts(ctx, f)
}

// EnsureCurrent rebuilds the facts when they were derived from other
// definitions than the loaded ones. The server runs it at start-up; there
// is nothing else to repair, since facts are written with their change.
func (ind *Indicators) EnsureCurrent(ctx context.Context) error {
	hash, err := ind.store.IndicatorSetHash(ctx)
	if err != nil {
		return err
	}
	if hash == ind.factsHash() {
		return nil
	}
	start := ind.now()
	n, err := ind.Rebuild(ctx)
	if err != nil {
		return err
	}
	ind.log.Info("rebuilt indicator facts for a changed definition set", "submissions", n, "duration", ind.now().Sub(start).String())
	return nil
}
