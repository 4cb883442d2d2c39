package registry

import (
	"context"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// Decision actions.
const (
	ActionMerge         = "merge"
	ActionNotDuplicates = "not_duplicates"
)

// Decision is a person's decision about a pair of records: merge them
// (Alias becomes an alias of Survivor) or keep them apart. It is kept
// with who and when; an undo marks it undone, and the pair is as before.
type Decision struct {
	ID       string
	Kind     string
	Action   string
	A, B     string // the pair, A < B
	Survivor string // merge: the record that stays
	Alias    string // merge: the record that becomes its alias
	By       string // username
	ByID     string
	At       time.Time
	UndoneAt *time.Time
	UndoneBy string
	// Communes are those of both records when decided: who may see the
	// decision.
	Communes []string
}

// Change is one entry of the phones' feed: a record of a commune changed.
type Change struct {
	Seq     int64
	Kind    string
	ID      string
	Commune string
}

// Snapshot is everything the registry derives from the submissions, in a
// stable order: a rebuild must give the same.
type Snapshot struct {
	Households []Household
	Stays      []Stay
	Children   []Child
	ChildKeys  [][2]string
	Candidates []Candidate
}

// Store is what the registry's reads and decisions need of a database.
// Not found is survey.ErrNotFound.
type Store interface {
	RegistryHousehold(ctx context.Context, id string) (*Household, error)
	RegistryHouseholdVisits(ctx context.Context, id string) ([]Visit, error)
	RegistryHouseholdStays(ctx context.Context, id string) ([]Stay, error)
	RegistryChild(ctx context.Context, id string) (*Child, error)
	RegistryChildStays(ctx context.Context, id string) ([]Stay, error)
	RegistryChildFollowUps(ctx context.Context, id string) ([]FollowUp, error)
	// RegistrySurvivor returns the record an alias was merged into ("":
	// not an alias).
	RegistrySurvivor(ctx context.Context, kind, id string) (string, error)
	// RegistryAliases returns the aliases merged into a record.
	RegistryAliases(ctx context.Context, kind, id string) ([]string, error)
	// RegistryCandidates returns the candidate pairs no standing decision
	// settles, of records in communes (nil: all).
	RegistryCandidates(ctx context.Context, kind string, communes []string, limit int) ([]Candidate, error)
	// RegistryDecide records d and applies it, all or nothing:
	// survey.ErrDuplicate when a standing decision settles the pair, or a
	// merge's record is an alias already.
	RegistryDecide(ctx context.Context, d *Decision) error
	// RegistryUndo marks decision id undone and restores the pair;
	// survey.ErrNotFound when it is not standing (unknown, or undone).
	RegistryUndo(ctx context.Context, id, by string, at time.Time) (*Decision, error)
	RegistryDecision(ctx context.Context, id string) (*Decision, error)
	// RegistryChanges returns the feed's entries of communes after seq.
	RegistryChanges(ctx context.Context, communes []string, after int64, limit int) ([]Change, error)
	RegistrySnapshot(ctx context.Context) (*Snapshot, error)
	// RebuildRegistry computes the registry again from every stored
	// submission, observed by observe; decisions are kept.
	RebuildRegistry(ctx context.Context, observe func(ctx context.Context, sub *survey.Submission) (*Observation, error)) error
	// RegistryNeedsRebuild reports whether the registry is empty while
	// submissions it is made of exist (a database from before it).
	RegistryNeedsRebuild(ctx context.Context) (bool, error)
}
