package survey

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sync"
	"time"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/schema"
)

// Age groups, the indicators' age dimension.
var AgeGroups = []string{"0-4", "5-11", "12-14", "15-17"}

// Sexes, the indicators' sex dimension.
var Sexes = []string{"male", "female"}

// AgeGroup returns the age group of an age in completed years, "" outside 0–17.
func AgeGroup(age int) string {
	switch {
	case age < 0:
		return ""
	case age <= 4:
		return "0-4"
	case age <= 11:
		return "5-11"
	case age <= 14:
		return "12-14"
	case age <= 17:
		return "15-17"
	}
	return ""
}

// FactCell is what the rows of one submission contribute to one indicator
// within one sex and age group: how many rows are in the denominator and
// how many of those in the numerator.
type FactCell struct {
	Indicator string
	Sex       string
	AgeGroup  string
	Den, Num  int
	// Sensitive is set on the cells of a sensitive indicator: a count of
	// sensitive answers is itself sensitive, so a store never keeps such a
	// cell, nor a total it adds to, in clear (see FactSealer).
	Sensitive bool
}

// Facts are the indicator facts of one submission's current state: cells
// of indicator × sex × age group. A store writes them in the same atomic
// step as the submission and counts them itself (SQLite from sealed
// totals per commune and day or month, MongoDB with $group), keeping no
// sensitive cell, nor a total it adds to, in clear (see FactSealer).
type Facts struct {
	SubmissionID string
	Form         string
	Commune      string
	District     string // "" in a hierarchy without districts
	Hierarchy    string // the hierarchy valid on the survey date
	SurveyDate   time.Time
	// Of is the state of the submission the facts were derived from. A
	// rebuild (ReplaceFacts) replaces them only while the submission is
	// still in that state: a change written meanwhile, by this process or
	// another instance, wrote facts of its own, newer ones. Nil: whatever
	// the state.
	Of *Match
	// Cells are empty when the submission does not count (rejected,
	// deleted): writing them removes its rows.
	Cells []FactCell
}

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
	Level     Level // commune, district or city
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
	ReplaceFacts(ctx context.Context, f *Facts) error
	// EachSubmission calls fn for every stored submission.
	EachSubmission(ctx context.Context, fn func(*Submission) error) error
	// UseFactSealer gives the store what seals and opens the facts it must
	// not keep in clear; the intake sets it before any facts are written.
	UseFactSealer(FactSealer)
	// IndicatorSetHash returns the hash of the definitions the stored facts
	// were derived from ("" when none).
	IndicatorSetHash(ctx context.Context) (string, error)
	SetIndicatorSetHash(ctx context.Context, hash string) error
}

// Indicators derives facts and answers indicator queries.
type Indicators struct {
	set   *indicator.Set
	units *Units
	store FactsStore
	log   *slog.Logger
	now   func() time.Time

	// plain returns a stored submission with its sealed answers opened;
	// set by UseIndicators. Facts are derived from all the answers.
	plain func(ctx context.Context, sub *Submission) (*Submission, error)

	// cache keeps the suppression decisions of the current facts.
	cache suppressionCache
}

// NewIndicators returns the indicator service.
func NewIndicators(set *indicator.Set, units *Units, store FactsStore, log *slog.Logger) *Indicators {
	return &Indicators{set: set, units: units, store: store, log: log, now: time.Now}
}

// Set returns the loaded indicator set.
func (ind *Indicators) Set() *indicator.Set { return ind.set }

// UseIndicators makes intake maintain indicator facts for every submission
// it stores.
// The indicators read stored submissions back through intake, which opens
// their sealed answers.
func (s *Intake) UseIndicators(ind *Indicators) {
	s.indicators = ind
	ind.plain = s.plainSubmission
	ind.store.UseFactSealer(NewFactSealer(s.prot.Sealer))
}

// plainSubmission returns a copy of a stored submission with all its
// answers in clear, for deriving indicator facts inside the domain.
func (s *Intake) plainSubmission(ctx context.Context, sub *Submission) (*Submission, error) {
	if sub.Sealed == nil {
		return sub, nil
	}
	sf, err := s.catalog.Compiled(ctx, sub.FormID, sub.FormVersion)
	if err != nil {
		return nil, err
	}
	data, err := s.fullAnswers(sf, sub)
	if err != nil {
		return nil, err
	}
	out := *sub
	out.Data = data
	return &out, nil
}

// factsOf returns the facts of sub (every answer in clear, storage form)
// for writing with it, or nil when intake keeps no indicators.
func (s *Intake) factsOf(sub *Submission) (*Facts, error) {
	if s.indicators == nil {
		return nil, nil
	}
	return s.indicators.factsOf(sub)
}

// counts reports whether a submission's current state counts in the
// indicators: not rejected and not deleted.
func counts(sub *Submission) bool {
	return sub.ReviewState != ReviewRejected && sub.DeletedAt == nil
}

// factsOf evaluates every indicator of the submission's form on each of
// its rows, once.
func (ind *Indicators) factsOf(sub *Submission) (*Facts, error) {
	f := &Facts{SubmissionID: sub.ID, Form: sub.FormID, Commune: sub.Unit, SurveyDate: sub.SurveyDate}
	u, ok := ind.units.At(sub.Unit, sub.SurveyDate)
	if !ok {
		return nil, fmt.Errorf("indicator facts of %s: unit %s not valid on %s", sub.ID, sub.Unit, sub.SurveyDate.Format(time.DateOnly))
	}
	f.Hierarchy = u.Hierarchy
	if p, ok := ind.units.At(u.Parent, sub.SurveyDate); ok && p.Level == LevelDistrict {
		f.District = p.Code
	}
	if !counts(sub) {
		return f, nil
	}
	type cellKey struct{ code, sex, ag string }
	cells := map[cellKey]*FactCell{}
	var order []cellKey
	vars := map[string][]map[string]any{} // rows path → variables of each row
	for _, def := range ind.set.ForForm(sub.FormID) {
		rowVars, ok := vars[def.Rows]
		if !ok {
			for _, row := range rowsOf(sub.Data, def.Rows) {
				rowVars = append(rowVars, indicator.Vars(def.Fields(), row, sub.SurveyDate))
			}
			vars[def.Rows] = rowVars
		}
		for _, v := range rowVars {
			den, num, err := def.Eval(v)
			if err != nil {
				return nil, fmt.Errorf("indicator %s on submission %s: %w", def.Code, sub.ID, err)
			}
			if !den {
				continue
			}
			sex, _ := v["sex"].(string)
			age, _ := v[indicator.AgeVar].(int64)
			if _, has := v[indicator.AgeVar]; !has {
				age = -1
			}
			k := cellKey{def.Code, sex, AgeGroup(int(age))}
			c := cells[k]
			if c == nil {
				c = &FactCell{Indicator: k.code, Sex: k.sex, AgeGroup: k.ag, Sensitive: def.Sensitive}
				cells[k] = c
				order = append(order, k)
			}
			c.Den++
			if num {
				c.Num++
			}
		}
	}
	for _, k := range order {
		f.Cells = append(f.Cells, *cells[k])
	}
	return f, nil
}

// rowsOf returns the observation rows of data: the object itself, or the
// items of its repeat field rows.
func rowsOf(data map[string]any, rows string) []map[string]any {
	if rows == "" {
		return []map[string]any{data}
	}
	items, _ := data[rows].([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// Rebuild recomputes the facts of every submission (after the definitions
// changed) and records the definitions' hash. A crash part-way leaves the
// old hash, so the next start rebuilds again.
func (ind *Indicators) Rebuild(ctx context.Context) (int, error) {
	// Several writes at once, so that the store can commit them together.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan *Submission, 64)
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
	err := ind.store.EachSubmission(ctx, func(sub *Submission) error {
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

func (ind *Indicators) rebuildOne(ctx context.Context, sub *Submission) error {
	if ind.plain != nil {
		var err error
		if sub, err = ind.plain(ctx, sub); err != nil {
			return err
		}
	}
	f, err := ind.factsOf(sub)
	if err != nil {
		return err
	}
	of := matchOf(sub)
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

// LoadIndicatorSet reads the indicator definitions file of fsys and
// compiles it against the forms in formsDir (their current files).
func LoadIndicatorSet(fsys fs.FS, formsDir, file string) (*indicator.Set, error) {
	names, err := fs.Glob(fsys, path.Join(formsDir, "*.json"))
	if err != nil {
		return nil, err
	}
	forms := map[string]*schema.Form{}
	for _, n := range names {
		raw, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		f, err := schema.Compile(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		forms[f.ID] = f
	}
	raw, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("indicator definitions: %w", err)
	}
	return indicator.Load(raw, forms)
}

// FactsOf returns the facts of a submission's current state without
// storing them (for bulk loads and benchmarks).
func (ind *Indicators) FactsOf(sub *Submission) (*Facts, error) { return ind.factsOf(sub) }
