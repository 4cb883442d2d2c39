package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/survey"
)

// SetWebhookSecret replaces a webhook's stored secret if it is still old
// (a conditional update of the one document).
func (s *Store) SetWebhookSecret(ctx context.Context, id, old, secret string) error {
	res, err := s.db.Collection(colWebhooks).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "secret", Value: old}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "secret", Value: secret}}}})
	if err != nil {
		return translate("reseal webhook secret", err)
	}
	if res.MatchedCount == 0 {
		return survey.ErrNotFound
	}
	return nil
}

// FactsSealedUnder counts the submissions whose sealed indicator facts
// ("fs") are sealed under key keyID.
func (s *Store) FactsSealedUnder(ctx context.Context, keyID string) (int64, error) {
	n, err := s.db.Collection(colSubmissions).CountDocuments(ctx, bson.D{{Key: "fs.k", Value: keyID}})
	return n, translate("count sealed facts", err)
}
