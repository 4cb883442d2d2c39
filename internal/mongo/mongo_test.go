package mongo_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/mongo"
	"github.com/khaosat/khaosat/internal/mongotest"
	"github.com/khaosat/khaosat/internal/storetest"
	"github.com/khaosat/khaosat/internal/survey"
)

var (
	engine *mongotest.Embedded
	dbSeq  atomic.Int64
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "khaosat-mongo-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	engine, err = mongotest.StartEmbedded(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	engine.Stop(context.Background())
	os.RemoveAll(dir)
	os.Exit(code)
}

// MustStore returns a store on a fresh database, dropped when the test ends.
func MustStore(tb testing.TB) *mongo.Store {
	tb.Helper()
	return mustStoreAt(tb, engine.URI())
}

// standInCaveats are the guarantees of the contract that the FerretDB
// stand-in cannot keep and MongoDB does; the suite skips them by name.
var standInCaveats = storetest.Caveats{
	NoAtomicConditionalUpdates: "FerretDB 1.24 evaluates an update's filter and writes the document in two steps, " +
		"so two conditional updates of one revision can both match; MongoDB applies a single-document update atomically",
	NoElemMatch: "FerretDB 1.24 refuses $elemMatch on the fields of an array's items (\"(BadValue) unknown operator: sex\"); " +
		"MongoDB does, and conditions on one repeat item are asked of it that way",
}

// mustStoreAt returns a store on a fresh database of the server at uri,
// dropped when the test ends.
func mustStoreAt(tb testing.TB, uri string) *mongo.Store {
	tb.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("t%d_%s", dbSeq.Add(1), strings.ReplaceAll(uuid.NewString()[:8], "-", ""))
	s, err := mongo.Connect(ctx, uri, name)
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.EnsureIndexes(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.Drop(context.Background())
		s.Close(context.Background())
	})
	return s
}

func TestDriverErrorsAreTranslated(t *testing.T) {
	s := MustStore(t)
	ctx := context.Background()
	u := &account.User{ID: uuid.NewString(), Username: "lan", Role: survey.RoleCollector, Units: []string{"00004"}, CreatedAt: time.Now()}
	if err := s.InsertUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	u2 := *u
	u2.ID = uuid.NewString()
	if err := s.InsertUser(ctx, &u2); !errors.Is(err, survey.ErrDuplicate) {
		t.Errorf("second user with the same username: %v, want ErrDuplicate", err)
	}
	if _, err := s.UserByID(ctx, "nobody"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("missing user: %v, want ErrNotFound", err)
	}
	if _, err := s.Submission(ctx, uuid.NewString()); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("missing submission: %v, want ErrNotFound", err)
	}
	v := &survey.FormVersion{FormID: "household", Version: 1, Schema: []byte(`{}`), Hash: "h", PublishedAt: time.Now()}
	if err := s.InsertVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertVersion(ctx, v); !errors.Is(err, survey.ErrDuplicate) {
		t.Errorf("same version twice: %v, want ErrDuplicate", err)
	}
}

func TestEnsureIndexesTwice(t *testing.T) {
	s := MustStore(t)
	if err := s.EnsureIndexes(context.Background()); err != nil {
		t.Fatalf("second EnsureIndexes: %v", err)
	}
}

func TestUpsertFormNeverLowersTheVersion(t *testing.T) {
	s := MustStore(t)
	ctx := context.Background()
	title := survey.Label{VI: "Hộ gia đình", EN: "Household"}
	for _, v := range []int{1, 3, 2} {
		if err := s.UpsertForm(ctx, "household", title, v, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	f, err := s.Form(ctx, "household")
	if err != nil {
		t.Fatal(err)
	}
	if f.CurrentVersion != 3 || f.Status != survey.FormOpen || f.Title != title {
		t.Fatalf("form after upserts 1, 3, 2: %+v", f)
	}
}

// TestScopeAcrossTheReform: a submission of ward 00004 in 2025-03 (Phường
// Trúc Bạch, district 001) and one in 2026 (Phường Ba Đình, no district)
// are matched by the scope of the hierarchy valid on each survey date.
func TestScopeAcrossTheReform(t *testing.T) {
	s := MustStore(t)
	ctx := context.Background()
	units, err := survey.LoadUnits(os.DirFS("../.."), "forms/units")
	if err != nil {
		t.Fatal(err)
	}
	insert := func(unit, date string) string {
		d, _ := time.Parse(time.DateOnly, date)
		sub := &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: unit, SurveyDate: d,
			Data: map[string]any{}, ReceivedAt: time.Now().UTC().Truncate(time.Millisecond), Revision: 1}
		if err := s.CreateSubmission(ctx, sub, nil, nil); err != nil {
			t.Fatal(err)
		}
		return sub.ID
	}
	old := insert("00004", "2025-03-01")
	nw := insert("00004", "2026-03-01")
	other := insert("00001", "2025-03-01")
	tests := []struct {
		roots []string
		want  []string
	}{
		{[]string{"001"}, []string{old, other}}, // the old district Ba Đình
		{[]string{"01"}, []string{old, nw, other}},
		{[]string{"00097"}, nil}, // Phường Hồng Hà (new) does not cover the 2025 data of 00001
	}
	for _, tc := range tests {
		got, err := s.ListSubmissions(ctx, survey.SubmissionQuery{Form: "household", Scope: units.Scope(tc.roots), Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, g := range got {
			ids[g.ID] = true
		}
		if len(ids) != len(tc.want) {
			t.Errorf("scope %v: got %d submissions, want %d", tc.roots, len(ids), len(tc.want))
		}
		for _, w := range tc.want {
			if !ids[w] {
				t.Errorf("scope %v: missing %s", tc.roots, w)
			}
		}
	}
}

// TestUnpublishedChangeIsPublishedAtStart: a writer that died after its
// document write and before publishing leaves the change's event, history
// copy and comment in the document's outbox; the next start publishes
// them once, under the next number (no gap, nothing lost), and empties
// the outbox. Publishing it again changes nothing.
func TestUnpublishedChangeIsPublishedAtStart(t *testing.T) {
	s := MustStore(t)
	ctx := context.Background()
	first := &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: "00004", SurveyDate: time.Now().UTC().Truncate(24 * time.Hour),
		Data: map[string]any{}, ReceivedAt: time.Now().UTC().Truncate(time.Millisecond), Revision: 1, ReviewState: survey.ReviewReceived}
	if err := s.CreateSubmission(ctx, first, &survey.Event{Kind: survey.EventCreate, SubmissionID: first.ID, At: time.Now().UTC()}, nil); err != nil {
		t.Fatal(err)
	}
	// The document a writer left behind: revision 2 stored, its event,
	// history copy of revision 1 and comment still in the outbox.
	id := uuid.NewString()
	at := time.Now().UTC().Truncate(time.Millisecond)
	doc := bson.D{{Key: "_id", Value: id}, {Key: "form", Value: "household"}, {Key: "form_version", Value: 1}, {Key: "unit", Value: "00004"},
		{Key: "survey_date", Value: at}, {Key: "data", Value: bson.D{}}, {Key: "received_at", Value: at}, {Key: "updated_at", Value: at},
		{Key: "revision", Value: 2}, {Key: "review_state", Value: "has_issues"},
		{Key: "ob", Value: bson.A{bson.D{{Key: "id", Value: uuid.NewString()}, {Key: "at", Value: at},
			{Key: "e", Value: bson.D{{Key: "k", Value: survey.EventReview}, {Key: "s", Value: id}, {Key: "r", Value: 2}, {Key: "at", Value: at}}},
			{Key: "h", Value: bson.D{{Key: "_id", Value: id + "/1"}, {Key: "submission", Value: id}, {Key: "revision", Value: 1},
				{Key: "doc", Value: bson.D{{Key: "_id", Value: id}, {Key: "revision", Value: 1}, {Key: "data", Value: bson.D{}}}}}},
			{Key: "c", Value: bson.D{{Key: "_id", Value: "c1"}, {Key: "submission", Value: id}, {Key: "at", Value: at}, {Key: "text", Value: "xem lại"}}},
		}}}}
	if _, err := s.Database().Collection("submissions").InsertOne(ctx, doc); err != nil {
		t.Fatal(err)
	}
	for range 2 { // a start, and another
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := s.Events(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Seq != 1 || evs[1].Seq != 2 || evs[1].SubmissionID != id || evs[1].Kind != survey.EventReview {
		t.Fatalf("events after the start: %+v", evs)
	}
	if h, err := s.History(ctx, id); err != nil || len(h) != 1 || h[0].Revision != 1 {
		t.Errorf("history after the start: %v, %v", h, err)
	}
	if cs, err := s.Comments(ctx, id); err != nil || len(cs) != 1 || cs[0].Text != "xem lại" {
		t.Errorf("comments after the start: %v, %v", cs, err)
	}
	if n, _ := s.Database().Collection("submissions").CountDocuments(ctx, bson.D{{Key: "ob.id", Value: bson.D{{Key: "$exists", Value: true}}}}); n != 0 {
		t.Errorf("%d outbox entries left after publishing", n)
	}
}

// TestStandInIndexes: everything but the kinds of index the stand-in
// lacks is created; those are named, so a deployment on such an engine
// is told what it does not get.
func TestStandInIndexes(t *testing.T) {
	s := MustStore(t)
	t.Logf("indexes the stand-in cannot create: %v", s.Missing)
	for _, m := range s.Missing {
		if !strings.Contains(m, "shard_key") && !strings.Contains(m, "_ttl") {
			t.Errorf("missing index %s is not a hashed or TTL index", m)
		}
	}
}

// TestHousekeepingIndexes: expired refresh tokens and enrolment codes and
// soft-deleted submissions past the restore window are removed by TTL
// indexes, which EnsureIndexes creates. MongoDB's TTL monitor runs once a
// minute, so the test checks the indexes, not the removal.
func TestHousekeepingIndexes(t *testing.T) {
	uri := os.Getenv("KHAOSAT_TEST_MONGODB_URI")
	if uri == "" {
		t.Skip("the FerretDB stand-in has no TTL indexes (expireAfterSeconds is not implemented in FerretDB 1.24); " +
			"set KHAOSAT_TEST_MONGODB_URI to check them on MongoDB")
	}
	s := mustStoreAt(t, uri)
	ctx := context.Background()
	want := map[string]int32{"refresh_tokens": 7 * 24 * 3600, "enrollments": 7 * 24 * 3600, "submissions": 30 * 24 * 3600,
		"submission_history": 0, "comments": 0}
	for col, secs := range want {
		cur, err := s.Database().Collection(col).Indexes().List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var specs []bson.M
		if err := cur.All(ctx, &specs); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, sp := range specs {
			if v, ok := sp["expireAfterSeconds"]; ok && fmt.Sprint(v) == fmt.Sprint(secs) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no TTL index of %d s among %v", col, secs, specs)
		}
	}
	if len(s.Missing) != 0 {
		t.Errorf("indexes MongoDB did not create: %v", s.Missing)
	}
}

// TestUnreachableIsUnavailable: a database that stopped answering gives
// survey.ErrUnavailable (503 with Retry-After), within the server
// selection timeout, not a hang or a bare driver error.
func TestUnreachableIsUnavailable(t *testing.T) {
	t.Parallel()
	emb, err := mongotest.StartEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := mongo.Connect(ctx, emb.URI(), "gone")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if err := emb.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	defer func() { t.Logf("three operations failed in %v", time.Since(start)) }()
	if _, err := s.Submission(ctx, uuid.NewString()); !errors.Is(err, survey.ErrUnavailable) {
		t.Errorf("read from a stopped database: %v, want ErrUnavailable", err)
	}
	t.Logf("one failed in %v", time.Since(start))
	sub := &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: "00004", Data: map[string]any{}, Revision: 1}
	if err := s.CreateSubmission(ctx, sub, &survey.Event{Kind: survey.EventCreate, SubmissionID: sub.ID}, nil); !errors.Is(err, survey.ErrUnavailable) {
		t.Errorf("write to a stopped database: %v, want ErrUnavailable", err)
	}
	t.Logf("two failed in %v", time.Since(start))
	if err := s.Ping(ctx); !errors.Is(err, survey.ErrUnavailable) {
		t.Errorf("ping of a stopped database: %v, want ErrUnavailable", err)
	}
}

// TestDeletionExpiresHistoryAndComments: a deletion marks the
// submission's history copies and comments to expire with it (purge_at,
// the TTL index's field: 30 days after the deletion); a restore keeps
// them again.
func TestDeletionExpiresHistoryAndComments(t *testing.T) {
	s := MustStore(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	sub := &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: "00004", SurveyDate: now.Truncate(24 * time.Hour),
		Data: map[string]any{}, ReceivedAt: now, UpdatedAt: now, Revision: 1, ReviewState: survey.ReviewReceived}
	if err := s.CreateSubmission(ctx, sub, nil, nil); err != nil {
		t.Fatal(err)
	}
	next := *sub
	next.Revision = 2
	c := &survey.Comment{ID: uuid.NewString(), SubmissionID: sub.ID, At: now, By: "u", Text: "xem lại"}
	if err := s.UpdateSubmission(ctx, &survey.SubmissionChange{Match: survey.Match{Revision: 1, ReviewState: survey.ReviewReceived}, Next: &next, History: sub, Comment: c}); err != nil {
		t.Fatal(err)
	}
	marked := func() (n int64) {
		for _, col := range []string{"submission_history", "comments"} {
			k, err := s.Database().Collection(col).CountDocuments(ctx, bson.D{{Key: "submission", Value: sub.ID}, {Key: "purge_at", Value: now.Add(30 * 24 * time.Hour)}})
			if err != nil {
				t.Fatal(err)
			}
			n += k
		}
		return n
	}
	if n := marked(); n != 0 {
		t.Fatalf("%d marked to expire before the deletion", n)
	}
	del := next
	del.DeletedAt, del.DeletedBy = &now, "u"
	if err := s.UpdateSubmission(ctx, &survey.SubmissionChange{Match: survey.Match{Revision: 2, ReviewState: survey.ReviewReceived}, Next: &del}); err != nil {
		t.Fatal(err)
	}
	if n := marked(); n != 2 {
		t.Errorf("after the deletion %d of the history copy and the comment are marked to expire, want 2", n)
	}
	if err := s.UpdateSubmission(ctx, &survey.SubmissionChange{Match: survey.Match{Revision: 2, ReviewState: survey.ReviewReceived, DeletedAt: &now}, Next: &next}); err != nil {
		t.Fatal(err)
	}
	if n := marked(); n != 0 {
		t.Errorf("after the restore %d are still marked to expire", n)
	}
}

// TestHousekeeping: expired refresh tokens and enrollment codes are
// removed (TTL indexes where MongoDB has them; DeleteExpired everywhere).
func TestHousekeeping(t *testing.T) { storetest.Housekeeping(t, MustStore(t)) }
