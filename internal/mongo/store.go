// Package mongo implements the survey stores over the official MongoDB Go
// driver (v2), for production on a MongoDB replica set. Driver errors are translated here: no documents →
// survey.ErrNotFound, duplicate key → survey.ErrDuplicate.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/khaosat/khaosat/internal/survey"
)

// Store is the database of one khaosat deployment.
type Store struct {
	client *mdb.Client
	db     *mdb.Database
	// settle is how long a feed reader waits for a missing event number
	// before it fills it with a skip event (see Events).
	settle time.Duration
}

// Connect opens a client to uri and selects database name. Writes are
// acknowledged by a majority of a replica set, so an acknowledged
// submission survives the loss of the primary.
func Connect(ctx context.Context, uri, name string) (*Store, error) {
	opts := options.Client().ApplyURI(uri).
		SetWriteConcern(writeconcern.Majority()).
		SetAppName("khaosat").
		SetServerSelectionTimeout(10 * time.Second)
	client, err := mdb.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	s := &Store{client: client, db: client.Database(name), settle: 3 * time.Second}
	if err := s.Ping(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return s, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.client.Ping(ctx, readpref.Primary())
}

// Close disconnects the client.
func (s *Store) Close(ctx context.Context) error { return s.client.Disconnect(ctx) }

// Drop drops the whole database; tests use it to clean up.
func (s *Store) Drop(ctx context.Context) error { return s.db.Drop(ctx) }

// Database exposes the driver database, for benchmarks that compare the
// service with raw driver calls. Application code uses the store methods.
func (s *Store) Database() *mdb.Database { return s.db }

// Collection names.
const (
	colUsers        = "users"
	colForms        = "forms"
	colFormVersions = "form_versions"
	colSubmissions  = "submissions"
)

// EnsureIndexes creates the indexes the server needs; safe to run at every start.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	idx := map[string][]mdb.IndexModel{
		colUsers: {
			{Keys: bson.D{{Key: "username", Value: 1}}, Options: options.Index().SetUnique(true).SetName("username_unique")},
		},
		colRefresh: {
			{Keys: bson.D{{Key: "family", Value: 1}}, Options: options.Index().SetName("family")},
			{Keys: bson.D{{Key: "user_id", Value: 1}}, Options: options.Index().SetName("user")},
		},
		colAudit: {
			{Keys: bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("at")},
		},
		colFormVersions: {
			{Keys: bson.D{{Key: "form", Value: 1}, {Key: "version", Value: 1}}, Options: options.Index().SetUnique(true).SetName("form_version_unique")},
		},
		colSubmissions: {
			{Keys: bson.D{{Key: "form", Value: 1}, {Key: "received_at", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("form_received")},
			{Keys: bson.D{{Key: "form", Value: 1}, {Key: "unit", Value: 1}, {Key: "survey_date", Value: 1}}, Options: options.Index().SetName("form_unit_date")},
			{Keys: bson.D{{Key: "fh", Value: 1}, {Key: "unit", Value: 1}, {Key: "survey_date", Value: 1}}, Options: options.Index().SetName("facts_unit_date")},
		},
	}
	for col, models := range lifecycleIndexes {
		idx[col] = append(idx[col], models...)
	}
	for col, models := range idx {
		// One call per index: the embedded engine fails a createIndexes of
		// several indexes that already exist.
		for _, m := range models {
			if _, err := s.db.Collection(col).Indexes().CreateOne(ctx, m); err != nil {
				return fmt.Errorf("create indexes on %s: %w", col, err)
			}
		}
	}
	return nil
}

// translate maps driver errors to the domain's sentinel errors, naming the operation.
func translate(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mdb.ErrNoDocuments):
		return fmt.Errorf("%s: %w", op, survey.ErrNotFound)
	case mdb.IsDuplicateKeyError(err):
		return fmt.Errorf("%s: %w", op, survey.ErrDuplicate)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}
