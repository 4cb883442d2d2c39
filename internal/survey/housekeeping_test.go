package survey_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/domaintest"
	"github.com/khaosat/khaosat/internal/survey"
)

// TestHousekeepingPurgesPastTheRestoreWindow: the housekeeping loop
// purges a submission deleted more than DeletedRetention ago and keeps
// one deleted less long ago, which can still be restored.
func TestHousekeepingPurgesPastTheRestoreWindow(t *testing.T) {
	t.Parallel()
	store := domaintest.Store(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	deleted := func(ago time.Duration) string {
		t.Helper()
		sub := &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: "00004", SurveyDate: now.Truncate(24 * time.Hour),
			Data: map[string]any{}, ReceivedAt: now, UpdatedAt: now, Revision: 1, ReviewState: survey.ReviewReceived}
		if err := store.CreateSubmission(ctx, sub, nil, nil); err != nil {
			t.Fatal(err)
		}
		del := *sub
		at := now.Add(-ago)
		del.DeletedAt = &at
		if err := store.UpdateSubmission(ctx, &survey.SubmissionChange{Match: survey.Match{Revision: 1, ReviewState: survey.ReviewReceived}, Next: &del}); err != nil {
			t.Fatal(err)
		}
		return sub.ID
	}
	old := deleted(survey.DeletedRetention + time.Minute)
	recent := deleted(survey.DeletedRetention - time.Minute)

	hctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		survey.Housekeeping(hctx, store, time.Hour, func() time.Time { return now }, quietLog())
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := store.Submission(ctx, old)
		if errors.Is(err, survey.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the submission deleted past the window is still there (%v)", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-done
	if sub, err := store.Submission(ctx, recent); err != nil || sub.DeletedAt == nil {
		t.Errorf("the submission deleted inside the window: %+v, %v", sub, err)
	}
}
