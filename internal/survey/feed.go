package survey

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
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
//
// The cursor moves only over events the actor may see (of any form): a
// reader polling the feed must not learn from its cursor that others'
// submissions, say of the hiv form in their commune, came in meanwhile.
// So a page that reaches the end of the feed returns the cursor of the
// last event the actor may see, and the events after it that they may not
// are examined again by the next request. Only a request that examines
// feedMaxScan events without reaching the end moves the cursor to where
// it stopped, so that a reader who sees few events still gets through;
// that tells them no more than that feedMaxScan events were written.
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
	seen := after // the last event the actor may see
	scanned, atEnd := 0, false
	for len(out) < limit && scanned < feedMaxScan {
		evs, err := s.feed.store.Events(ctx, after, feedScanBatch)
		if err != nil {
			return nil, "", err
		}
		for _, e := range evs {
			after = e.Seq
			scanned++
			ok, err := scope.visible(ctx, e)
			if err != nil {
				return nil, "", err
			}
			if !ok {
				continue
			}
			seen = e.Seq
			if formID != "" && e.Form != formID {
				continue
			}
			out = append(out, e)
			if len(out) == limit {
				break
			}
		}
		if len(evs) < feedScanBatch {
			atEnd = true
			break
		}
	}
	if !atEnd && len(out) < limit {
		seen = after // stopped by feedMaxScan, not by the end
	}
	return out, encodeFeedCursor(seen), nil
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
		e := Errorf(CodeMalformed, msg.FeedCursorInvalid)
		e.Fields = []FieldError{fieldErr("?cursor", "invalid", msg.CursorInvalidField)}
		return 0, e
	}
	return n, nil
}
