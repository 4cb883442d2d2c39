package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

func housekeeper(t *testing.T, s Stores) survey.Housekeeper {
	t.Helper()
	h, ok := s.(survey.Housekeeper)
	if !ok {
		t.Fatal("the store does not implement survey.Housekeeper")
	}
	return h
}

// deleteAt soft-deletes cur as deleted at at, replacing its facts with f
// (an empty set: the deletion took them out of the indicators, as the
// service does; nil: left as they were, as when no indicators are kept).
func deleteAt(t *testing.T, s Stores, cur *survey.Submission, at time.Time, f *survey.Facts) *survey.Submission {
	t.Helper()
	next := *cur
	next.DeletedAt, next.DeletedBy = &at, "u-sup"
	if err := s.UpdateSubmission(ctx, &survey.SubmissionChange{Match: survey.Match{Revision: cur.Revision, ReviewState: cur.ReviewState},
		Next: &next, Event: event(survey.EventDelete, cur), Facts: f}); err != nil {
		t.Fatalf("delete %s: %v", cur.ID, err)
	}
	return &next
}

func mustAttach(t *testing.T, s Stores, id, name, body string) {
	t.Helper()
	a := &survey.Attachment{SubmissionID: id, Name: name, ContentType: "image/jpeg", Size: int64(len(body)), SHA256: body,
		UploadedAt: time.Now().UTC().Truncate(time.Millisecond), UploadedBy: "lan"}
	if _, err := s.PutAttachment(ctx, a, []byte(body), survey.AttachmentLimit{}); err != nil {
		t.Fatal(err)
	}
}

// withHistoryAndComment edits sub once, with a review comment, so that
// it has a history copy and a comment thread.
func withHistoryAndComment(t *testing.T, s Stores, sub *survey.Submission, f *survey.Facts) *survey.Submission {
	t.Helper()
	next := edited(sub)
	c := &survey.Comment{ID: uuid.NewString(), SubmissionID: sub.ID, At: next.UpdatedAt, By: "u-sup", ByName: "binh",
		Role: survey.RoleSupervisor, Text: "xem lại"}
	if err := s.UpdateSubmission(ctx, &survey.SubmissionChange{Match: survey.Match{Revision: sub.Revision, ReviewState: sub.ReviewState},
		Next: next, History: sub, Event: event(survey.EventEdit, next), Facts: f, Comment: c}); err != nil {
		t.Fatal(err)
	}
	return next
}

// testPurgeDeleted: PurgeDeleted removes the submissions deleted before
// the given time with their history copies, comments, attachments and
// facts (out of the monthly totals too, whether the deletion took them
// out or not), and nothing else; the change feed reads as before; a
// restore of a purged submission finds nothing, and its id cannot be
// stored again.
func testPurgeDeleted(t *testing.T, s Stores) {
	h := housekeeper(t, s)
	now := time.Now().UTC().Truncate(time.Millisecond)
	before := now.Add(-survey.DeletedRetention)
	cell := survey.FactCell{Indicator: "CHILD_POP", Sex: "male", AgeGroup: "5-11", Den: 1, Num: 1}

	// gone: deleted 31 days ago, its facts taken out by the deletion.
	gone := newSub("00004", "2026-03-01")
	mustCreate(t, s, gone, facts(gone, cell))
	gone = withHistoryAndComment(t, s, gone, facts(gone, cell))
	mustAttach(t, s, gone.ID, "photo.jpg", "first")
	mustAttach(t, s, gone.ID, "consent.jpg", "second")
	deleteAt(t, s, gone, before.Add(-24*time.Hour), facts(gone))
	// kept: deleted 31 days ago too, its facts left in (no indicators kept then).
	kept := newSub("00004", "2026-03-01")
	mustCreate(t, s, kept, facts(kept, cell))
	deleteAt(t, s, kept, before.Add(-time.Hour), nil)
	// recent: deleted 29 days ago, still restorable.
	recent := newSub("00004", "2026-03-01")
	mustCreate(t, s, recent, facts(recent, cell))
	recent = withHistoryAndComment(t, s, recent, facts(recent, cell))
	mustAttach(t, s, recent.ID, "photo.jpg", "recent")
	recentDel := deleteAt(t, s, recent, before.Add(24*time.Hour), facts(recent))
	// live: not deleted.
	live := newSub("00004", "2026-03-01")
	mustCreate(t, s, live, facts(live, cell))
	mustAttach(t, s, live.ID, "photo.jpg", "live")

	feed := allEvents(t, s)
	p, err := h.PurgeDeleted(ctx, before)
	if err != nil {
		t.Fatal(err)
	}
	if want := (survey.Purged{Submissions: 2, Attachments: 2}); p != want {
		t.Errorf("purged %+v, want %+v", p, want)
	}
	for _, id := range []string{gone.ID, kept.ID} {
		if _, err := s.Submission(ctx, id); !errors.Is(err, survey.ErrNotFound) {
			t.Errorf("purged submission: %v, want ErrNotFound", err)
		}
		if hs, err := s.History(ctx, id); err != nil || len(hs) != 0 {
			t.Errorf("history of a purged submission: %d copies, %v", len(hs), err)
		}
		if _, err := s.HistoryRevision(ctx, id, 1); !errors.Is(err, survey.ErrNotFound) {
			t.Errorf("a history revision of a purged submission: %v, want ErrNotFound", err)
		}
		if cs, err := s.Comments(ctx, id); err != nil || len(cs) != 0 {
			t.Errorf("comments of a purged submission: %d, %v", len(cs), err)
		}
		if as, err := s.Attachments(ctx, id); err != nil || len(as) != 0 {
			t.Errorf("attachments of a purged submission: %d, %v", len(as), err)
		}
		if _, _, err := s.OpenAttachment(ctx, id, "photo.jpg"); !errors.Is(err, survey.ErrNotFound) {
			t.Errorf("an attachment of a purged submission opens: %v", err)
		}
	}
	// The id of a purged submission stays taken: sent again (a phone that
	// kept it), it is a duplicate, and nothing is stored.
	for _, sub := range []*survey.Submission{gone, kept} {
		again := *sub
		again.DeletedAt, again.DeletedBy = nil, ""
		if err := s.CreateSubmission(ctx, &again, event(survey.EventCreate, &again), nil); !errors.Is(err, survey.ErrDuplicate) {
			t.Errorf("a purged submission's id stored again: %v, want ErrDuplicate", err)
		}
		if _, err := s.Submission(ctx, sub.ID); !errors.Is(err, survey.ErrNotFound) {
			t.Errorf("after sending a purged id again: %v, want ErrNotFound", err)
		}
	}
	// A restore of a purged submission finds nothing to restore.
	restored := *gone
	if err := s.UpdateSubmission(ctx, &survey.SubmissionChange{Match: survey.Match{Revision: gone.Revision, ReviewState: gone.ReviewState,
		DeletedAt: ptr(before.Add(-24 * time.Hour))}, Next: &restored}); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("restore of a purged submission: %v, want ErrNotFound", err)
	}
	// What is not past the window stays whole.
	if got, err := s.Submission(ctx, recent.ID); err != nil || got.DeletedAt == nil {
		t.Errorf("a submission deleted 29 days ago: %+v, %v", got, err)
	}
	if hs, _ := s.History(ctx, recent.ID); len(hs) != 1 {
		t.Errorf("history of a submission deleted 29 days ago: %d copies, want 1", len(hs))
	}
	if cs, _ := s.Comments(ctx, recent.ID); len(cs) != 1 {
		t.Errorf("comments of a submission deleted 29 days ago: %d, want 1", len(cs))
	}
	for _, id := range []string{recent.ID, live.ID} {
		if as, err := s.Attachments(ctx, id); err != nil || len(as) != 1 {
			t.Errorf("attachments of a kept submission: %d, %v", len(as), err)
		}
	}
	if _, err := s.Submission(ctx, live.ID); err != nil {
		t.Errorf("a live submission: %v", err)
	}
	// The indicators count the live submission only: from the monthly
	// totals (whole months) and from the rows (days of a month).
	for _, part := range []indicator.FactsPart{
		{Hierarchy: "h2025", From: day("2026-01-01"), To: day("2026-12-31")},
		{Hierarchy: "h2025", From: day("2026-03-01"), To: day("2026-03-15")},
	} {
		cs, err := s.CountFacts(ctx, indicator.FactsQuery{Parts: []indicator.FactsPart{part}, Level: survey.LevelCity})
		if err != nil {
			t.Fatal(err)
		}
		den, num := 0, 0
		for _, c := range cs {
			den, num = den+c.Den, num+c.Num
		}
		if den != 1 || num != 1 {
			t.Errorf("facts %s to %s after the purge: %d/%d, want the live submission's 1/1", part.From.Format(time.DateOnly), part.To.Format(time.DateOnly), num, den)
		}
	}
	// The change feed is unchanged: no gap, the delete events still there.
	if diff := cmp.Diff(feed, allEvents(t, s)); diff != "" {
		t.Errorf("the change feed changed with the purge (-before +after):\n%s", diff)
	}
	if p, err := h.PurgeDeleted(ctx, before); err != nil || p != (survey.Purged{}) {
		t.Errorf("a second run purged %+v (err %v), want nothing", p, err)
	}
	// Once past the window, the last one goes too.
	if p, err := h.PurgeDeleted(ctx, recentDel.DeletedAt.Add(time.Millisecond)); err != nil || p != (survey.Purged{Submissions: 1, Attachments: 1}) {
		t.Errorf("purge after the window of the recent one: %+v, %v", p, err)
	}
}

func ptr[T any](v T) *T { return &v }

// testRacePurgeRestore races a restore of a submission against a purge
// of it: both are conditional on its deletion mark, and exactly one wins.
// A restored submission keeps its history and comments; a purged one is
// gone with them.
func testRacePurgeRestore(t *testing.T, s Stores) {
	h := housekeeper(t, s)
	before := time.Now().UTC().Truncate(time.Millisecond).Add(-survey.DeletedRetention)
	for trial := range 10 {
		sub := newSub("00004", "2026-03-01")
		mustCreate(t, s, sub, nil)
		sub = withHistoryAndComment(t, s, sub, nil)
		at := before.Add(-time.Minute)
		del := deleteAt(t, s, sub, at, nil)
		var purged survey.Purged
		errs := together(2, func(i int) error {
			if i == 0 {
				live := *del
				live.DeletedAt, live.DeletedBy = nil, ""
				return s.UpdateSubmission(ctx, &survey.SubmissionChange{Match: survey.Match{Revision: del.Revision, ReviewState: del.ReviewState, DeletedAt: &at},
					Next: &live, Event: event(survey.EventRestore, &live)})
			}
			var err error
			purged, err = h.PurgeDeleted(ctx, before)
			return err
		})
		if errs[1] != nil {
			t.Fatalf("trial %d: purge: %v", trial, errs[1])
		}
		got, err := s.Submission(ctx, sub.ID)
		hs, _ := s.History(ctx, sub.ID)
		cs, _ := s.Comments(ctx, sub.ID)
		switch {
		case errs[0] == nil && purged.Submissions == 0:
			if err != nil || got.DeletedAt != nil || len(hs) != 1 || len(cs) != 1 {
				t.Fatalf("trial %d: the restore won but the submission is %+v (%v), with %d history copies and %d comments", trial, got, err, len(hs), len(cs))
			}
		case errors.Is(errs[0], survey.ErrNotFound) && purged.Submissions == 1:
			if !errors.Is(err, survey.ErrNotFound) || len(hs) != 0 || len(cs) != 0 {
				t.Fatalf("trial %d: the purge won but the submission is %v, with %d history copies and %d comments", trial, err, len(hs), len(cs))
			}
		default:
			t.Fatalf("trial %d: restore %v and purge of %d submissions: not exactly one winner", trial, errs[0], purged.Submissions)
		}
	}
}
