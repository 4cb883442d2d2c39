package survey

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Kinds of change events.
const (
	EventCreate  = "create"
	EventEdit    = "edit"
	EventReview  = "review"
	EventDelete  = "delete"
	EventRestore = "restore"
	// EventSkip fills a sequence number whose writer gave up (its write
	// failed, or it never finished); readers pass over it.
	EventSkip = "skip"
)

// Event is one committed change of a submission, as the change feed
// returns it. It carries identifiers and states only, never answers.
type Event struct {
	Seq          int64
	Kind         string
	SubmissionID string
	Form         string
	Unit         string
	SurveyDate   time.Time
	Collector    string // user id: scopes the event like its submission
	Revision     int
	ReviewState  string
	At           time.Time
	By           string // username of the actor
}

// EventStore persists change events. Events are keyed by their sequence
// number, so a number can be written once only.
type EventStore interface {
	// NextEventSeq allocates the next sequence number (atomic, never reused).
	NextEventSeq(ctx context.Context) (int64, error)
	// NextEventSeqs allocates n consecutive numbers and returns the last.
	NextEventSeqs(ctx context.Context, n int) (int64, error)
	// InsertEvent stores e under e.Seq; ErrDuplicate when the number is taken.
	InsertEvent(ctx context.Context, e *Event) error
	// Events returns up to limit events with Seq > after, in Seq order.
	Events(ctx context.Context, after int64, limit int) ([]*Event, error)
}

// Feed is the ordered log of submission changes.
//
// Without transactions, a sequence number allocated before a write may
// become visible after a higher one. The writer therefore takes its number
// before its write (so that every later change of the same submission,
// which needs this write to have happened, gets a higher number) and stores
// the event after it; a reader never reads past a missing number. A number
// still missing after Settle is filled with a skip event by the reader; the
// write of the late writer then fails on the taken number and it takes a
// new one, so nothing is ever skipped or repeated.
type Feed struct {
	store  EventStore
	Settle time.Duration
	now    func() time.Time
}

// NewFeed returns the change feed over store.
func NewFeed(store EventStore) *Feed {
	return &Feed{store: store, Settle: 3 * time.Second, now: time.Now}
}

// SetFeed makes the intake record a create event for every new submission.
func (s *Intake) SetFeed(f *Feed) { s.feed = f }

func newEvent(kind string, actor Actor, sub *Submission, at time.Time) *Event {
	return &Event{
		Kind: kind, SubmissionID: sub.ID, Form: sub.FormID, Unit: sub.Unit, SurveyDate: sub.SurveyDate,
		Collector: sub.Collector, Revision: sub.Revision, ReviewState: sub.ReviewState,
		At: at.UTC().Truncate(time.Millisecond), By: actor.Username,
	}
}

// seqBlock is a run of numbers taken at once for the writes of a batch,
// used in order by one goroutine. Taking them before the batch's writes
// keeps the rule that a change after a write gets a higher number.
type seqBlock struct{ next, last int64 }

type seqBlockKey struct{}

// withBlock returns ctx carrying n numbers for the reserves made under it,
// and a function that gives up the ones left unused.
func (f *Feed) withBlock(ctx context.Context, n int) (context.Context, func(), error) {
	if f == nil || n < 2 {
		return ctx, func() {}, nil
	}
	last, err := f.store.NextEventSeqs(ctx, n)
	if err != nil {
		return nil, nil, err
	}
	b := &seqBlock{next: last - int64(n) + 1, last: last}
	return context.WithValue(ctx, seqBlockKey{}, b), func() {
		for ; b.next <= b.last; b.next++ {
			f.release(ctx, b.next)
		}
	}, nil
}

// reserve takes the sequence number of an event about to happen.
func (f *Feed) reserve(ctx context.Context) (int64, error) {
	if f == nil {
		return 0, nil
	}
	if b, ok := ctx.Value(seqBlockKey{}).(*seqBlock); ok && b.next <= b.last {
		b.next++
		return b.next - 1, nil
	}
	return f.store.NextEventSeq(ctx)
}

// release gives up a reserved number: the change did not happen.
func (f *Feed) release(ctx context.Context, seq int64) {
	if f == nil {
		return
	}
	// Best effort: a number left empty is filled by a reader after Settle.
	_ = f.store.InsertEvent(context.WithoutCancel(ctx), &Event{Seq: seq, Kind: EventSkip, At: f.now().UTC()})
}

// commit stores the event of a change that happened, under its reserved
// number, or under a new one when a reader has given the number up.
func (f *Feed) commit(ctx context.Context, seq int64, e *Event) error {
	if f == nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx) // the change is stored: record it even if the client left
	for {
		e.Seq = seq
		err := f.store.InsertEvent(ctx, e)
		if !isDuplicate(err) {
			return err
		}
		if seq, err = f.store.NextEventSeq(ctx); err != nil {
			return err
		}
	}
}

// Feed limits.
const (
	DefaultFeedLimit = 100
	MaxFeedLimit     = 1000
	feedScanBatch    = 500
	feedMaxScan      = 20000 // events examined per request, visible or not
)

// Changes returns the events after cursor that the actor may see (of form
// formID, if not empty), at most limit, and the cursor to continue from.
// The cursor advances past events the caller may not see, so a page may
// hold fewer than limit events (even none) while more follow.
func (s *Intake) Changes(ctx context.Context, actor Actor, cursor, formID string, limit int) ([]*Event, string, error) {
	if s.feed == nil || !actor.CanReadData() {
		return nil, "", forbidden()
	}
	var q SubmissionQuery
	if err := s.restrictTo(actor, &q); err != nil {
		return nil, "", err
	}
	if formID != "" {
		if _, err := s.catalog.Form(ctx, formID); err != nil {
			return nil, "", err
		}
	}
	after, err := decodeFeedCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = DefaultFeedLimit
	}
	limit = min(limit, MaxFeedLimit)
	f := s.feed
	scope := newFeedScope(s, actor)
	var out []*Event
	var gapSince time.Time
	scanned := 0
	for len(out) < limit && scanned < feedMaxScan {
		evs, err := f.store.Events(ctx, after, feedScanBatch)
		if err != nil {
			return nil, "", err
		}
		if len(evs) == 0 {
			break
		}
		progressed := false
		for _, e := range evs {
			if e.Seq != after+1 {
				break // a number still in flight: never read past it
			}
			after, progressed = e.Seq, true
			scanned++
			if e.Kind == EventSkip || (formID != "" && e.Form != formID) {
				continue
			}
			if ok, err := scope.visible(ctx, e); err != nil {
				return nil, "", err
			} else if ok {
				out = append(out, e)
				if len(out) == limit {
					break
				}
			}
		}
		if progressed {
			gapSince = time.Time{}
			continue
		}
		// Number after+1 is missing while later ones exist: its writer is
		// between reserving and committing. Wait for it, then give it up.
		if gapSince.IsZero() {
			gapSince = f.now()
		}
		if f.now().Sub(gapSince) >= f.Settle {
			f.release(ctx, after+1)
			continue
		}
		select {
		case <-ctx.Done():
			return nil, "", ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return out, encodeFeedCursor(after), nil
}

const feedCursorPrefix = "c1."

func encodeFeedCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(feedCursorPrefix + strconv.FormatInt(seq, 10)))
}

func decodeFeedCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	var n int64
	if err == nil {
		rest, ok := strings.CutPrefix(string(b), feedCursorPrefix)
		if n, err = strconv.ParseInt(rest, 10, 64); !ok || n < 0 {
			err = errBadCursor
		}
	}
	if err != nil {
		e := Errorf(CodeMalformed, "Con trỏ (cursor) không hợp lệ.", "The cursor is not valid.")
		e.Fields = []FieldError{fieldErr("?cursor", "invalid", "Con trỏ không hợp lệ.", "Invalid cursor.")}
		return 0, e
	}
	return n, nil
}
