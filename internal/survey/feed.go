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

// EventStore reads the change feed. Events are written by the store
// together with the change they record (CreateSubmission,
// UpdateSubmission), numbered inside the same write: the feed has no gap
// and no event is visible before its change.
type EventStore interface {
	// Events returns up to limit events with Seq > after, in Seq order.
	Events(ctx context.Context, after int64, limit int) ([]*Event, error)
}

// Feed is the ordered log of submission changes.
type Feed struct {
	store EventStore
}

// NewFeed returns the change feed over store.
func NewFeed(store EventStore) *Feed { return &Feed{store: store} }

// SetFeed makes the intake record a create event for every new submission.
func (s *Intake) SetFeed(f *Feed) { s.feed = f }

func newEvent(kind string, actor Actor, sub *Submission, at time.Time) *Event {
	return &Event{
		Kind: kind, SubmissionID: sub.ID, Form: sub.FormID, Unit: sub.Unit, SurveyDate: sub.SurveyDate,
		Collector: sub.Collector, Revision: sub.Revision, ReviewState: sub.ReviewState,
		At: at.UTC().Truncate(time.Millisecond), By: actor.Username,
	}
}

// event returns the change event of a write, or nil when intake keeps no
// feed.
func (s *Intake) event(kind string, actor Actor, sub *Submission, at time.Time) *Event {
	if s.feed == nil {
		return nil
	}
	return newEvent(kind, actor, sub, at)
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
	scope := newFeedScope(s, actor)
	var out []*Event
	scanned := 0
	for len(out) < limit && scanned < feedMaxScan {
		evs, err := s.feed.store.Events(ctx, after, feedScanBatch)
		if err != nil {
			return nil, "", err
		}
		for _, e := range evs {
			after = e.Seq
			scanned++
			if formID != "" && e.Form != formID {
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
		if len(evs) < feedScanBatch {
			break
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
