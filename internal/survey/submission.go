package survey

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// Review states.
const (
	ReviewReceived  = "received"
	ReviewHasIssues = "has_issues"
	ReviewApproved  = "approved"
	ReviewRejected  = "rejected"
)

// Submission is one filled form as stored.
type Submission struct {
	ID            string
	FormID        string
	FormVersion   int
	Unit          string
	SurveyDate    time.Time
	StartedAt     *time.Time
	EndedAt       *time.Time
	DeviceID      string
	Location      *Location
	Data          map[string]any // storage form: dates as time.Time, integers as int64
	Collector     string         // user id, from the credentials
	CollectorName string         // username at the time of submission
	ReceivedAt    time.Time
	UpdatedAt     time.Time
	UpdatedBy     string // username of the last editor; "" = the collector
	Revision      int
	ReviewState   string
	ContentHash   string
	// Sealed holds the answers of x-sensitive fields, encrypted; they are
	// absent from Data as stored. Nil for a submission built in memory.
	Sealed *SealedAnswers
	// LastReview is the latest review decision (nil before the first).
	LastReview *ReviewNote
	// DeletedAt marks a soft-deleted submission: kept, hidden from every
	// read, list, export and indicator until restored.
	DeletedAt *time.Time
	DeletedBy string
}

// PageKey is a position in the stable listing order (received_at, id).
type PageKey struct {
	ReceivedAt time.Time
	ID         string
}

// SubmissionQuery selects submissions. Scope and UnitFilter are ANDed; a
// nil Scope means unrestricted and may only come from an admin's request.
type SubmissionQuery struct {
	Form       string
	Scope      []ScopePart
	UnitFilter []ScopePart
	Collector  string
	// CollectorName keeps the submissions sent under this username (the
	// review queue's collector filter); it narrows Collector, never widens it.
	CollectorName string
	From, To      time.Time    // survey date, inclusive; zero = open
	ReviewState   string       // "" = any
	Answers       []AnswerCond // all must hold
	After         *PageKey
	Limit         int
}

// SubmissionStore persists submissions. Every rule that must hold
// atomically is one call that the store makes atomic (a transaction, or
// one document write): the domain never holds a lock and never reserves.
type SubmissionStore interface {
	// CreateSubmission stores a new submission together with its change
	// event and its indicator facts, all or nothing. The store gives e
	// its sequence number (e.Seq) inside the same write, so the change
	// feed has no gap and never shows an event before its submission.
	// e and f may be nil (no feed, no indicators). ErrDuplicate when the
	// id exists, or belonged to a submission deleted and then purged
	// (PurgeDeleted keeps its id); nothing is written then.
	CreateSubmission(ctx context.Context, s *Submission, e *Event, f *Facts) error
	Submission(ctx context.Context, id string) (*Submission, error)
	// ListSubmissions returns up to q.Limit submissions after q.After in
	// (received_at, id) order.
	ListSubmissions(ctx context.Context, q SubmissionQuery) ([]*Submission, error)
}

// Intake is the service that receives and lists submissions.
type Intake struct {
	store   SubmissionStore
	catalog *Catalog
	units   *Units
	prot    Protection
	now     func() time.Time

	facts    FactDeriver  // nil: no facts kept (see WithFacts)
	registry RegistryHook // nil: no registry fed (see WithRegistry)
	feed     *Feed        // nil: no change events (tests of intake alone; see WithFeed)
}

// NewIntake returns the intake service; opts add what it writes beside
// the submissions (WithFacts, WithFeed).
func NewIntake(store SubmissionStore, catalog *Catalog, units *Units, prot Protection, opts ...IntakeOption) (*Intake, error) {
	if err := prot.check(); err != nil {
		return nil, err
	}
	s := &Intake{store: store, catalog: catalog, units: units, prot: prot, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Submit validates and stores one submission of form formID. created is
// false when the same submission was already stored (a retry).
func (s *Intake) Submit(ctx context.Context, actor Actor, formID string, body []byte) (sub *Submission, created bool, err error) {
	if !actor.CanSubmit() {
		return nil, false, forbidden()
	}
	form, err := s.catalog.Form(ctx, formID)
	if err != nil {
		return nil, false, err
	}
	now := s.now()
	env, fe, err := ParseEnvelope(body, "", now)
	if err != nil {
		return nil, false, err
	}
	sf, err := s.checkEnvelope(ctx, actor, formID, env, fe)
	if err != nil {
		return nil, false, err
	}
	data := sf.ToStorage(env.Data)
	hash, err := contentHash(s.prot.HashKey, formID, env, sf, data)
	if err != nil {
		return nil, false, err
	}
	received := now.UTC().Truncate(time.Millisecond) // the database keeps milliseconds
	sub = &Submission{
		ID: env.ID, FormID: formID, FormVersion: env.FormVersion, Unit: env.Unit, SurveyDate: env.SurveyDate,
		StartedAt: env.StartedAt, EndedAt: env.EndedAt, DeviceID: env.DeviceID, Location: env.Location,
		Data: data, Collector: actor.UserID, CollectorName: actor.Username, ReceivedAt: received, UpdatedAt: received,
		Revision: 1, ReviewState: ReviewReceived, ContentHash: hash,
	}
	if form.Status == FormClosed {
		// A retry of what was stored before the form closed is still a retry.
		if old, err := s.store.Submission(ctx, sub.ID); err == nil && old.ContentHash == sub.ContentHash && old.Collector == actor.UserID {
			return old, false, nil
		}
		return nil, false, Errorf(CodeFormClosed, msg.FormClosed)
	}
	if err := s.checkRefs(ctx, actor, sf, sub); err != nil {
		return nil, false, err
	}
	stored, err := s.prot.Answers.SealForStore(sf, sub)
	if err != nil {
		return nil, false, err
	}
	facts, err := s.factsOf(ctx, sub) // sub holds every answer in clear
	if err != nil {
		return nil, false, err
	}
	err = s.store.CreateSubmission(ctx, stored, s.event(EventCreate, actor, sub, now), facts)
	if isDuplicate(err) {
		return s.resolveDuplicate(ctx, actor, sub)
	}
	if err != nil {
		return nil, false, err
	}
	return sub, true, nil
}

// View returns the answers of a stored submission as the actor may see
// them (API form: dates as YYYY-MM-DD), and the JSON pointers of the
// answers withheld. Every way out (API reads, exports) goes through it:
// it is the one place where sealed answers are decrypted, and only for an
// actor who may see them.
func (s *Intake) View(ctx context.Context, actor Actor, sub *Submission) (map[string]any, []string, error) {
	return s.view(ctx, actor, sub, false)
}

// view is View; with owned, the caller gives up sub (an export's row,
// streamed for it alone), whose answers are then converted in place
// instead of copied, and which must not be used again.
func (s *Intake) view(ctx context.Context, actor Actor, sub *Submission, owned bool) (map[string]any, []string, error) {
	sf, err := s.catalog.Compiled(ctx, sub.FormID, sub.FormVersion)
	if err != nil {
		return nil, nil, err
	}
	return s.viewCompiled(ctx, actor, sf, sub, owned)
}

// viewCompiled is view with sub's form version already compiled
// (Catalog.Compiled), for a caller that must not read the store.
func (s *Intake) viewCompiled(ctx context.Context, actor Actor, sf *schema.Form, sub *Submission, owned bool) (map[string]any, []string, error) {
	if actor.SeesSensitive() {
		data, err := s.openView(ctx, actor, sf, sub, owned)
		return data, nil, err
	}
	data, redacted := Redact(actor, sf, fromStorage(sf, sub.Data, owned))
	return data, redacted, nil
}

func fromStorage(sf *schema.Form, data map[string]any, owned bool) map[string]any {
	if owned {
		return sf.FromStorageInPlace(data)
	}
	return sf.FromStorage(data)
}

// Get returns one submission of a form, if the actor may see it. A
// submission the actor may not see is "not found": its existence is not
// revealed.
func (s *Intake) Get(ctx context.Context, actor Actor, formID, id string) (*Submission, error) {
	sub, err := s.store.Submission(ctx, id)
	if isNotFound(err) || (err == nil && (sub.FormID != formID || !s.canSee(actor, sub))) {
		return nil, notFound(msg.Text(msg.NounSubmission))
	}
	if err != nil {
		return nil, err
	}
	form, err := s.catalog.Form(ctx, formID)
	if err != nil {
		return nil, err
	}
	own, err := s.ownOnly(ctx, actor, form)
	if err != nil {
		return nil, err
	}
	if own && sub.Collector != actor.UserID {
		return nil, notFound(msg.Text(msg.NounSubmission))
	}
	return sub, nil
}

// ListFilter is what a caller may ask of the submission list.
type ListFilter struct {
	Unit        string
	Collector   string // a collector's username; "" = any
	From, To    time.Time
	ReviewState string
	Q           string // conditions on answers, see answerFilter
	Cursor      string
	Limit       int
}

// Listing limits.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// List returns a page of submissions of a form visible to the actor, and
// the cursor of the next page ("" at the end).
func (s *Intake) List(ctx context.Context, actor Actor, formID string, f ListFilter) ([]*Submission, string, error) {
	form, err := s.catalog.Form(ctx, formID)
	if err != nil {
		return nil, "", err
	}
	q := SubmissionQuery{Form: formID, From: f.From, To: f.To, Limit: f.Limit, CollectorName: strings.ToLower(strings.TrimSpace(f.Collector))}
	if err := reviewStateFilter(f.ReviewState, &q); err != nil {
		return nil, "", err
	}
	if f.Q != "" {
		var err error
		if q.Answers, err = s.answerFilter(ctx, formID, f.Q); err != nil {
			return nil, "", err
		}
	}
	if q.Limit <= 0 {
		q.Limit = DefaultListLimit
	}
	if q.Limit > MaxListLimit {
		q.Limit = MaxListLimit
	}
	if err := s.restrictTo(actor, &q); err != nil {
		return nil, "", err
	}
	if own, err := s.ownOnly(ctx, actor, form); err != nil {
		return nil, "", err
	} else if own {
		q.Collector = actor.UserID
	}
	if f.Unit != "" {
		if !s.units.Known(f.Unit) {
			e := Errorf(CodeMalformed, msg.ExportUnitUnknown)
			e.Fields = []FieldError{fieldErr("?unit", "unknown_unit", msg.UnitUnknownField)}
			return nil, "", e
		}
		q.UnitFilter = s.units.Scope([]string{f.Unit})
	}
	return s.page(ctx, q, f.Cursor)
}

// page reads the page of q that follows cursor ("" for the first), one
// row more than asked to know whether another page exists, and returns
// the cursor of the next page ("" at the end).
func (s *Intake) page(ctx context.Context, q SubmissionQuery, cursor string) ([]*Submission, string, error) {
	if cursor != "" {
		k, err := decodeCursor(cursor)
		if err != nil {
			e := Errorf(CodeMalformed, msg.PageCursorInvalid)
			e.Fields = []FieldError{fieldErr("?cursor", "invalid", msg.CursorInvalidField)}
			return nil, "", e
		}
		q.After = k
	}
	limit := q.Limit
	q.Limit++
	items, err := s.store.ListSubmissions(ctx, q)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		next = encodeCursor(PageKey{ReceivedAt: last.ReceivedAt, ID: last.ID})
	}
	return items, next, nil
}

type cursorJSON struct {
	T int64  `json:"t"`
	I string `json:"i"`
}

func encodeCursor(k PageKey) string {
	b, _ := json.Marshal(cursorJSON{T: k.ReceivedAt.UnixMilli(), I: k.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (*PageKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	var c cursorJSON
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	if c.I == "" {
		return nil, errBadCursor
	}
	return &PageKey{ReceivedAt: time.UnixMilli(c.T).UTC(), ID: c.I}, nil
}

var errBadCursor = Errorf(CodeMalformed, msg.CursorInvalidField)
