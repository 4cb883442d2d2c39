package storetest

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/protect"
	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/survey"
)

// together runs fn n times at once, released by one signal, and returns
// each run's error.
func together(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

func wins(t *testing.T, errs []error, loser error) int {
	t.Helper()
	n := 0
	for _, err := range errs {
		switch {
		case err == nil:
			n++
		case !errors.Is(err, loser):
			t.Errorf("a loser got %v, want %v", err, loser)
		}
	}
	return n
}

func testRaceRefresh(t *testing.T, s Stores) {
	for trial := range 10 {
		now := time.Now().UTC()
		tok := &account.RefreshToken{Hash: uuid.NewString(), Family: uuid.NewString(), UserID: "u", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.InsertRefresh(ctx, tok); err != nil {
			t.Fatal(err)
		}
		errs := together(2, func(int) error { return s.UseRefresh(ctx, tok.Hash, now) })
		if n := wins(t, errs, survey.ErrNotFound); n != 1 {
			t.Fatalf("trial %d: the same refresh token was used %d times at once, want exactly once", trial, n)
		}
	}
}

func testRaceEnrollment(t *testing.T, s Stores) {
	for trial := range 10 {
		now := time.Now().UTC()
		e := &account.Enrollment{Hash: uuid.NewString(), UserID: "u", CreatedBy: "admin", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.InsertEnrollment(ctx, e); err != nil {
			t.Fatal(err)
		}
		errs := together(3, func(i int) error { return s.UseEnrollment(ctx, e.Hash, "phone-"+string(rune('a'+i)), now) })
		if n := wins(t, errs, survey.ErrNotFound); n != 1 {
			t.Fatalf("trial %d: one enrollment code bound %d phones, want exactly one", trial, n)
		}
		got, err := s.EnrollmentByHash(ctx, e.Hash)
		if err != nil || got.UsedAt == nil || got.DeviceID == "" {
			t.Errorf("the used code: %+v, %v", got, err)
		}
	}
}

func testRaceEdits(t *testing.T, s Stores) {
	sub := newSub("00004", "2026-03-01")
	mustCreate(t, s, sub, nil)
	errs := together(10, func(i int) error {
		next := edited(sub)
		next.Data = map[string]any{"members_total": int64(100 + i)}
		return s.UpdateSubmission(ctx, &survey.SubmissionChange{Match: survey.Match{Revision: 1, ReviewState: survey.ReviewReceived},
			Next: next, History: sub, Event: event(survey.EventEdit, next), Facts: facts(next)})
	})
	if n := wins(t, errs, survey.ErrNotFound); n != 1 {
		t.Fatalf("%d of 10 concurrent edits of revision 1 won, want exactly one", n)
	}
	if h, _ := s.History(ctx, sub.ID); len(h) != 1 {
		t.Errorf("history copies: %d, want 1", len(h))
	}
	if evs := allEvents(t, s); len(evs) != 2 {
		t.Errorf("events: %d, want create + one edit", len(evs))
	}
}

func testRaceCreates(t *testing.T, s Stores) {
	id := uuid.NewString()
	errs := together(50, func(int) error {
		sub := newSub("00004", "2026-03-01")
		sub.ID = id
		return s.CreateSubmission(ctx, sub, event(survey.EventCreate, sub), facts(sub, survey.FactCell{Indicator: "A", Den: 1, Num: 1}))
	})
	if n := wins(t, errs, survey.ErrDuplicate); n != 1 {
		t.Fatalf("%d of 50 concurrent creates of one id won, want exactly one", n)
	}
	if evs := allEvents(t, s); len(evs) != 1 {
		t.Errorf("events: %d, want 1", len(evs))
	}
	cs, err := s.CountFacts(ctx, indicator.FactsQuery{Parts: []indicator.FactsPart{{Hierarchy: "h2025", From: day("2026-01-01"), To: day("2026-12-31")}}, Level: survey.LevelCity})
	if err != nil || len(cs) != 1 || cs[0].Den != 1 {
		t.Errorf("facts after 50 creates of one id: %+v, %v", cs, err)
	}
}

// testRaceSyncs sends the same submission through intake fifty times at
// once: stored once, every other answer a retry of it.
func testRaceSyncs(t *testing.T, s Stores) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	units, err := survey.LoadUnits(khaosat.Content, khaosat.UnitsDir)
	if err != nil {
		t.Fatal(err)
	}
	catalog := survey.NewCatalog(s, log)
	if err := catalog.PublishDir(ctx, khaosat.Content, khaosat.FormsDir); err != nil {
		t.Fatal(err)
	}
	key, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := seal.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	in, err := survey.NewIntake(s, catalog, units, survey.Protection{Sealer: ring, Answers: protect.New(ring, catalog), HashKey: []byte("a hash key of the contract, 32 bytes"), Audit: survey.NewAuditor(s)},
		survey.WithFeed(survey.NewFeed(s)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"id": uuid.NewString(), "form_version": 1, "unit": "00004", "survey_date": "2026-03-01",
		"data": map[string]any{"address": "Số 12", "head_name": "Nguyễn Văn Hùng", "members_total": 3, "poverty_status": "not_poor", "housing": "permanent", "children": []any{}}})
	actor := survey.Actor{UserID: "u-admin", Username: "admin", Role: survey.RoleAdmin}
	var created sync.Map
	errs := together(50, func(i int) error {
		_, c, err := in.Submit(ctx, actor, "household", body)
		created.Store(i, c)
		return err
	})
	n := 0
	for i, err := range errs {
		if err != nil {
			var se *survey.Error
			if errors.As(err, &se) {
				t.Fatalf("sync %d: %v %+v", i, err, se.Fields)
			}
			t.Fatalf("sync %d: %v", i, err)
		}
		if c, _ := created.Load(i); c == true {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d of 50 syncs of one submission stored it, want exactly one (the others retries)", n)
	}
	if evs := allEvents(t, s); len(evs) != 1 {
		t.Errorf("events: %d, want 1", len(evs))
	}
}

// testFeedGapFree: writers create concurrently while a reader follows the
// feed; every number the reader sees follows the one before, and at the
// end the feed holds every acknowledged write exactly once.
func testFeedGapFree(t *testing.T, s Stores) {
	const writers, each = 8, 25
	stop := make(chan struct{})
	var seen []int64
	readerDone := make(chan error, 1)
	go func() {
		var after int64
		stopped := false
		for {
			// A read that began before the last commits may miss them:
			// once the writers are done, read on until a read that began
			// after that comes back empty.
			select {
			case <-stop:
				stopped = true
			default:
			}
			evs, err := s.Events(ctx, after, 100)
			if err != nil {
				readerDone <- err
				return
			}
			for _, e := range evs {
				seen = append(seen, e.Seq)
				after = e.Seq
			}
			if stopped && len(evs) == 0 {
				readerDone <- nil
				return
			}
			if len(evs) == 0 {
				time.Sleep(time.Millisecond) // a follower polls; it does not spin
			}
		}
	}()
	acked := make(chan string, writers*each)
	errs := together(writers, func(int) error {
		for range each {
			sub := newSub("00004", "2026-03-01")
			if err := s.CreateSubmission(ctx, sub, event(survey.EventCreate, sub), nil); err != nil {
				return err
			}
			acked <- sub.ID
		}
		return nil
	})
	close(stop)
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := <-readerDone; err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] != seen[i-1]+1 {
			t.Fatalf("the reader saw %d after %d: a gap or a number out of order", seen[i], seen[i-1])
		}
	}
	close(acked)
	evs := allEvents(t, s)
	ids := map[string]bool{}
	for _, e := range evs {
		ids[e.SubmissionID] = true
	}
	for id := range acked {
		if !ids[id] {
			t.Errorf("acknowledged submission %s has no event", id)
		}
	}
	if len(evs) != writers*each || len(seen) != writers*each {
		t.Errorf("events %d, seen by the reader %d, want %d", len(evs), len(seen), writers*each)
	}
}
