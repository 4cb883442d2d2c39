package mongo

import (
	"context"
	"hash/fnv"
	"strconv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

const (
	colHistory  = "submission_history"
	colComments = "comments"
	colEvents   = "events"
	colCounters = "counters"
)

var lifecycleIndexes = map[string][]mdb.IndexModel{
	colSubmissions: {
		{Keys: bson.D{{Key: "collector", Value: 1}, {Key: "received_at", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("collector_received")},
	},
	colHistory: {
		{Keys: bson.D{{Key: "submission", Value: 1}, {Key: "revision", Value: 1}}, Options: options.Index().SetName("submission_revision")},
	},
	colComments: {
		{Keys: bson.D{{Key: "submission", Value: 1}, {Key: "at", Value: 1}}, Options: options.Index().SetName("submission_at")},
	},
}

// The embedded engine evaluates an update's filter and writes the result
// as two steps, so two conditional updates of one document can both match
// and the later silently overwrites the earlier (measured: 3 of 10
// concurrent edits of one revision "won"). It serves exactly one process,
// so an in-process lock per document makes each conditional update atomic
// there; on MongoDB the server already makes single-document updates
// atomic and the lock only serialises this process's own writers. Every
// update of a submission document must take it (see lockSubmission).
type docLocks [256]sync.Mutex

func (l *docLocks) lock(id string) func() {
	h := fnv.New32a()
	h.Write([]byte(id))
	m := &l[h.Sum32()%uint32(len(l))]
	m.Lock()
	return m.Unlock
}

// notDeleted selects submissions that are not soft-deleted.
var notDeleted = bson.D{{Key: "deleted_at", Value: bson.D{{Key: "$exists", Value: false}}}}

type reviewNoteDoc struct {
	State   string    `bson:"state"`
	Comment string    `bson:"comment,omitempty"`
	At      time.Time `bson:"at"`
	By      string    `bson:"by"`
	ByName  string    `bson:"by_name"`
}

func toReviewNoteDoc(n *survey.ReviewNote) *reviewNoteDoc {
	if n == nil {
		return nil
	}
	return &reviewNoteDoc{State: n.State, Comment: n.Comment, At: n.At, By: n.By, ByName: n.ByName}
}

func (d *reviewNoteDoc) domain() *survey.ReviewNote {
	if d == nil {
		return nil
	}
	return &survey.ReviewNote{State: d.State, Comment: d.Comment, At: d.At.UTC(), By: d.By, ByName: d.ByName}
}

type historyDoc struct {
	ID         string        `bson:"_id"` // "<submission id>/<revision>"
	Submission string        `bson:"submission"`
	Revision   int           `bson:"revision"`
	Doc        submissionDoc `bson:"doc"`
}

// PutHistory keeps a copy of one revision (idempotent).
func (s *Store) PutHistory(ctx context.Context, sub *survey.Submission) error {
	h := historyDoc{ID: sub.ID + "/" + strconv.Itoa(sub.Revision), Submission: sub.ID, Revision: sub.Revision, Doc: *toSubmissionDoc(sub)}
	_, err := s.db.Collection(colHistory).ReplaceOne(ctx, bson.D{{Key: "_id", Value: h.ID}}, h, options.Replace().SetUpsert(true))
	if mdb.IsDuplicateKeyError(err) {
		return nil // two upserts raced; the copy of this revision is there
	}
	return translate("put history", err)
}

// History returns the kept revisions of a submission, oldest first.
func (s *Store) History(ctx context.Context, id string) ([]*survey.Submission, error) {
	cur, err := s.db.Collection(colHistory).Find(ctx, bson.D{{Key: "submission", Value: id}},
		options.Find().SetSort(bson.D{{Key: "revision", Value: 1}}))
	if err != nil {
		return nil, translate("list history", err)
	}
	var docs []historyDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list history", err)
	}
	out := make([]*survey.Submission, len(docs))
	for i := range docs {
		out[i] = docs[i].Doc.domain()
	}
	return out, nil
}

// HistoryRevision returns one kept revision.
func (s *Store) HistoryRevision(ctx context.Context, id string, rev int) (*survey.Submission, error) {
	var d historyDoc
	err := s.db.Collection(colHistory).FindOne(ctx, bson.D{{Key: "_id", Value: id + "/" + strconv.Itoa(rev)}}).Decode(&d)
	if err != nil {
		return nil, translate("find history", err)
	}
	return d.Doc.domain(), nil
}

func matchFilter(id string, m survey.Match) bson.D {
	return bson.D{{Key: "_id", Value: id}, {Key: "revision", Value: m.Revision}, {Key: "review_state", Value: m.ReviewState},
		{Key: "deleted_at", Value: bson.D{{Key: "$exists", Value: false}}}}
}

// matchedFilter returns the filter of a conditional update of submission
// id, the caller holding the document's lock. With several processes
// (MongoDB) the condition goes into the filter, so the server applies it
// atomically. With the embedded engine, which serves one process only, it
// is checked here with a read by _id, and the write is addressed by _id
// alone: that engine serves only a bare {_id} filter from an index and
// scans the whole collection for any other.
func (s *Store) matchedFilter(ctx context.Context, id string, m survey.Match) (bson.D, error) {
	if !s.singleProcess {
		return matchFilter(id, m), nil
	}
	var d struct {
		Revision    int        `bson:"revision"`
		ReviewState string     `bson:"review_state"`
		DeletedAt   *time.Time `bson:"deleted_at"`
	}
	err := s.db.Collection(colSubmissions).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if err != nil {
		return nil, err
	}
	if d.Revision != m.Revision || d.ReviewState != m.ReviewState || d.DeletedAt != nil {
		return nil, mdb.ErrNoDocuments
	}
	return bson.D{{Key: "_id", Value: id}}, nil
}

func matched(op string, r *mdb.UpdateResult, err error) error {
	if err != nil {
		return translate(op, err)
	}
	if r.MatchedCount == 0 {
		return translate(op, mdb.ErrNoDocuments)
	}
	return nil
}

// ReplaceSubmission replaces a submission that matches m.
func (s *Store) ReplaceSubmission(ctx context.Context, sub *survey.Submission, m survey.Match) error {
	defer s.subLocks.lock(sub.ID)()
	f, err := s.matchedFilter(ctx, sub.ID, m)
	if err != nil {
		return translate("replace submission", err)
	}
	r, err := s.db.Collection(colSubmissions).ReplaceOne(ctx, f, toSubmissionDoc(sub))
	return matched("replace submission", r, err)
}

// SetReview records a review decision on a submission that matches m.
func (s *Store) SetReview(ctx context.Context, id string, m survey.Match, n *survey.ReviewNote) error {
	defer s.subLocks.lock(id)()
	f, err := s.matchedFilter(ctx, id, m)
	if err != nil {
		return translate("review submission", err)
	}
	r, err := s.db.Collection(colSubmissions).UpdateOne(ctx, f, bson.D{{Key: "$set", Value: bson.D{
		{Key: "review_state", Value: n.State}, {Key: "last_review", Value: toReviewNoteDoc(n)},
		{Key: "updated_at", Value: n.At}, {Key: "facts_pending", Value: true},
	}}})
	return matched("review submission", r, err)
}

// MarkDeleted soft-deletes a submission that matches m.
func (s *Store) MarkDeleted(ctx context.Context, id string, m survey.Match, at time.Time, by string) error {
	defer s.subLocks.lock(id)()
	f, err := s.matchedFilter(ctx, id, m)
	if err != nil {
		return translate("delete submission", err)
	}
	r, err := s.db.Collection(colSubmissions).UpdateOne(ctx, f, bson.D{{Key: "$set", Value: bson.D{
		{Key: "deleted_at", Value: at}, {Key: "deleted_by", Value: by}, {Key: "updated_at", Value: at}, {Key: "facts_pending", Value: true},
	}}})
	return matched("delete submission", r, err)
}

// Unmark restores a submission deleted at deletedAt.
func (s *Store) Unmark(ctx context.Context, id string, deletedAt time.Time) error {
	defer s.subLocks.lock(id)()
	r, err := s.db.Collection(colSubmissions).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "deleted_at", Value: deletedAt}},
		bson.D{
			{Key: "$unset", Value: bson.D{{Key: "deleted_at", Value: ""}, {Key: "deleted_by", Value: ""}}},
			{Key: "$set", Value: bson.D{{Key: "facts_pending", Value: true}, {Key: "updated_at", Value: time.Now().UTC().Truncate(time.Millisecond)}}},
		})
	return matched("restore submission", r, err)
}

type commentDoc struct {
	ID          string    `bson:"_id"`
	Submission  string    `bson:"submission"`
	At          time.Time `bson:"at"`
	By          string    `bson:"by"`
	ByName      string    `bson:"by_name"`
	Role        string    `bson:"role"`
	Text        string    `bson:"text,omitempty"`
	ReviewState string    `bson:"review_state,omitempty"`
}

// AddComment appends to a submission's comment thread.
func (s *Store) AddComment(ctx context.Context, c *survey.Comment) error {
	_, err := s.db.Collection(colComments).InsertOne(ctx, commentDoc{ID: c.ID, Submission: c.SubmissionID, At: c.At,
		By: c.By, ByName: c.ByName, Role: string(c.Role), Text: c.Text, ReviewState: c.ReviewState})
	return translate("insert comment", err)
}

// Comments returns a submission's comment thread, oldest first.
func (s *Store) Comments(ctx context.Context, id string) ([]*survey.Comment, error) {
	cur, err := s.db.Collection(colComments).Find(ctx, bson.D{{Key: "submission", Value: id}},
		options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate("list comments", err)
	}
	var docs []commentDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list comments", err)
	}
	out := make([]*survey.Comment, len(docs))
	for i, d := range docs {
		out[i] = &survey.Comment{ID: d.ID, SubmissionID: d.Submission, At: d.At.UTC(), By: d.By, ByName: d.ByName,
			Role: survey.Role(d.Role), Text: d.Text, ReviewState: d.ReviewState}
	}
	return out, nil
}

// eventDoc is small and flat: the feed reads events in bulk.
type eventDoc struct {
	Seq         int64     `bson:"_id"`
	Kind        string    `bson:"k"`
	Submission  string    `bson:"s,omitempty"`
	Form        string    `bson:"f,omitempty"`
	Unit        string    `bson:"u,omitempty"`
	SurveyDate  time.Time `bson:"d,omitempty"`
	Collector   string    `bson:"c,omitempty"`
	Revision    int       `bson:"r,omitempty"`
	ReviewState string    `bson:"rs,omitempty"`
	At          time.Time `bson:"at"`
	By          string    `bson:"by,omitempty"`
}

// NextEventSeq allocates the next event sequence number from a counter
// document (an atomic $inc).
func (s *Store) NextEventSeq(ctx context.Context) (int64, error) {
	return s.NextEventSeqs(ctx, 1)
}

// NextEventSeqs allocates n consecutive event sequence numbers and
// returns the last.
func (s *Store) NextEventSeqs(ctx context.Context, n int) (int64, error) {
	// The counter is one document: the same lost-update risk as above.
	defer s.subLocks.lock(colCounters + "/" + colEvents)()
	var c struct {
		Seq int64 `bson:"seq"`
	}
	err := s.db.Collection(colCounters).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: colEvents}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "seq", Value: int64(n)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&c)
	if err != nil {
		return 0, translate("next event number", err)
	}
	return c.Seq, nil
}

// InsertEvent stores an event under its sequence number.
func (s *Store) InsertEvent(ctx context.Context, e *survey.Event) error {
	_, err := s.db.Collection(colEvents).InsertOne(ctx, eventDoc{Seq: e.Seq, Kind: e.Kind, Submission: e.SubmissionID,
		Form: e.Form, Unit: e.Unit, SurveyDate: e.SurveyDate, Collector: e.Collector, Revision: e.Revision,
		ReviewState: e.ReviewState, At: e.At, By: e.By})
	return translate("insert event", err)
}

// Events returns up to limit events after sequence number after.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]*survey.Event, error) {
	cur, err := s.db.Collection(colEvents).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, translate("list events", err)
	}
	var docs []eventDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list events", err)
	}
	out := make([]*survey.Event, len(docs))
	for i, d := range docs {
		out[i] = &survey.Event{Seq: d.Seq, Kind: d.Kind, SubmissionID: d.Submission, Form: d.Form, Unit: d.Unit,
			SurveyDate: d.SurveyDate.UTC(), Collector: d.Collector, Revision: d.Revision, ReviewState: d.ReviewState,
			At: d.At.UTC(), By: d.By}
	}
	return out, nil
}
