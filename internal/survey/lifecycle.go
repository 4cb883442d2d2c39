package survey

import (
	"context"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
)

// ReviewNote is one review decision.
type ReviewNote struct {
	State   string
	Comment string
	At      time.Time
	By      string // user id
	ByName  string // username at the time
}

// Comment is one entry of a submission's comment thread. A review with a
// comment is also an entry, with ReviewState set to the state it chose.
type Comment struct {
	ID           string
	SubmissionID string
	At           time.Time
	By           string // user id
	ByName       string
	Role         Role
	Text         string
	ReviewState  string
}

// Match is the state a conditional write expects to find: every change
// of a submission is a compare-and-set on its revision and review state.
type Match struct {
	Revision    int
	ReviewState string
	// DeletedAt nil: the submission must not be deleted; otherwise it must
	// be deleted at exactly this time (a restore).
	DeletedAt *time.Time
}

// SubmissionChange is one change of a stored submission and everything
// that goes with it, written by the store as one atomic step.
type SubmissionChange struct {
	Match Match       // what the stored submission must still be
	Next  *Submission // its new state, as stored (sensitive answers sealed)
	// History is the revision to keep in history (an edit), or nil.
	History *Submission
	// Event is the change event; the store gives it its number. Nil: no feed.
	Event *Event
	// Facts replace the submission's indicator facts. Nil: no indicators.
	Facts *Facts
	// Comment joins the comment thread (a review with a comment), or nil.
	Comment *Comment
}

// LifecycleStore persists what happens to a submission after intake.
type LifecycleStore interface {
	SubmissionStore
	EventStore
	// UpdateSubmission applies c, all or nothing, if the stored
	// submission matches c.Match; ErrNotFound otherwise (then nothing is
	// written). Of concurrent changes of one revision exactly one wins.
	UpdateSubmission(ctx context.Context, c *SubmissionChange) error
	// History returns the kept revisions of a submission, oldest first.
	History(ctx context.Context, id string) ([]*Submission, error)
	// HistoryRevision returns one kept revision; ErrNotFound if none.
	HistoryRevision(ctx context.Context, id string, rev int) (*Submission, error)
	AddComment(ctx context.Context, c *Comment) error
	// Comments returns a submission's thread, oldest first.
	Comments(ctx context.Context, id string) ([]*Comment, error)
}

// Lifecycle is the service for what happens to submissions after intake:
// edits with history, review, comments, soft deletion, batch sync.
type Lifecycle struct {
	in    *Intake
	store LifecycleStore
	audit *Auditor
	// RestoreWindow is how long a deleted submission can be restored.
	RestoreWindow time.Duration
	files         AttachmentStore
	// MaxAttachment is the size limit of one attachment, in bytes.
	MaxAttachment int64
	// AttachmentQuota bounds the attachments of a submission and the
	// bytes a user uploads in a day.
	AttachmentQuota AttachmentQuota
}

// DeletedRetention is how long a soft-deleted submission is kept, and can
// be restored, before housekeeping removes it for good (PurgeDeleted; on
// MongoDB a TTL index on deleted_at too).
const DeletedRetention = 30 * 24 * time.Hour

// LifecycleOption adds to the lifecycle what NewLifecycle does not
// require (WithAttachments).
type LifecycleOption func(*Lifecycle)

// NewLifecycle returns the lifecycle service; in must use the same store.
func NewLifecycle(in *Intake, store LifecycleStore, audit *Auditor, opts ...LifecycleOption) *Lifecycle {
	l := &Lifecycle{in: in, store: store, audit: audit, RestoreWindow: DeletedRetention}
	for _, o := range opts {
		o(l)
	}
	return l
}

// Intake returns the intake service the lifecycle builds on.
func (l *Lifecycle) Intake() *Intake { return l.in }

func errDeleted() *Error {
	e := Errorf(CodeDeleted, msg.Deleted)
	e.Fields = []FieldError{fieldErr("/id", "deleted", msg.DeletedField)}
	return e
}

// errPurged answers a submission whose id belonged to one deleted and then
// removed for good after the restore window: a phone sending it again must
// not bring back what was deleted (consent withdrawn, a wrong child).
func errPurged() *Error {
	e := Errorf(CodeDeleted, msg.Purged)
	e.Fields = []FieldError{fieldErr("/id", "deleted", msg.PurgedField)}
	return e
}

func errStale() *Error {
	return Errorf(CodePreconditionFailed, msg.StaleRevision)
}

func errLocked() *Error {
	return Errorf(CodeLocked, msg.Locked)
}

// Edit replaces the answers of a submission with the envelope in body,
// if the stored revision is ifMatch; the sensitive answers of an editor
// who may not see them are kept (see protect.Answers.KeepWithheld). The previous revision is kept in
// history. An edit of a submission with issues sends it back to received.
func (l *Lifecycle) Edit(ctx context.Context, actor Actor, formID, id string, ifMatch int, body []byte) (*Submission, error) {
	if !actor.CanSubmit() {
		return nil, forbidden()
	}
	cur, err := l.in.Get(ctx, actor, formID, id)
	if err != nil {
		return nil, err
	}
	if actor.Role == RoleCollector && cur.ReviewState == ReviewApproved {
		return nil, errLocked()
	}
	if ifMatch != cur.Revision {
		return nil, errStale()
	}
	now := l.in.now()
	env, fe, err := ParseEnvelope(body, "", now)
	if err != nil {
		return nil, err
	}
	if env.ID != "" && env.ID != cur.ID {
		fe = append(fe, fieldErr("/id", "mismatch", msg.IDMismatch))
	}
	if env.FormVersion > 0 && env.FormVersion < cur.FormVersion {
		fe = append(fe, fieldErr("/form_version", "older_version", msg.OlderVersion))
	}
	// An editor who may not see the sensitive answers sent them not; they
	// are merged back from cur, the revision this edit is written against
	// (the write below matches it), and the merged answers are validated.
	if err := l.in.prot.Answers.KeepWithheld(ctx, actor, cur, env); err != nil {
		return nil, err
	}
	sf, err := l.in.checkEnvelope(ctx, actor, formID, env, fe)
	if err != nil {
		return nil, err
	}
	data := sf.ToStorage(env.Data)
	hash, err := contentHash(l.in.prot.HashKey, formID, env, sf, data)
	if err != nil {
		return nil, err
	}
	next := *cur
	next.FormVersion, next.Unit, next.SurveyDate = env.FormVersion, env.Unit, env.SurveyDate
	next.StartedAt, next.EndedAt, next.DeviceID, next.Location = env.StartedAt, env.EndedAt, env.DeviceID, env.Location
	next.Data, next.ContentHash, next.Sealed = data, hash, nil
	next.Revision = cur.Revision + 1
	next.UpdatedAt = now.UTC().Truncate(time.Millisecond)
	next.UpdatedBy = actor.Username
	if cur.ReviewState == ReviewHasIssues {
		next.ReviewState = ReviewReceived
	}
	if err := l.in.checkRefs(ctx, actor, sf, &next); err != nil {
		return nil, err
	}
	stored, err := l.in.prot.Answers.SealForStore(sf, &next)
	if err != nil {
		return nil, err
	}
	facts, err := l.in.factsOf(ctx, &next) // next holds all the answers in clear
	if err != nil {
		return nil, err
	}
	kept, err := l.in.prot.Answers.Resealed(ctx, cur) // cur may have been read before its answers were sealed
	if err != nil {
		return nil, err
	}
	if kept.Sealed != nil && kept.Sealed.KeyID != l.in.prot.Sealer.CurrentKeyID() {
		// Kept under a key being retired: a key rotation running now may
		// have gone past this submission already.
		box, err := l.in.prot.Answers.Rekeyed(kept)
		if err != nil {
			return nil, err
		}
		k := *kept
		k.Sealed = box
		kept = &k
	}
	err = l.store.UpdateSubmission(ctx, &SubmissionChange{
		Match: MatchOf(cur), Next: stored, History: kept,
		Event: l.in.event(EventEdit, actor, &next, now), Facts: facts,
	})
	if isNotFound(err) {
		return nil, errStale()
	}
	if err != nil {
		return nil, err
	}
	return &next, nil
}

// MatchOf is the state a change of cur expects to find.
func MatchOf(cur *Submission) Match {
	return Match{Revision: cur.Revision, ReviewState: cur.ReviewState, DeletedAt: cur.DeletedAt}
}

// change writes a state change of a stored submission (review, deletion,
// restore) that keeps its answers: the facts are derived again from the
// new state, with the sealed answers opened in memory.
func (l *Lifecycle) change(ctx context.Context, cur, next *Submission, ev *Event, c *Comment) error {
	// next is cur's stored answers: sealed again if cur was read before
	// they were, so that this write does not put them back in clear.
	next, err := l.in.prot.Answers.Resealed(ctx, next)
	if err != nil {
		return err
	}
	var facts *Facts
	if l.in.facts != nil || l.in.registry != nil {
		plain, err := l.in.PlainSubmission(ctx, next)
		if err != nil {
			return err
		}
		if facts, err = l.in.factsOf(ctx, plain); err != nil {
			return err
		}
	}
	err = l.store.UpdateSubmission(ctx, &SubmissionChange{Match: MatchOf(cur), Next: next, Event: ev, Facts: facts, Comment: c})
	if isNotFound(err) {
		return errStale()
	}
	return err
}

// Revision is one revision of a submission in its history.
type Revision struct {
	Revision    int
	FormVersion int
	UpdatedAt   time.Time
	UpdatedBy   string
	ReviewState string
}

// History lists the revisions of a submission, oldest first (the last is
// the current one).
func (l *Lifecycle) History(ctx context.Context, actor Actor, formID, id string) ([]Revision, error) {
	cur, err := l.in.Get(ctx, actor, formID, id)
	if err != nil {
		return nil, err
	}
	old, err := l.store.History(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []Revision
	for _, s := range append(old, cur) {
		if s.Revision > cur.Revision || (len(out) > 0 && out[len(out)-1].Revision == s.Revision) {
			continue // never on a store that writes history with the edit; kept for safety
		}
		out = append(out, Revision{Revision: s.Revision, FormVersion: s.FormVersion, UpdatedAt: s.UpdatedAt, UpdatedBy: s.updatedBy(), ReviewState: s.ReviewState})
	}
	return out, nil
}

func (s *Submission) updatedBy() string {
	if s.UpdatedBy != "" {
		return s.UpdatedBy
	}
	return s.CollectorName
}

// AtRevision returns revision rev of a submission the actor may see.
// Its answers leave only through Intake.View.
func (l *Lifecycle) AtRevision(ctx context.Context, actor Actor, formID, id string, rev int) (*Submission, error) {
	cur, err := l.in.Get(ctx, actor, formID, id)
	if err != nil {
		return nil, err
	}
	if rev == cur.Revision {
		return cur, nil
	}
	if rev < 1 || rev > cur.Revision {
		return nil, notFound(msg.Text(msg.NounRevision))
	}
	old, err := l.store.HistoryRevision(ctx, id, rev)
	if isNotFound(err) {
		return nil, notFound(msg.Text(msg.NounRevision))
	}
	return old, err
}
