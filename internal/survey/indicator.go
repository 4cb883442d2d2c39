package survey

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sync"
	"sync/atomic"
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
}

// Facts are the indicator facts of one submission's current state: small
// and flat, so that a query counts them without reading submissions. One
// document per submission (rather than one per row × indicator) keeps the
// number of documents a query scans at the number of submissions.
type Facts struct {
	SubmissionID string
	Form         string
	Commune      string
	District     string // "" in a hierarchy without districts
	Hierarchy    string // the hierarchy valid on the survey date
	SurveyDate   time.Time
	// Stamp is the submission's UpdatedAt when the facts were derived.
	Stamp time.Time
	// FirstRevision: the submission was never edited, so its unit and
	// survey date (where its facts live) never changed; the store may skip
	// looking for facts to move.
	FirstRevision bool
	// Cells are empty when the submission does not count (rejected,
	// deleted): the document stays, as a tombstone that keeps the stamp.
	Cells []FactCell
}

// FactsPart selects facts of one hierarchy with survey date in
// [From, To] and, when Communes is not nil, a commune among Communes.
type FactsPart struct {
	Hierarchy string
	From, To  time.Time
	Communes  []string
}

// FactsQuery selects facts in some parts (ORed).
type FactsQuery struct {
	Parts []FactsPart
}

// FactsStore persists indicator facts.
type FactsStore interface {
	// PutFacts stores the facts of a submission in place of any it had
	// (also when its unit or survey date changed). Idempotent.
	PutFacts(ctx context.Context, f *Facts) error
	// ClearFactsPending clears the pending mark of a submission if it is
	// still in the state (updated_at) the facts were derived from; stale
	// is true when it is not (a newer write happened meanwhile).
	ClearFactsPending(ctx context.Context, id string, updatedAt time.Time) (stale bool, err error)
	// Submission reads a submission's current state (plaintext answers).
	Submission(ctx context.Context, id string) (*Submission, error)
	// PendingSubmissions returns up to limit submissions marked pending.
	PendingSubmissions(ctx context.Context, limit int) ([]*Submission, error)
	// EachSubmission calls fn for every stored submission.
	EachSubmission(ctx context.Context, fn func(*Submission) error) error
	// ScanFacts calls fn for the facts of each submission that q selects
	// (every one when q has no parts).
	ScanFacts(ctx context.Context, q FactsQuery, fn func(*Facts)) error
	// IndicatorSetHash returns the hash of the definitions the stored facts
	// were derived from ("" when none).
	IndicatorSetHash(ctx context.Context) (string, error)
	SetIndicatorSetHash(ctx context.Context, hash string) error
}

// Indicators maintains the facts and answers indicator queries.
type Indicators struct {
	set   *indicator.Set
	units *Units
	store FactsStore
	log   *slog.Logger
	now   func() time.Time
	cache atomic.Pointer[factsCache] // nil: queries read the store

	writer     atomic.Pointer[factsWriter] // with the cache: stores facts in the background
	writerOnce sync.Once

	// plain returns a stored submission with its sealed answers opened;
	// set by UseIndicators. Facts are derived from all the answers.
	plain func(ctx context.Context, sub *Submission) (*Submission, error)
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

// ApplyStored is Apply for a submission read back from the store: its
// sealed answers are opened first (through the intake set by UseIndicators).
func (ind *Indicators) ApplyStored(ctx context.Context, sub *Submission) error {
	if ind.plain != nil {
		var err error
		if sub, err = ind.plain(ctx, sub); err != nil {
			return err
		}
	}
	return ind.Apply(ctx, sub)
}

// applyFacts keeps a submission's facts after intake wrote it: a failure is
// logged and left to reconciliation (the submission stays marked pending,
// and every query reconciles pending marks first).
func (s *Intake) applyFacts(ctx context.Context, sub *Submission) {
	if s.indicators == nil {
		return
	}
	if err := s.indicators.Apply(ctx, sub); err != nil {
		s.indicators.log.Warn("indicator facts left pending", "submission", sub.ID, "error", err)
	}
}

// counts reports whether a submission's current state counts in the
// indicators: not rejected and not deleted.
func counts(sub *Submission) bool {
	return sub.ReviewState != ReviewRejected && sub.DeletedAt == nil
}

// Apply recomputes the facts of a submission's current state and clears
// its pending mark. It is idempotent, so a crash anywhere is repaired by
// applying again; every write of a submission must be followed by it.
// sub.Data must be the plaintext answers in storage form.
//
// With the in-memory mirror (CacheFacts), the mirror is updated before
// Apply returns, so the next query counts the write, and the facts write
// and the clearing of the mark are queued for a background writer: the
// mark stays on the stored submission until then, so a crash before is
// repaired at start-up.
func (ind *Indicators) Apply(ctx context.Context, sub *Submission) error {
	if w := ind.writer.Load(); w != nil {
		f, err := ind.factsOf(sub)
		if err != nil {
			return err
		}
		ind.cache.Load().put(f)
		if w.enqueue(sub) {
			return nil
		}
	}
	return ind.applyStore(ctx, sub)
}

// applyStore writes the facts of sub and clears its pending mark.
func (ind *Indicators) applyStore(ctx context.Context, sub *Submission) error {
	for try := 0; ; try++ {
		f, err := ind.factsOf(sub)
		if err != nil {
			return err
		}
		if err := ind.store.PutFacts(ctx, f); err != nil {
			return err
		}
		if c := ind.cache.Load(); c != nil {
			c.put(f)
		}
		stale, err := ind.store.ClearFactsPending(ctx, sub.ID, sub.UpdatedAt)
		if err != nil || !stale {
			return err
		}
		// A newer write raced with us and our facts may have overwritten
		// its: derive them again from what is stored now. If this keeps
		// happening, the pending mark stays for reconciliation.
		if try == 2 {
			return nil
		}
		if sub, err = ind.store.Submission(ctx, sub.ID); err != nil {
			return err
		}
	}
}

// factsOf evaluates every indicator of the submission's form on each of
// its rows, once.
func (ind *Indicators) factsOf(sub *Submission) (*Facts, error) {
	f := &Facts{SubmissionID: sub.ID, Form: sub.FormID, Commune: sub.Unit, SurveyDate: sub.SurveyDate, Stamp: sub.UpdatedAt,
		FirstRevision: sub.Revision == 1}
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
				c = &FactCell{Indicator: k.code, Sex: k.sex, AgeGroup: k.ag}
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

// reconcileBatch is how many pending submissions one pass repairs at most.
const reconcileBatch = 500

// Reconcile applies the facts of every submission still marked pending (a
// crash or a failed write between storing a submission and its facts). It
// returns how many it repaired.
func (ind *Indicators) Reconcile(ctx context.Context) (int, error) {
	n := 0
	var firstErr error
	for {
		subs, err := ind.store.PendingSubmissions(ctx, reconcileBatch)
		if err != nil {
			return n, err
		}
		done := 0
		for _, sub := range subs {
			// One submission that cannot be applied (its unit unknown to a
			// newer unit list, say) must not hold back the others.
			if err := ind.ApplyStored(ctx, sub); err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("reconcile %s: %w", sub.ID, err)
				}
				continue
			}
			done++
		}
		n += done
		if len(subs) < reconcileBatch || done == 0 {
			return n, firstErr
		}
	}
}

// Rebuild recomputes the facts of every submission (after the definitions
// changed) and records the definitions' hash. A crash part-way leaves the
// old hash, so the next start rebuilds again.
func (ind *Indicators) Rebuild(ctx context.Context) (int, error) {
	n := 0
	err := ind.store.EachSubmission(ctx, func(sub *Submission) error {
		n++
		return ind.ApplyStored(ctx, sub)
	})
	if err != nil {
		return n, fmt.Errorf("rebuild indicator facts: %w", err)
	}
	if err := ind.store.SetIndicatorSetHash(ctx, ind.set.Hash); err != nil {
		return n, err
	}
	return n, nil
}

// EnsureCurrent rebuilds the facts when they were derived from other
// definitions than the loaded ones, then reconciles pending marks. The
// server runs it at start-up.
func (ind *Indicators) EnsureCurrent(ctx context.Context) error {
	hash, err := ind.store.IndicatorSetHash(ctx)
	if err != nil {
		return err
	}
	if hash != ind.set.Hash {
		start := ind.now()
		n, err := ind.Rebuild(ctx)
		if err != nil {
			return err
		}
		ind.log.Info("rebuilt indicator facts for a changed definition set", "submissions", n, "duration", ind.now().Sub(start).String())
	}
	n, err := ind.Reconcile(ctx)
	if n > 0 {
		ind.log.Info("reconciled pending indicator facts", "submissions", n)
	}
	return err
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
