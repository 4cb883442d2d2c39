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

	"github.com/khaosat/khaosat/internal/mongo"
	"github.com/khaosat/khaosat/internal/mongotest"
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
	ctx := context.Background()
	name := fmt.Sprintf("t%d_%s", dbSeq.Add(1), strings.ReplaceAll(uuid.NewString()[:8], "-", ""))
	s, err := mongo.Connect(ctx, engine.URI(), name)
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
	u := &survey.User{ID: uuid.NewString(), Username: "lan", Role: survey.RoleCollector, Units: []string{"00004"}, CreatedAt: time.Now()}
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

// TestEventsPassAbandonedNumber: a number taken and never written (a
// writer that died between taking it and storing its event) holds readers
// back for the settle time only; then it is filled with a skip event and
// a late write of it moves to a new number.
func TestEventsPassAbandonedNumber(t *testing.T) {
	s := MustStore(t)
	ctx := context.Background()
	s.SetSettle(200 * time.Millisecond)
	if _, err := s.ReserveSeq(ctx); err != nil {
		t.Fatal(err)
	}
	sub := &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: "00004", SurveyDate: time.Now().UTC().Truncate(24 * time.Hour),
		Data: map[string]any{}, ReceivedAt: time.Now().UTC().Truncate(time.Millisecond), Revision: 1}
	e := &survey.Event{Kind: survey.EventCreate, SubmissionID: sub.ID, At: time.Now().UTC()}
	if err := s.CreateSubmission(ctx, sub, e, nil); err != nil {
		t.Fatal(err)
	}
	if e.Seq != 2 {
		t.Fatalf("event number %d, want 2", e.Seq)
	}
	evs, err := s.Events(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].SubmissionID != sub.ID {
		t.Fatalf("events after the hole: %+v", evs)
	}
}
