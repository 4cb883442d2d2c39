package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/survey"
)

type userDoc struct {
	ID           string    `bson:"_id"`
	Username     string    `bson:"username"`
	DisplayName  string    `bson:"display_name"`
	Role         string    `bson:"role"`
	Units        []string  `bson:"units"`
	PasswordHash string    `bson:"password_hash"`
	Sensitive    bool      `bson:"sensitive_access"`
	Personal     bool      `bson:"personal_access"`
	Disabled     bool      `bson:"disabled"`
	SessionGen   int64     `bson:"session_gen"`
	CreatedAt    time.Time `bson:"created_at"`
	UpdatedAt    time.Time `bson:"updated_at"`
}

func (d *userDoc) domain() *account.User {
	return &account.User{ID: d.ID, Username: d.Username, DisplayName: d.DisplayName, Role: survey.Role(d.Role),
		Units: d.Units, PasswordHash: d.PasswordHash, SensitiveAccess: d.Sensitive, PersonalAccess: d.Personal, Disabled: d.Disabled, SessionGen: d.SessionGen, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

func userDocOf(u *account.User) userDoc {
	return userDoc{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role), Units: u.Units, PasswordHash: u.PasswordHash,
		Sensitive: u.SensitiveAccess, Personal: u.PersonalAccess, Disabled: u.Disabled, SessionGen: u.SessionGen, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// InsertUser stores a new account.
func (s *Store) InsertUser(ctx context.Context, u *account.User) error {
	_, err := s.db.Collection(colUsers).InsertOne(ctx, userDocOf(u))
	return translate("insert user", err)
}

func (s *Store) findUser(ctx context.Context, op string, filter bson.D) (*account.User, error) {
	var d userDoc
	if err := s.db.Collection(colUsers).FindOne(ctx, filter).Decode(&d); err != nil {
		return nil, translate(op, err)
	}
	return d.domain(), nil
}

// UserByUsername finds an account by its username.
func (s *Store) UserByUsername(ctx context.Context, username string) (*account.User, error) {
	return s.findUser(ctx, "find user by username", bson.D{{Key: "username", Value: username}})
}

// UserByID finds an account by id.
func (s *Store) UserByID(ctx context.Context, id string) (*account.User, error) {
	return s.findUser(ctx, "find user by id", bson.D{{Key: "_id", Value: id}})
}

// ListUsers returns all accounts by username.
func (s *Store) ListUsers(ctx context.Context) ([]*account.User, error) {
	cur, err := s.db.Collection(colUsers).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "username", Value: 1}}))
	if err != nil {
		return nil, translate("list users", err)
	}
	var docs []userDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list users", err)
	}
	out := make([]*account.User, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// CountUsers counts accounts.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	n, err := s.db.Collection(colUsers).CountDocuments(ctx, bson.D{})
	return n, translate("count users", err)
}

// UpdateUser replaces an account.
func (s *Store) UpdateUser(ctx context.Context, u *account.User) error {
	res, err := s.db.Collection(colUsers).ReplaceOne(ctx, bson.D{{Key: "_id", Value: u.ID}}, userDocOf(u))
	if err != nil {
		return translate("update user", err)
	}
	if res.MatchedCount == 0 {
		return translate("update user", survey.ErrNotFound)
	}
	return nil
}
