package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/protect"
	"github.com/khaosat/khaosat/internal/survey"
)

// sealedDoc is a submission's encrypted sensitive answers: the id of the
// data key and the box (nonce, ciphertext, tag) as BSON binary.
type sealedDoc struct {
	Key string `bson:"key"`
	Box []byte `bson:"box"`
}

func toSealedDoc(s *survey.SealedAnswers) *sealedDoc {
	if s == nil {
		return nil
	}
	return &sealedDoc{Key: s.KeyID, Box: s.Box}
}

func (d *sealedDoc) domain() *survey.SealedAnswers {
	if d == nil {
		return nil
	}
	return &survey.SealedAnswers{KeyID: d.Key, Box: d.Box}
}

// SealedNotUnder returns submissions whose sealed answers are under another
// key than keyID, in _id order after after.
func (s *Store) SealedNotUnder(ctx context.Context, keyID, after string, limit int) ([]*survey.Submission, error) {
	filter := bson.D{
		{Key: "sealed.key", Value: bson.D{{Key: "$exists", Value: true}, {Key: "$ne", Value: keyID}}},
		{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}},
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)).
		SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "form", Value: 1}, {Key: "sealed", Value: 1}})
	cur, err := s.db.Collection(colSubmissions).Find(ctx, filter, opts)
	if err != nil {
		return nil, translate("find sealed submissions", err)
	}
	var docs []submissionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("find sealed submissions", err)
	}
	out := make([]*survey.Submission, len(docs))
	for i := range docs {
		out[i] = &survey.Submission{ID: docs[i].ID, FormID: docs[i].Form, Sealed: docs[i].Sealed.domain()}
	}
	return out, nil
}

// ReplaceSealed swaps the sealed answers of a submission if they are still old.
func (s *Store) ReplaceSealed(ctx context.Context, id string, old, new *survey.SealedAnswers) error {
	res, err := s.db.Collection(colSubmissions).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "sealed.key", Value: old.KeyID}, {Key: "sealed.box", Value: old.Box}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "sealed", Value: toSealedDoc(new)}}}})
	if err != nil {
		return translate("replace sealed answers", err)
	}
	if res.MatchedCount == 0 {
		return translate("replace sealed answers", survey.ErrNotFound)
	}
	return nil
}

// RevisionsSealedNotUnder returns up to limit kept revisions with sealed
// answers under another key than keyID, in (submission, revision) order
// after after. The first call (after zero) publishes the outbox entries a
// stopped writer left, so that the history copies they hold are in the
// collection when it is gone through.
func (s *Store) RevisionsSealedNotUnder(ctx context.Context, keyID string, after protect.RevisionKey, limit int) ([]*survey.Submission, error) {
	if after == (protect.RevisionKey{}) {
		if err := s.PublishPending(ctx, 0); err != nil {
			return nil, err
		}
	}
	filter := bson.D{
		{Key: "doc.sealed.key", Value: bson.D{{Key: "$exists", Value: true}, {Key: "$ne", Value: keyID}}},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "submission", Value: bson.D{{Key: "$gt", Value: after.ID}}}},
			bson.D{{Key: "submission", Value: after.ID}, {Key: "revision", Value: bson.D{{Key: "$gt", Value: after.Revision}}}},
		}},
	}
	return s.findHistory(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "submission", Value: 1}, {Key: "revision", Value: 1}}).SetLimit(int64(limit)))
}
