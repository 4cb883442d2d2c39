package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/survey"
)

const colRefresh = "refresh_tokens"

type refreshDoc struct {
	Hash      string     `bson:"_id"` // SHA-256 of the token; the token itself is never stored
	Family    string     `bson:"family"`
	UserID    string     `bson:"user_id"`
	DeviceID  string     `bson:"device_id,omitempty"`
	CreatedAt time.Time  `bson:"created_at"`
	ExpiresAt time.Time  `bson:"expires_at"`
	UsedAt    *time.Time `bson:"used_at"`
	RevokedAt *time.Time `bson:"revoked_at"`
}

// InsertRefresh stores a refresh token's hash.
func (s *Store) InsertRefresh(ctx context.Context, t *account.RefreshToken) error {
	_, err := s.db.Collection(colRefresh).InsertOne(ctx, refreshDoc{Hash: t.Hash, Family: t.Family, UserID: t.UserID, DeviceID: t.DeviceID,
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, UsedAt: t.UsedAt, RevokedAt: t.RevokedAt})
	return translate("insert refresh token", err)
}

// RefreshByHash finds a refresh token by its hash.
func (s *Store) RefreshByHash(ctx context.Context, hash string) (*account.RefreshToken, error) {
	var d refreshDoc
	if err := s.db.Collection(colRefresh).FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d); err != nil {
		return nil, translate("find refresh token", err)
	}
	return &account.RefreshToken{Hash: d.Hash, Family: d.Family, UserID: d.UserID, DeviceID: d.DeviceID, CreatedAt: d.CreatedAt.UTC(),
		ExpiresAt: d.ExpiresAt.UTC(), UsedAt: utcPtr(d.UsedAt), RevokedAt: utcPtr(d.RevokedAt)}, nil
}

// UseRefresh marks an unused, unrevoked token used, atomically: of two
// concurrent uses only one matches.
func (s *Store) UseRefresh(ctx context.Context, hash string, at time.Time) error {
	res, err := s.db.Collection(colRefresh).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: hash}, {Key: "used_at", Value: nil}, {Key: "revoked_at", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "used_at", Value: at}}}})
	if err != nil {
		return translate("use refresh token", err)
	}
	if res.ModifiedCount == 0 {
		return translate("use refresh token", survey.ErrNotFound)
	}
	return nil
}

func (s *Store) revokeRefresh(ctx context.Context, op string, filter bson.D, at time.Time) error {
	filter = append(filter, bson.E{Key: "revoked_at", Value: nil})
	_, err := s.db.Collection(colRefresh).UpdateMany(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: at}}}})
	return translate(op, err)
}

// RevokeRefreshFamily revokes every token of a family.
func (s *Store) RevokeRefreshFamily(ctx context.Context, family string, at time.Time) error {
	return s.revokeRefresh(ctx, "revoke refresh family", bson.D{{Key: "family", Value: family}}, at)
}

// RefreshFamilyLive reports whether a family has a token not revoked.
func (s *Store) RefreshFamilyLive(ctx context.Context, family string) (bool, error) {
	err := s.db.Collection(colRefresh).FindOne(ctx, bson.D{{Key: "family", Value: family}, {Key: "revoked_at", Value: nil}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mdb.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, translate("find refresh family", err)
}

// RevokeUserRefresh revokes every token of a user.
func (s *Store) RevokeUserRefresh(ctx context.Context, userID string, at time.Time) error {
	return s.revokeRefresh(ctx, "revoke user refresh tokens", bson.D{{Key: "user_id", Value: userID}}, at)
}

const colEnrollments = "enrollments"

type enrollmentDoc struct {
	Hash      string     `bson:"_id"` // SHA-256 of the code; the code itself is never stored
	UserID    string     `bson:"user_id"`
	CreatedBy string     `bson:"created_by"`
	CreatedAt time.Time  `bson:"created_at"`
	ExpiresAt time.Time  `bson:"expires_at"`
	UsedAt    *time.Time `bson:"used_at"`
	DeviceID  string     `bson:"device_id,omitempty"`
}

// InsertEnrollment stores an enrollment code's hash.
func (s *Store) InsertEnrollment(ctx context.Context, e *account.Enrollment) error {
	_, err := s.db.Collection(colEnrollments).InsertOne(ctx, enrollmentDoc{Hash: e.Hash, UserID: e.UserID, CreatedBy: e.CreatedBy,
		CreatedAt: e.CreatedAt, ExpiresAt: e.ExpiresAt, UsedAt: e.UsedAt, DeviceID: e.DeviceID})
	return translate("insert enrollment", err)
}

// EnrollmentByHash finds an enrollment by its code's hash.
func (s *Store) EnrollmentByHash(ctx context.Context, hash string) (*account.Enrollment, error) {
	var d enrollmentDoc
	if err := s.db.Collection(colEnrollments).FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d); err != nil {
		return nil, translate("find enrollment", err)
	}
	return &account.Enrollment{Hash: d.Hash, UserID: d.UserID, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC(),
		ExpiresAt: d.ExpiresAt.UTC(), UsedAt: utcPtr(d.UsedAt), DeviceID: d.DeviceID}, nil
}

// UseEnrollment marks an unused code used, atomically.
func (s *Store) UseEnrollment(ctx context.Context, hash, deviceID string, at time.Time) error {
	res, err := s.db.Collection(colEnrollments).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: hash}, {Key: "used_at", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "used_at", Value: at}, {Key: "device_id", Value: deviceID}}}})
	if err != nil {
		return translate("use enrollment", err)
	}
	if res.ModifiedCount == 0 {
		return translate("use enrollment", survey.ErrNotFound)
	}
	return nil
}

// DeviceTokens returns a user's unrevoked device-bound refresh tokens.
func (s *Store) DeviceTokens(ctx context.Context, userID string) ([]*account.RefreshToken, error) {
	cur, err := s.db.Collection(colRefresh).Find(ctx, bson.D{{Key: "user_id", Value: userID},
		{Key: "device_id", Value: bson.D{{Key: "$exists", Value: true}, {Key: "$ne", Value: ""}}}, {Key: "revoked_at", Value: nil}})
	if err != nil {
		return nil, translate("find device tokens", err)
	}
	var docs []refreshDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("find device tokens", err)
	}
	out := make([]*account.RefreshToken, len(docs))
	for i, d := range docs {
		out[i] = &account.RefreshToken{Hash: d.Hash, Family: d.Family, UserID: d.UserID, DeviceID: d.DeviceID, CreatedAt: d.CreatedAt.UTC(),
			ExpiresAt: d.ExpiresAt.UTC(), UsedAt: utcPtr(d.UsedAt)}
	}
	return out, nil
}

// RevokeDevice revokes every token of a user on a device.
func (s *Store) RevokeDevice(ctx context.Context, userID, deviceID string, at time.Time) error {
	return s.revokeRefresh(ctx, "revoke device", bson.D{{Key: "user_id", Value: userID}, {Key: "device_id", Value: deviceID}}, at)
}
