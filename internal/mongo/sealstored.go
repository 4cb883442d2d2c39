package mongo

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/protect"
	"github.com/khaosat/khaosat/internal/survey"
)

// SubmissionsAfter returns up to limit submissions of form (deleted ones
// too) in _id order after the id after.
func (s *Store) SubmissionsAfter(ctx context.Context, form, after string, limit int) ([]*survey.Submission, error) {
	return s.findSubmissions(ctx,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}, {Key: "form", Value: form}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)).SetProjection(noOutbox))
}

// RevisionsAfter returns up to limit kept revisions of the submissions of
// form in (submission, revision) order after after. The first call (after
// zero) publishes the outbox entries a stopped writer left, so that the
// history copies they hold are in the collection when it is gone through.
func (s *Store) RevisionsAfter(ctx context.Context, form string, after protect.RevisionKey, limit int) ([]*survey.Submission, error) {
	if after == (protect.RevisionKey{}) {
		if err := s.PublishPending(ctx, 0); err != nil {
			return nil, err
		}
	}
	filter := bson.D{{Key: "doc.form", Value: form}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "submission", Value: bson.D{{Key: "$gt", Value: after.ID}}}},
		bson.D{{Key: "submission", Value: after.ID}, {Key: "revision", Value: bson.D{{Key: "$gt", Value: after.Revision}}}},
	}}}
	return s.findHistory(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "submission", Value: 1}, {Key: "revision", Value: 1}}).SetLimit(int64(limit)))
}

// sealedIs matches a document whose sealed answers (at prefix) are a.
func sealedIs(prefix string, a *survey.SealedAnswers) bson.D {
	if a == nil {
		return bson.D{{Key: prefix, Value: bson.D{{Key: "$exists", Value: false}}}}
	}
	return bson.D{{Key: prefix + ".key", Value: a.KeyID}, {Key: prefix + ".box", Value: a.Box}}
}

// ResealAnswers stores next's answers (data, sealed) in submission next.ID
// if it still has cur's revision and sealed answers: one conditional
// update of the document, which leaves everything else as it is then.
func (s *Store) ResealAnswers(ctx context.Context, cur, next *survey.Submission) error {
	filter := append(bson.D{{Key: "_id", Value: next.ID}, {Key: "revision", Value: cur.Revision}}, sealedIs("sealed", cur.Sealed)...)
	d := toSubmissionDoc(next)
	res, err := s.db.Collection(colSubmissions).UpdateOne(ctx, filter,
		bson.D{{Key: "$set", Value: bson.D{{Key: "data", Value: d.Data}, {Key: "sealed", Value: d.Sealed}}}})
	if err != nil {
		return translate("seal answers", err)
	}
	if res.MatchedCount == 0 {
		return translate("seal answers", survey.ErrNotFound)
	}
	return nil
}

// ResealRevision stores next's answers in the kept revision next.Revision
// of submission next.ID if its sealed answers still are cur's.
func (s *Store) ResealRevision(ctx context.Context, cur, next *survey.Submission) error {
	filter := append(bson.D{{Key: "_id", Value: next.ID + "/" + strconv.Itoa(next.Revision)}}, sealedIs("doc.sealed", cur.Sealed)...)
	d := toSubmissionDoc(next)
	res, err := s.db.Collection(colHistory).UpdateOne(ctx, filter,
		bson.D{{Key: "$set", Value: bson.D{{Key: "doc.data", Value: d.Data}, {Key: "doc.sealed", Value: d.Sealed}}}})
	if err != nil {
		return translate("seal kept answers", err)
	}
	if res.MatchedCount == 0 {
		return translate("seal kept answers", survey.ErrNotFound)
	}
	return nil
}

type metaValueDoc struct {
	ID        string    `bson:"_id"`
	Value     string    `bson:"value"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// Meta returns the value recorded under key, or "".
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var d metaValueDoc
	err := s.db.Collection(colMeta).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if errors.Is(err, mdb.ErrNoDocuments) {
		return "", nil
	}
	if err != nil {
		return "", translate("read meta", err)
	}
	return d.Value, nil
}

// SetMeta records value under key.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	d := metaValueDoc{ID: key, Value: value, UpdatedAt: time.Now().UTC()}
	_, err := s.db.Collection(colMeta).ReplaceOne(ctx, bson.D{{Key: "_id", Value: key}}, d, options.Replace().SetUpsert(true))
	return translate("write meta", err)
}
