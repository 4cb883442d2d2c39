// Package mongo implements the survey stores over the official MongoDB Go
// driver (v2), for production on a MongoDB replica set or sharded cluster.
//
// Every rule that must be atomic is one document write: a submission, its
// indicator facts and its change's outbox entry (event, history copy,
// comment) are one document; an edit, review, deletion or restore is one
// update filtered on the revision, review state and deletion mark; refresh
// tokens and enrolment codes are used by one conditional update. Nothing
// relies on a lock held in this process, so any number of servers can
// share the database. The change feed is described in feed.go.
//
// Driver errors are translated here: no documents → survey.ErrNotFound,
// duplicate key → survey.ErrDuplicate, a server that cannot be reached or
// does not answer in time → survey.ErrUnavailable (503 with Retry-After).
package mongo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

// Store is the database of one khaosat deployment.
type Store struct {
	client *mdb.Client
	db     *mdb.Database
	// events reads the change feed with read concern majority.
	events *mdb.Collection
	// lastSeq is the highest event number this process has seen stored:
	// only a hint where to try the next insert (see feed.go).
	lastSeq atomic.Int64
	// lastSweep is when a feed read last looked for unpublished changes.
	lastSweep atomic.Int64
	// appends queues events for the appender (feed.go); closed stops it.
	appends chan *appendReq
	closed  chan struct{}
	// sealer seals the indicator facts kept out of clear (UseFactSealer).
	sealer indicator.FactSealer
	// Missing lists the indexes EnsureIndexes could not create because
	// the engine lacks their kind (see EnsureIndexes).
	Missing []string
	// obs reports the driver's commands (observe.go).
	obs *observer
	// reg is the registry's part (registry.go).
	reg regState
}

// Timeouts: with the database down or not answering, a request fails
// within a few seconds (503) instead of hanging.
const (
	// selectTimeout is how long an operation waits for a usable server
	// (the primary): an election takes about 10 s at worst, a stopped
	// server is noticed at once.
	selectTimeout  = 3 * time.Second
	connectTimeout = 3 * time.Second
	// opTimeout bounds every operation (and each batch of a cursor) whose
	// context has no earlier deadline.
	opTimeout = 10 * time.Second
)

// Connect opens a client to uri and selects database name. Writes are
// acknowledged by a majority of a replica set, so an acknowledged
// submission survives the loss of the primary; reads go to the primary.
func Connect(ctx context.Context, uri, name string) (*Store, error) {
	obs := &observer{}
	opts := options.Client().ApplyURI(uri).
		SetMonitor(obs.monitor()).
		SetWriteConcern(writeconcern.Majority()).
		SetReadPreference(readpref.Primary()).
		SetAppName("khaosat").
		SetServerSelectionTimeout(selectTimeout).
		SetConnectTimeout(connectTimeout).
		SetTimeout(opTimeout)
	client, err := mdb.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	db := client.Database(name)
	s := &Store{client: client, db: db, obs: obs,
		events:  db.Collection(colEvents, options.Collection().SetReadConcern(readconcern.Majority())),
		appends: make(chan *appendReq), closed: make(chan struct{})}
	if err := s.Ping(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	go s.runAppender()
	return s, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return translate("ping", s.client.Ping(ctx, readpref.Primary()))
}

// Close disconnects the client.
func (s *Store) Close(ctx context.Context) error {
	close(s.closed)
	return s.client.Disconnect(ctx)
}

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

// Housekeeping by TTL indexes: MongoDB removes these documents itself
// (its TTL monitor runs once a minute).
const (
	// An expired refresh token or enrolment code cannot be used; it is
	// kept a week past its expiry for the security log's sake.
	expiredTokenTTL = 7 * 24 * time.Hour
	// A soft-deleted submission can be restored for
	// survey.DeletedRetention; after that it is removed (its attachments
	// by housekeeping: see PurgeDeleted).
	deletedTTL = survey.DeletedRetention
)

// ShardKey is the shard key of the submissions collection (see the README,
// "Sharding"): a hashed _id, so every write (they all filter on _id) goes
// to one shard, and _id stays unique across the cluster.
var ShardKey = bson.D{{Key: "_id", Value: "hashed"}}

func ttl(field, name string, after time.Duration) mdb.IndexModel {
	return mdb.IndexModel{Keys: bson.D{{Key: field, Value: 1}},
		Options: options.Index().SetName(name).SetExpireAfterSeconds(int32(after / time.Second))}
}

// indexes are the indexes the server needs, by collection.
func indexes() map[string][]mdb.IndexModel {
	idx := map[string][]mdb.IndexModel{
		colUsers: {
			{Keys: bson.D{{Key: "username", Value: 1}}, Options: options.Index().SetUnique(true).SetName("username_unique")},
		},
		colRefresh: {
			{Keys: bson.D{{Key: "family", Value: 1}}, Options: options.Index().SetName("family")},
			{Keys: bson.D{{Key: "user_id", Value: 1}}, Options: options.Index().SetName("user")},
			ttl("expires_at", "expired_ttl", expiredTokenTTL),
		},
		colEnrollments: {
			ttl("expires_at", "expired_ttl", expiredTokenTTL),
		},
		colAudit: {
			{Keys: bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("at")},
		},
		colFormVersions: {
			{Keys: bson.D{{Key: "form", Value: 1}, {Key: "version", Value: 1}}, Options: options.Index().SetUnique(true).SetName("form_version_unique")},
		},
		colSubmissions: {
			// The shard key's index.
			{Keys: ShardKey, Options: options.Index().SetName("shard_key")},
			{Keys: bson.D{{Key: "form", Value: 1}, {Key: "received_at", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("form_received")},
			{Keys: bson.D{{Key: "form", Value: 1}, {Key: "unit", Value: 1}, {Key: "survey_date", Value: 1}}, Options: options.Index().SetName("form_unit_date")},
			// The indicator counts' $match.
			{Keys: bson.D{{Key: "fh", Value: 1}, {Key: "fu", Value: 1}, {Key: "ft", Value: 1}}, Options: options.Index().SetName("facts_hier_unit_date")},
			// Unpublished outbox entries (normally none: a sparse index).
			{Keys: bson.D{{Key: "ob.at", Value: 1}}, Options: options.Index().SetName("outbox").SetSparse(true)},
			ttl("deleted_at", "deleted_ttl", deletedTTL),
		},
		colEvents: {
			{Keys: bson.D{{Key: "eid", Value: 1}}, Options: options.Index().SetUnique(true).SetName("eid_unique")},
		},
		colDeliveries: {
			// The due deliveries in order, and the count of pending ones.
			{Keys: bson.D{{Key: "state", Value: 1}, {Key: "next_at", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("state_next")},
			// A webhook's delivery log, newest first.
			{Keys: bson.D{{Key: "hook", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}, Options: options.Index().SetName("hook_created")},
		},
	}
	for col, models := range lifecycleIndexes {
		idx[col] = append(idx[col], models...)
	}
	for col, models := range registryIndexes {
		idx[col] = append(idx[col], models...)
	}
	return idx
}

// EnsureIndexes creates the indexes the server needs, then publishes what
// a stopped writer left unpublished (feed.go); safe to run at every start.
//
// An engine that lacks a kind of index (the FerretDB stand-in of the tests
// has no hashed and no TTL indexes) gets the rest; EnsureIndexes then
// returns the indexes it could not create in Missing, for the caller to
// report.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	s.Missing = nil
	for col, models := range indexes() {
		// One call per index: the FerretDB stand-in fails a createIndexes
		// of several indexes that already exist.
		for _, m := range models {
			_, err := s.db.Collection(col).Indexes().CreateOne(ctx, m)
			var ce mdb.CommandError
			if name, opt := describe(m); errors.As(err, &ce) && opt {
				s.Missing = append(s.Missing, col+"."+name+": "+ce.Message)
				continue
			}
			if err != nil {
				return translate("create indexes on "+col, err)
			}
		}
	}
	if err := s.loadLastSeq(ctx); err != nil {
		return err
	}
	if err := s.ProjectPendingRegistry(ctx); err != nil {
		return err
	}
	return s.PublishPending(ctx, 0)
}

// describe returns m's name and whether it is an index an engine may
// lack (hashed or TTL): without it everything still works, only the
// collection cannot be sharded on it, or expired documents stay.
func describe(m mdb.IndexModel) (string, bool) {
	var o options.IndexOptions
	for _, f := range m.Options.List() {
		_ = f(&o)
	}
	name := ""
	if o.Name != nil {
		name = *o.Name
	}
	return name, o.ExpireAfterSeconds != nil || fmt.Sprint(m.Keys) == fmt.Sprint(ShardKey)
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
	case unavailable(err):
		return fmt.Errorf("%s: %w: %w", op, survey.ErrUnavailable, err)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

// unavailable says whether err means the database cannot be reached or
// did not answer in time (as opposed to refusing the operation).
func unavailable(err error) bool {
	var sse topology.ServerSelectionError
	var ne net.Error
	if errors.As(err, &sse) || mdb.IsTimeout(err) || mdb.IsNetworkError(err) || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &ne) || errors.Is(err, mdb.ErrClientDisconnected) || errors.Is(err, topology.ErrTopologyClosed) {
		return true
	}
	// An election or a shutdown under way: the write was not applied and
	// can be retried once a primary is elected.
	var le mdb.LabeledError
	if errors.As(err, &le) && le.HasErrorLabel("RetryableWriteError") {
		return true
	}
	var se mdb.ServerError
	if errors.As(err, &se) {
		// A server shutting down interrupts what it was doing: MongoDB says
		// InterruptedAtShutdown (below); the FerretDB stand-in answers
		// InternalError (1) with the cancelled context of its handler.
		if se.HasErrorCode(1) && strings.Contains(err.Error(), "context canceled") {
			return true
		}
		for _, code := range []int{91, 189, 10107, 11600, 11602, 13435, 13436} { // ShutdownInProgress, PrimarySteppedDown, NotWritablePrimary, InterruptedAtShutdown, InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary
			if se.HasErrorCode(code) {
				return true
			}
		}
	}
	return false
}
