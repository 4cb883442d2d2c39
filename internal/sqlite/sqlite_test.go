package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/storetest"
	"github.com/khaosat/khaosat/internal/survey"
)

// MustOpen returns a store on a fresh database file, closed when the test ends.
func MustOpen(tb testing.TB) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), sqlite.FileName))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Stores { return MustOpen(t) }, storetest.Caveats{})
}

// TestPurgeInBatches: more deleted submissions than one purge transaction
// takes are all purged by one call.
func TestPurgeInBatches(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	old := time.Now().UTC().Add(-40 * 24 * time.Hour).Truncate(time.Millisecond)
	var subs []*survey.Submission
	for range 120 {
		subs = append(subs, &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: "00004",
			SurveyDate: old.Truncate(24 * time.Hour), Data: map[string]any{}, ReceivedAt: old, UpdatedAt: old, Revision: 1,
			ReviewState: survey.ReviewReceived, DeletedAt: &old})
	}
	if err := s.LoadSubmissions(ctx, subs, nil); err != nil {
		t.Fatal(err)
	}
	p, err := s.PurgeDeleted(ctx, old.Add(time.Millisecond))
	if err != nil || p.Submissions != 120 {
		t.Fatalf("purged %+v, %v; want 120 submissions", p, err)
	}
	n := 0
	if err := s.EachSubmission(ctx, func(*survey.Submission) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("%d submissions left (%v)", n, err)
	}
}
