package mongo

import (
	"context"
	"strconv"
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
	del := bson.E{Key: "deleted_at", Value: bson.D{{Key: "$exists", Value: false}}}
	if m.DeletedAt != nil {
		del = bson.E{Key: "deleted_at", Value: *m.DeletedAt}
	}
	return bson.D{{Key: "_id", Value: id}, {Key: "revision", Value: m.Revision}, {Key: "review_state", Value: m.ReviewState}, del}
}

// UpdateSubmission replaces a submission that matches c.Match, facts
// included, in one conditional document write (atomic on MongoDB). The
// history copy goes first (a copy of a revision that stays current is
// harmless), the comment and the event after.
func (s *Store) UpdateSubmission(ctx context.Context, c *survey.SubmissionChange) error {
	if c.History != nil {
		if err := s.putHistory(ctx, c.History); err != nil {
			return err
		}
	}
	seq, err := s.reserveSeq(ctx, c.Event)
	if err != nil {
		return err
	}
	d := toSubmissionDoc(c.Next)
	d.setFacts(c.Facts)
	r, err := s.db.Collection(colSubmissions).ReplaceOne(ctx, matchFilter(c.Next.ID, c.Match), d)
	if err == nil && r.MatchedCount == 0 {
		err = mdb.ErrNoDocuments
	}
	if err != nil {
		s.skipSeq(ctx, seq)
		return translate("update submission", err)
	}
	ctx = context.WithoutCancel(ctx) // the change is stored: record the rest even if the client left
	if c.Comment != nil {
		if err := s.AddComment(ctx, c.Comment); err != nil {
			return err
		}
	}
	return s.commitEvent(ctx, seq, c.Event)
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

// eventSkip fills a sequence number whose writer gave up (its write
// failed, or it never finished); readers pass over it.
const eventSkip = "skip"

// reserveSeq takes the number of the event of a change about to be
// written, from a counter document ($inc); 0 when there is no event.
func (s *Store) reserveSeq(ctx context.Context, e *survey.Event) (int64, error) {
	if e == nil {
		return 0, nil
	}
	var c struct {
		Seq int64 `bson:"seq"`
	}
	err := s.db.Collection(colCounters).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: colEvents}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "seq", Value: int64(1)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&c)
	if err != nil {
		return 0, translate("next event number", err)
	}
	return c.Seq, nil
}

// skipSeq gives up a reserved number: the change did not happen. Best
// effort: a number left empty is filled by a reader after s.settle.
func (s *Store) skipSeq(ctx context.Context, seq int64) {
	if seq == 0 {
		return
	}
	_, _ = s.db.Collection(colEvents).InsertOne(context.WithoutCancel(ctx), eventDoc{Seq: seq, Kind: eventSkip, At: time.Now().UTC()})
}

// commitEvent stores the event of a change that happened under its
// reserved number, or under a new one when a reader has given the number
// up (or the counter handed it out twice).
func (s *Store) commitEvent(ctx context.Context, seq int64, e *survey.Event) error {
	if e == nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	for {
		e.Seq = seq
		_, err := s.db.Collection(colEvents).InsertOne(ctx, eventDoc{Seq: e.Seq, Kind: e.Kind, Submission: e.SubmissionID,
			Form: e.Form, Unit: e.Unit, SurveyDate: e.SurveyDate, Collector: e.Collector, Revision: e.Revision,
			ReviewState: e.ReviewState, At: e.At, By: e.By})
		if !mdb.IsDuplicateKeyError(err) {
			return translate("insert event", err)
		}
		if seq, err = s.reserveSeq(ctx, e); err != nil {
			return err
		}
	}
}

// Events returns up to limit events after sequence number after.
//
// A number is taken before its change is written and its event stored
// after, so a number may be missing for a moment while later ones exist;
// a reader never reads past it. A number still missing after s.settle is
// filled with a skip event; the late writer's insert then fails on the
// taken number and it takes a new one, so nothing is skipped or repeated.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]*survey.Event, error) {
	var out []*survey.Event
	var gapSince time.Time
	for {
		docs, err := s.eventDocs(ctx, after, limit)
		if err != nil {
			return nil, err
		}
		gap := false
		for _, d := range docs {
			if d.Seq != after+1 {
				gap = true
				break
			}
			after = d.Seq
			if d.Kind != eventSkip {
				out = append(out, d.domain())
			}
		}
		switch {
		case !gap && len(docs) < limit, len(out) > 0:
			return out, nil
		case !gap:
			gapSince = time.Time{}
			continue // a page of skip events only
		}
		if gapSince.IsZero() {
			gapSince = time.Now()
		}
		if time.Since(gapSince) >= s.settle {
			s.skipSeq(ctx, after+1)
			continue
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (s *Store) eventDocs(ctx context.Context, after int64, limit int) ([]eventDoc, error) {
	cur, err := s.db.Collection(colEvents).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, translate("list events", err)
	}
	var docs []eventDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list events", err)
	}
	return docs, nil
}

func (d *eventDoc) domain() *survey.Event {
	return &survey.Event{Seq: d.Seq, Kind: d.Kind, SubmissionID: d.Submission, Form: d.Form, Unit: d.Unit,
		SurveyDate: d.SurveyDate.UTC(), Collector: d.Collector, Revision: d.Revision, ReviewState: d.ReviewState,
		At: d.At.UTC(), By: d.By}
}
