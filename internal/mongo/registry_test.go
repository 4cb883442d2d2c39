package mongo_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/registry"
	"github.com/khaosat/khaosat/internal/storetest"
	"github.com/khaosat/khaosat/internal/survey"
)

// TestRegistryContract runs the registry's contract on the FerretDB
// stand-in, and on a real MongoDB too when KHAOSAT_TEST_MONGODB_URI names
// one.
func TestRegistryContract(t *testing.T) {
	t.Parallel()
	t.Run("FerretDB", func(t *testing.T) {
		storetest.RunRegistry(t, func(t *testing.T) storetest.RegistryStores { return MustStore(t) })
	})
	t.Run("MongoDB", func(t *testing.T) {
		uri := os.Getenv("KHAOSAT_TEST_MONGODB_URI")
		if uri == "" {
			t.Skip("KHAOSAT_TEST_MONGODB_URI is not set: no real MongoDB to run the contract against")
		}
		storetest.RunRegistry(t, func(t *testing.T) storetest.RegistryStores { return mustStoreAt(t, uri) })
	})
}

// TestRegistryProjectsAfterCrash: a process that stops between a
// submission's document write and its projection leaves the observation
// marked in the document; the next start (EnsureIndexes), or the phone
// sending the submission again, projects it, and the registry equals one
// rebuilt from the submissions.
func TestRegistryProjectsAfterCrash(t *testing.T) {
	t.Parallel()
	for _, recover := range []string{"restart", "retry"} {
		t.Run(recover, func(t *testing.T) { t.Parallel(); testProjectsAfterCrash(t, recover) })
	}
}

// testProjectsAfterCrash: recover is how the marked observation gets
// projected: the next start, or the phone sending the submission again.
func testProjectsAfterCrash(t *testing.T, recover string) {
	ctx := context.Background()
	s := MustStore(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	hh, an, binh := uuid.NewString(), uuid.NewString(), uuid.NewString()
	kid := func(id, name string) map[string]any {
		return map[string]any{"child_id": id, "full_name": name, "sex": "male", "date_of_birth": time.Date(2015, 3, 2, 0, 0, 0, 0, time.UTC)}
	}
	visit := func(date time.Time, received time.Time, kids ...any) *survey.Submission {
		return &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: "00070", SurveyDate: date,
			Data:      map[string]any{"household_id": hh, "head_name": "Nguyễn Văn Hùng", "address": "Tổ 3", "children": kids},
			Collector: "u", CollectorName: "lan", ReceivedAt: received, UpdatedAt: received, Revision: 1, ReviewState: survey.ReviewReceived, ContentHash: "h"}
	}
	store := func(sub *survey.Submission) {
		t.Helper()
		if err := s.CreateSubmission(ctx, sub, nil, &survey.Facts{SubmissionID: sub.ID, Registry: registry.ObservationOf(sub, false)}); err != nil {
			t.Fatal(err)
		}
	}
	first := visit(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), now, kid(an, "Nguyễn Văn An"), kid(binh, "Nguyễn Văn Bình"))
	again := visit(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), now.Add(time.Second), kid(an, "Nguyễn Văn An"))
	store(first)
	store(again)
	// The crash: the registry as it was before the revisit's projection,
	// the revisit's document still marked.
	observe := func(skip string) func(context.Context, *survey.Submission) (*registry.Observation, error) {
		return func(_ context.Context, sub *survey.Submission) (*registry.Observation, error) {
			if sub.ID == skip {
				return nil, nil
			}
			return registry.ObservationOf(sub, false), nil
		}
	}
	if err := s.RebuildRegistry(ctx, observe(again.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Database().Collection("submissions").UpdateOne(ctx, bson.D{{Key: "_id", Value: again.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "rg.p", Value: true}}}}); err != nil {
		t.Fatal(err)
	}
	if c, err := s.RegistryChild(ctx, binh); err != nil || c.LeftAt != nil {
		t.Fatalf("before the restart: %+v, %v, want the child still listed", c, err)
	}
	if recover == "restart" {
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	} else if err := s.CreateSubmission(ctx, again, nil, &survey.Facts{SubmissionID: again.ID, Registry: registry.ObservationOf(again, false)}); !errors.Is(err, survey.ErrDuplicate) {
		t.Fatalf("the retry: %v, want ErrDuplicate", err)
	}
	if c, err := s.RegistryChild(ctx, binh); err != nil || c.LeftAt == nil {
		t.Errorf("after the restart: %+v, %v, want the child gone as of the revisit", c, err)
	}
	live, err := s.RegistrySnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RebuildRegistry(ctx, observe("")); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := s.RegistrySnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(live, rebuilt); diff != "" {
		t.Errorf("after the restart the registry differs from a rebuild (-live +rebuilt):\n%s", diff)
	}
}
