package mongo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

const (
	colHistory  = "submission_history"
	colComments = "comments"
	colEvents   = "events"
)

var lifecycleIndexes = map[string][]mdb.IndexModel{
	colSubmissions: {
		{Keys: bson.D{{Key: "collector", Value: 1}, {Key: "received_at", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("collector_received")},
	},
	colHistory: {
		{Keys: bson.D{{Key: "submission", Value: 1}, {Key: "revision", Value: 1}}, Options: options.Index().SetName("submission_revision")},
		ttl("purge_at", "purge_ttl", 0),
	},
	colComments: {
		{Keys: bson.D{{Key: "submission", Value: 1}, {Key: "at", Value: 1}}, Options: options.Index().SetName("submission_at")},
		ttl("purge_at", "purge_ttl", 0),
	},
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

// historyDoc is a kept revision. Its Doc is made from the revision's
// submission alone (toSubmissionDoc) and so holds no indicator facts: a
// kept revision counts nowhere, and its facts would be one more copy of
// cells of sensitive indicators.
type historyDoc struct {
	ID         string        `bson:"_id"` // "<submission id>/<revision>"
	Submission string        `bson:"submission"`
	Revision   int           `bson:"revision"`
	Doc        submissionDoc `bson:"doc"`
}

// putHistory keeps a copy of one revision (idempotent).
func (s *Store) putHistory(ctx context.Context, sub *survey.Submission) error {
	h := historyDoc{ID: sub.ID + "/" + strconv.Itoa(sub.Revision), Submission: sub.ID, Revision: sub.Revision, Doc: *toSubmissionDoc(sub)}
	_, err := s.db.Collection(colHistory).ReplaceOne(ctx, bson.D{{Key: "_id", Value: h.ID}}, h, options.Replace().SetUpsert(true))
	if mdb.IsDuplicateKeyError(err) {
		return nil // two upserts raced; the copy of this revision is there
	}
	return translate("put history", err)
}

// History returns the kept revisions of a submission, oldest first.
func (s *Store) History(ctx context.Context, id string) ([]*survey.Submission, error) {
	return s.findHistory(ctx, bson.D{{Key: "submission", Value: id}},
		options.Find().SetSort(bson.D{{Key: "revision", Value: 1}}))
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
	del := bson.E{Key: "deleted_at", Value: bson.D{{Key: "$exists", Value: false}}}
	if m.DeletedAt != nil {
		del = bson.E{Key: "deleted_at", Value: *m.DeletedAt}
	}
	return bson.D{{Key: "_id", Value: id}, {Key: "revision", Value: m.Revision}, {Key: "review_state", Value: m.ReviewState}, del}
}

// UpdateSubmission applies c as one conditional update of the submission
// document, filtered on the revision, review state and deletion mark: the
// new state, its facts and, in the document's outbox, the history copy,
// the comment and the event. MongoDB applies a single-document update
// atomically, so of concurrent changes of one revision exactly one
// matches, and nothing of a refused change is written. The outbox is then
// published (history, comment, event; see feed.go) before the call returns.
func (s *Store) UpdateSubmission(ctx context.Context, c *survey.SubmissionChange) (err error) {
	defer func() {
		if err == nil {
			err = s.projectWritten(ctx, c.Next.ID, c.Facts)
		}
	}()
	d := toSubmissionDoc(c.Next)
	if err := s.setFacts(d, c.Facts); err != nil {
		return err
	}
	update, err := replaceUpdate(d)
	if err != nil {
		return err
	}
	ob := newOutbox(c.Event, c.History, c.Comment)
	if deleted, restored := c.Next.DeletedAt != nil && c.Match.DeletedAt == nil, c.Next.DeletedAt == nil && c.Match.DeletedAt != nil; deleted || restored {
		if ob == nil {
			ob = &outboxDoc{ID: uuid.NewString(), At: time.Now().UTC()}
		}
		ob.Submission = c.Next.ID
		if deleted {
			purge := c.Next.DeletedAt.Add(deletedTTL)
			ob.Purge = &purge
		}
	}
	if ob == nil {
		r, err := s.db.Collection(colSubmissions).UpdateOne(ctx, matchFilter(c.Next.ID, c.Match), update)
		if err == nil && r.MatchedCount == 0 {
			err = mdb.ErrNoDocuments
		}
		return translate("update submission", err)
	}
	update = append(update, bson.E{Key: "$push", Value: bson.D{{Key: "ob", Value: ob}}})
	var after struct {
		Outbox []bson.Raw `bson:"ob"`
	}
	// (No projection: the FerretDB stand-in does not take one here.)
	err = s.db.Collection(colSubmissions).FindOneAndUpdate(ctx, matchFilter(c.Next.ID, c.Match), update,
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&after)
	if err != nil {
		return translate("update submission", err)
	}
	return s.publish(ctx, c.Next.ID, after.Outbox, ob.ID, c.Event)
}

// replaceUpdate is the update that makes a stored submission d: $set of
// every field d has, $unset of the optional ones it lacks. The outbox is
// left alone.
func replaceUpdate(d *submissionDoc) (bson.D, error) {
	raw, err := bson.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode submission: %w", err)
	}
	var full bson.D
	if err := bson.Unmarshal(raw, &full); err != nil {
		return nil, fmt.Errorf("encode submission: %w", err)
	}
	set := bson.D{}
	has := map[string]bool{}
	for _, e := range full {
		has[e.Key] = true
		if e.Key != "_id" && e.Key != "ob" {
			set = append(set, e)
		}
	}
	unset := bson.D{}
	for _, k := range optionalFields {
		if !has[k] {
			unset = append(unset, bson.E{Key: k, Value: ""})
		}
	}
	u := bson.D{{Key: "$set", Value: set}}
	if len(unset) > 0 {
		u = append(u, bson.E{Key: "$unset", Value: unset})
	}
	return u, nil
}

// optionalFields are the submission fields that may be absent (omitempty).
var optionalFields = []string{"started_at", "ended_at", "device_id", "location", "fh", "fd", "fu", "ft", "facts", "fs",
	"sealed", "last_review", "deleted_at", "deleted_by", "updated_by"}

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
