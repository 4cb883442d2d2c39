package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The TTL indexes on expires_at (EnsureIndexes) let MongoDB itself remove
// refresh tokens and enrollment codes once expired (its TTL monitor runs
// every minute); DeleteExpired does the same at once, for engines without
// TTL indexes (the test stand-in).

// DeleteExpired implements survey.Housekeeper.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (tokens, enrollments int64, err error) {
	filter := bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now}}}}
	r, err := s.db.Collection(colRefresh).DeleteMany(ctx, filter)
	if err != nil {
		return 0, 0, translate("delete expired refresh tokens", err)
	}
	e, err := s.db.Collection(colEnrollments).DeleteMany(ctx, filter)
	if err != nil {
		return r.DeletedCount, 0, translate("delete expired enrollments", err)
	}
	return r.DeletedCount, e.DeletedCount, nil
}
