package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/survey"
)

// TestStreamOrderAndFilters: an export stream gives the submissions its
// query selects, in the order they arrived, whatever order the index
// that selects them holds them in (here: newer units and dates first).
func TestStreamOrderAndFilters(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var subs []*survey.Submission
	for i := range 40 {
		sub := &survey.Submission{
			ID: fmt.Sprintf("s%02d", i), FormID: "household", FormVersion: 1 + i%2, Unit: []string{"00009", "00004", "00007"}[i%3],
			SurveyDate: day.AddDate(0, 0, -i), ReceivedAt: day, UpdatedAt: day, Revision: 1,
			ReviewState: []string{survey.ReviewReceived, survey.ReviewApproved}[i%4/3], Data: map[string]any{"i": int64(i)},
		}
		if i%5 == 0 {
			sub.DeletedAt = &day
		}
		subs = append(subs, sub)
	}
	if err := s.LoadSubmissions(ctx, subs, nil); err != nil {
		t.Fatal(err)
	}
	scope := []survey.ScopePart{{From: day.AddDate(0, 0, -30), Communes: []string{"00004", "00009"}}}
	for name, tc := range map[string]struct {
		q    survey.ExportQuery
		keep func(*survey.Submission) bool
	}{
		"form": {survey.ExportQuery{SubmissionQuery: survey.SubmissionQuery{Form: "household"}},
			func(s *survey.Submission) bool { return s.DeletedAt == nil }},
		"deleted included": {survey.ExportQuery{SubmissionQuery: survey.SubmissionQuery{Form: "household"}, IncludeDeleted: true},
			func(s *survey.Submission) bool { return true }},
		"scope, version, review state": {
			survey.ExportQuery{SubmissionQuery: survey.SubmissionQuery{Form: "household", Scope: scope}, Version: 2, ReviewState: survey.ReviewApproved},
			func(s *survey.Submission) bool {
				return s.DeletedAt == nil && s.Unit != "00007" && !s.SurveyDate.Before(day.AddDate(0, 0, -30)) && s.FormVersion == 2 && s.ReviewState == survey.ReviewApproved
			}},
		"other form": {survey.ExportQuery{SubmissionQuery: survey.SubmissionQuery{Form: "hiv"}}, func(*survey.Submission) bool { return false }},
	} {
		t.Run(name, func(t *testing.T) {
			var want, got []string
			for _, sub := range subs {
				if tc.keep(sub) {
					want = append(want, sub.ID)
				}
			}
			if len(want) == 0 && name != "other form" {
				t.Fatal("the case selects nothing")
			}
			err := s.StreamSubmissions(ctx, tc.q, func(sub *survey.Submission) error {
				got = append(got, sub.ID)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestStreamStopsEarly: a stream whose callback fails, or whose context
// ends, stops there with that error, in order up to it, and leaves
// nothing running: the rows are read ahead and decoded by workers, and
// all of them must be gone once the stream returns.
func TestStreamStopsEarly(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var subs []*survey.Submission
	for i := range 300 {
		subs = append(subs, &survey.Submission{ID: fmt.Sprintf("s%03d", i), FormID: "household", FormVersion: 1, Unit: "00004",
			SurveyDate: day, ReceivedAt: day, UpdatedAt: day, Revision: 1, ReviewState: survey.ReviewReceived, Data: map[string]any{"i": int64(i)}})
	}
	if err := s.LoadSubmissions(ctx, subs, nil); err != nil {
		t.Fatal(err)
	}
	q := survey.ExportQuery{SubmissionQuery: survey.SubmissionQuery{Form: "household"}}
	before := runtime.NumGoroutine()
	stop := errors.New("stop here")
	for round := range 20 { // more than the read pool: a leaked reader would hold a connection
		n := 0
		err := s.StreamSubmissions(ctx, q, func(sub *survey.Submission) error {
			if want := fmt.Sprintf("s%03d", n); sub.ID != want {
				t.Fatalf("round %d: %s at %d, want %s", round, sub.ID, n, want)
			}
			if n++; n == 70+round {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 70+round {
			t.Fatalf("round %d: %v after %d, want the callback's error after %d", round, err, n, 70+round)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	n := 0
	err := s.StreamSubmissions(cctx, q, func(*survey.Submission) error {
		if n++; n == 100 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled stream: %v after %d", err, n)
	}
	n = 0
	if err := s.StreamSubmissions(ctx, q, func(*survey.Submission) error { n++; return nil }); err != nil || n != len(subs) {
		t.Fatalf("whole stream after the stopped ones: %d, %v", n, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Errorf("%d goroutines after the streams, %d before", g, before)
	}
}
