package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

type locationDoc struct {
	Lat      float64  `bson:"lat"`
	Lon      float64  `bson:"lon"`
	Accuracy *float64 `bson:"accuracy,omitempty"`
}

type submissionDoc struct {
	ID            string         `bson:"_id"`
	Form          string         `bson:"form"`
	FormVersion   int            `bson:"form_version"`
	Unit          string         `bson:"unit"`
	SurveyDate    time.Time      `bson:"survey_date"`
	StartedAt     *time.Time     `bson:"started_at,omitempty"`
	EndedAt       *time.Time     `bson:"ended_at,omitempty"`
	DeviceID      string         `bson:"device_id,omitempty"`
	Location      *locationDoc   `bson:"location,omitempty"`
	Data          map[string]any `bson:"data"`
	Collector     string         `bson:"collector"`
	CollectorName string         `bson:"collector_name"`
	ReceivedAt    time.Time      `bson:"received_at"`
	UpdatedAt     time.Time      `bson:"updated_at"`
	Revision      int            `bson:"revision"`
	ReviewState   string         `bson:"review_state"`
	ContentHash   string         `bson:"content_hash"`
	// The indicator facts of the current state live in the document
	// itself, so they are written with it in one atomic document write.
	FactFields `bson:",inline"`
	Sealed     *sealedDoc     `bson:"sealed,omitempty"`
	LastReview *reviewNoteDoc `bson:"last_review,omitempty"`
	DeletedAt  *time.Time     `bson:"deleted_at,omitempty"`
	DeletedBy  string         `bson:"deleted_by,omitempty"`
	UpdatedBy  string         `bson:"updated_by,omitempty"`
	// Outbox holds what goes with the changes written into this document
	// and is not yet published (see feed.go); empty once published.
	Outbox []bson.Raw `bson:"ob,omitempty"`
	// Registry is what the submission tells the registry (registry.go).
	Registry *registryDoc `bson:"rg,omitempty"`
}

func toSubmissionDoc(s *survey.Submission) *submissionDoc {
	d := &submissionDoc{
		ID: s.ID, Form: s.FormID, FormVersion: s.FormVersion, Unit: s.Unit, SurveyDate: s.SurveyDate,
		StartedAt: s.StartedAt, EndedAt: s.EndedAt, DeviceID: s.DeviceID, Data: s.Data, Collector: s.Collector,
		CollectorName: s.CollectorName, ReceivedAt: s.ReceivedAt, UpdatedAt: s.UpdatedAt, Revision: s.Revision,
		ReviewState: s.ReviewState, ContentHash: s.ContentHash, Sealed: toSealedDoc(s.Sealed),
		LastReview: toReviewNoteDoc(s.LastReview), DeletedAt: s.DeletedAt, DeletedBy: s.DeletedBy,
		UpdatedBy: s.UpdatedBy,
	}
	if s.Location != nil {
		d.Location = &locationDoc{Lat: s.Location.Lat, Lon: s.Location.Lon, Accuracy: s.Location.Accuracy}
	}
	return d
}

func (d *submissionDoc) domain() *survey.Submission {
	s := &survey.Submission{
		ID: d.ID, FormID: d.Form, FormVersion: d.FormVersion, Unit: d.Unit, SurveyDate: d.SurveyDate.UTC(),
		StartedAt: utcPtr(d.StartedAt), EndedAt: utcPtr(d.EndedAt), DeviceID: d.DeviceID, Data: plainMap(d.Data),
		Collector: d.Collector, CollectorName: d.CollectorName, ReceivedAt: d.ReceivedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
		Revision: d.Revision, ReviewState: d.ReviewState, ContentHash: d.ContentHash,
		Sealed:     d.Sealed.domain(),
		LastReview: d.LastReview.domain(), DeletedAt: utcPtr(d.DeletedAt), DeletedBy: d.DeletedBy,
		UpdatedBy: d.UpdatedBy,
	}
	if d.Location != nil {
		s.Location = &survey.Location{Lat: d.Location.Lat, Lon: d.Location.Lon, Accuracy: d.Location.Accuracy}
	}
	return s
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// CreateSubmission stores a new submission with its facts and, in its
// outbox, its change event: one document write, so an acknowledged
// submission never lacks its event. The event is then published to the
// feed (see feed.go) before the call returns.
func (s *Store) CreateSubmission(ctx context.Context, sub *survey.Submission, e *survey.Event, f *survey.Facts) (err error) {
	defer func() {
		switch {
		case err == nil:
			err = s.projectWritten(ctx, sub.ID, f)
		case errors.Is(err, survey.ErrDuplicate):
			// A retry: its first write may not have been projected (the
			// writer stopped, or its projection failed).
			if perr := s.projectPendingOf(ctx, sub.ID); perr != nil {
				err = perr
			}
		}
	}()
	if err := s.checkNotDeletedID(ctx, sub.ID); err != nil {
		return err
	}
	d := toSubmissionDoc(sub)
	if err := s.setFacts(d, f); err != nil {
		return err
	}
	ob := newOutbox(e, nil, nil)
	if ob == nil {
		_, err := s.db.Collection(colSubmissions).InsertOne(ctx, d)
		return translate("insert submission", err)
	}
	raw, err := bson.Marshal(ob)
	if err != nil {
		return fmt.Errorf("encode outbox: %w", err)
	}
	d.Outbox = []bson.Raw{raw}
	if _, err := s.db.Collection(colSubmissions).InsertOne(ctx, d); err != nil {
		return translate("insert submission", err)
	}
	return s.publish(ctx, sub.ID, d.Outbox, ob.ID, e)
}

// colDeletedIDs keeps the id of every deleted submission ({_id}), written
// when the deletion is published and removed when a restore is: the
// submission document goes when the TTL index (or PurgeDeleted) purges it,
// and its id must stay taken, so that a phone sending it again does not
// bring back what was deleted. An id whose submission still exists may be
// listed (a restore not yet published): the document decides then.
const colDeletedIDs = "deleted_submission_ids"

// markDeletedID records that submission id is deleted, or with deleted
// false that it is not any more.
func (s *Store) markDeletedID(ctx context.Context, id string, deleted bool) error {
	col := s.db.Collection(colDeletedIDs)
	if !deleted {
		_, err := col.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
		return translate("unmark a deleted id", err)
	}
	_, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "_id", Value: id}}}},
		options.UpdateOne().SetUpsert(true))
	if mdb.IsDuplicateKeyError(err) {
		return nil // two upserts raced; the id is recorded
	}
	return translate("mark a deleted id", err)
}

// checkNotDeletedID returns ErrDuplicate if id is recorded as deleted: its
// submission exists (deleted, so the insert would fail anyway) or was
// purged, and the id stays taken either way. One read by _id per intake.
func (s *Store) checkNotDeletedID(ctx context.Context, id string) error {
	err := s.db.Collection(colDeletedIDs).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err()
	if errors.Is(err, mdb.ErrNoDocuments) {
		return nil
	}
	if err != nil {
		return translate("check a deleted id", err)
	}
	return fmt.Errorf("insert submission: the id of a deleted submission: %w", survey.ErrDuplicate)
}

// Submission finds a submission by id.
func (s *Store) Submission(ctx context.Context, id string) (*survey.Submission, error) {
	var d submissionDoc
	if err := s.db.Collection(colSubmissions).FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(noOutbox)).Decode(&d); err != nil {
		return nil, translate("find submission", err)
	}
	return d.domain(), nil
}

// noOutbox leaves the outbox out of what reads decode.
var noOutbox = bson.D{{Key: "ob", Value: 0}}

// scopeFilter turns a unit scope into "survey date in a hierarchy's period
// and unit among its communes", one alternative per hierarchy.
func scopeFilter(parts []survey.ScopePart) bson.D {
	alts := bson.A{}
	for _, p := range parts {
		if len(p.Communes) == 0 {
			continue
		}
		date := bson.D{{Key: "$gte", Value: p.From}}
		if !p.To.IsZero() {
			date = append(date, bson.E{Key: "$lte", Value: p.To})
		}
		alts = append(alts, bson.D{{Key: "survey_date", Value: date}, {Key: "unit", Value: bson.D{{Key: "$in", Value: p.Communes}}}})
	}
	if len(alts) == 0 {
		// Nothing is visible: a condition no document meets.
		return bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{}}}}}
	}
	return bson.D{{Key: "$or", Value: alts}}
}

// selection is what every query of submissions shares: the form, the
// caller's scope, the unit filter, the collector and the survey dates.
func selection(q survey.SubmissionQuery) bson.A {
	var and bson.A
	if q.Form != "" {
		and = append(and, bson.D{{Key: "form", Value: q.Form}})
	}
	if q.Scope != nil {
		and = append(and, scopeFilter(q.Scope))
	}
	if q.UnitFilter != nil {
		and = append(and, scopeFilter(q.UnitFilter))
	}
	if q.Collector != "" {
		and = append(and, bson.D{{Key: "collector", Value: q.Collector}})
	}
	if q.CollectorName != "" {
		and = append(and, bson.D{{Key: "collector_name", Value: q.CollectorName}})
	}
	if !q.From.IsZero() {
		and = append(and, bson.D{{Key: "survey_date", Value: bson.D{{Key: "$gte", Value: q.From}}}})
	}
	if !q.To.IsZero() {
		and = append(and, bson.D{{Key: "survey_date", Value: bson.D{{Key: "$lte", Value: q.To}}}})
	}
	return and
}

// ListSubmissions returns a page in (received_at, _id) order.
func (s *Store) ListSubmissions(ctx context.Context, q survey.SubmissionQuery) ([]*survey.Submission, error) {
	and := append(bson.A{notDeleted}, selection(q)...)
	if q.ReviewState != "" {
		and = append(and, bson.D{{Key: "review_state", Value: q.ReviewState}})
	}
	and = append(and, answerFilter(q.Answers)...)
	if q.After != nil {
		and = append(and, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "received_at", Value: bson.D{{Key: "$gt", Value: q.After.ReceivedAt}}}},
			bson.D{{Key: "received_at", Value: q.After.ReceivedAt}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: q.After.ID}}}},
		}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "received_at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(q.Limit)).SetProjection(noOutbox)
	return s.findSubmissions(ctx, bson.D{{Key: "$and", Value: and}}, opts)
}

// findSubmissions returns the submissions filter selects, as opts orders
// and limits them.
func (s *Store) findSubmissions(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder) ([]*survey.Submission, error) {
	cur, err := s.db.Collection(colSubmissions).Find(ctx, filter, opts)
	if err != nil {
		return nil, translate("list submissions", err)
	}
	var docs []submissionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list submissions", err)
	}
	out := make([]*survey.Submission, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// findHistory returns the kept revisions filter selects, as opts orders
// and limits them.
func (s *Store) findHistory(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder) ([]*survey.Submission, error) {
	cur, err := s.db.Collection(colHistory).Find(ctx, filter, opts)
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
