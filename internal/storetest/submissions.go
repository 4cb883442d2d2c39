package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

var ctx = context.Background()

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// newSub is a stored-form submission with answers of every stored type.
func newSub(unit, date string) *survey.Submission {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return &survey.Submission{
		ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: unit, SurveyDate: day(date),
		Data: map[string]any{
			"members_total": int64(5), "head_name": "Nguyễn Văn Hùng", "lat": 21.0437, "owns_land": true,
			"children": []any{
				map[string]any{"sex": "male", "date_of_birth": day("2017-09-01"), "special_circumstances": []any{"orphan"}},
				map[string]any{"sex": "female", "date_of_birth": day("2020-01-02"), "special_circumstances": []any{}},
			},
		},
		Collector: "u-col", CollectorName: "lan", ReceivedAt: now, UpdatedAt: now, Revision: 1,
		ReviewState: survey.ReviewReceived, ContentHash: "h1",
		Sealed: &survey.SealedAnswers{KeyID: "k1", Box: []byte{1, 2, 3}},
	}
}

func event(kind string, sub *survey.Submission) *survey.Event {
	return &survey.Event{Kind: kind, SubmissionID: sub.ID, Form: sub.FormID, Unit: sub.Unit, SurveyDate: sub.SurveyDate,
		Collector: sub.Collector, Revision: sub.Revision, ReviewState: sub.ReviewState, At: time.Now().UTC().Truncate(time.Millisecond), By: "lan"}
}

func facts(sub *survey.Submission, cells ...survey.FactCell) *survey.Facts {
	return &survey.Facts{SubmissionID: sub.ID, Form: sub.FormID, Commune: sub.Unit, District: "", Hierarchy: "h2025",
		SurveyDate: sub.SurveyDate, Cells: cells}
}

func mustCreate(t *testing.T, s Stores, sub *survey.Submission, f *survey.Facts) *survey.Event {
	t.Helper()
	e := event(survey.EventCreate, sub)
	if err := s.CreateSubmission(ctx, sub, e, f); err != nil {
		t.Fatalf("create %s: %v", sub.ID, err)
	}
	return e
}

func allEvents(t *testing.T, s Stores) []*survey.Event {
	t.Helper()
	var out []*survey.Event
	var after int64
	for {
		evs, err := s.Events(ctx, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		after = evs[len(evs)-1].Seq
	}
}

func testSubmissions(t *testing.T, s Stores, c Caveats) {
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	sub := newSub("00004", "2026-03-01")
	e := mustCreate(t, s, sub, nil)
	if e.Seq < 1 {
		t.Errorf("the store gave the event number %d", e.Seq)
	}
	got, err := s.Submission(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sub, got); diff != "" {
		t.Errorf("read back differs (-stored +read):\n%s", diff)
	}
	// A second create of the id fails and writes nothing.
	again := newSub("00004", "2026-03-02")
	again.ID = sub.ID
	if err := s.CreateSubmission(ctx, again, event(survey.EventCreate, again), nil); !errors.Is(err, survey.ErrDuplicate) {
		t.Errorf("duplicate id: %v, want ErrDuplicate", err)
	}
	if evs := allEvents(t, s); len(evs) != 1 {
		t.Errorf("events after a refused duplicate: %d, want 1", len(evs))
	}
	if _, err := s.Submission(ctx, uuid.NewString()); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("missing submission: %v, want ErrNotFound", err)
	}

	// Listing: (received_at, id) order, paged, scoped, deleted left out.
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 5 {
		x := newSub("00004", "2026-03-05")
		x.ReceivedAt = base.Add(time.Duration(i) * time.Minute)
		if i == 4 {
			x.Unit = "00229"
		}
		mustCreate(t, s, x, nil)
		ids = append(ids, x.ID)
	}
	scope := []survey.ScopePart{{From: day("2025-07-01"), Communes: []string{"00004"}}}
	page, err := s.ListSubmissions(ctx, survey.SubmissionQuery{Form: "household", Scope: scope, From: day("2026-03-05"), Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].ID != ids[0] || page[1].ID != ids[1] {
		t.Fatalf("first page: %v", idsOf(page))
	}
	page, err = s.ListSubmissions(ctx, survey.SubmissionQuery{Form: "household", Scope: scope, From: day("2026-03-05"), Limit: 10,
		After: &survey.PageKey{ReceivedAt: page[1].ReceivedAt, ID: page[1].ID}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ids[2:4], idsOf(page)); diff != "" {
		t.Errorf("second page (-want +got):\n%s", diff)
	}
	// Answer conditions: one child both female and orphan (none), one
	// child both male and orphan (every household), a child female.
	conds := []survey.AnswerCond{{Repeat: "children", Path: "sex", Op: "eq", Value: "female"}, {Repeat: "children", Path: "special_circumstances", Op: "eq", Value: "orphan"}}
	t.Run("SameItem", func(t *testing.T) {
		if c.NoElemMatch != "" {
			t.Skip(c.NoElemMatch)
		}
		if got, err := s.ListSubmissions(ctx, survey.SubmissionQuery{Form: "household", Answers: conds, Limit: 10}); err != nil || len(got) != 0 {
			t.Errorf("conditions on one item matched across items: %v (%v)", idsOf(got), err)
		}
		male := []survey.AnswerCond{{Repeat: "children", Path: "sex", Op: "eq", Value: "male"}, conds[1]}
		if got, err := s.ListSubmissions(ctx, survey.SubmissionQuery{Form: "household", Answers: male, Limit: 100}); err != nil || len(got) != 6 {
			t.Errorf("a male orphan: %d submissions (%v), want 6", len(got), err)
		}
	})
	if got, _ := s.ListSubmissions(ctx, survey.SubmissionQuery{Form: "household", Answers: conds[:1], Limit: 100}); len(got) != 6 {
		t.Errorf("a female child: %d submissions, want 6", len(got))
	}
	if got, _ := s.ListSubmissions(ctx, survey.SubmissionQuery{Form: "household", Answers: []survey.AnswerCond{{Path: "members_total", Op: "gte", Value: int64(6)}}, Limit: 100}); len(got) != 0 {
		t.Errorf("members_total >= 6: %d submissions, want 0", len(got))
	}

	// Streaming sees every submission once.
	n := 0
	if err := s.StreamSubmissions(ctx, survey.ExportQuery{SubmissionQuery: survey.SubmissionQuery{Form: "household"}}, func(*survey.Submission) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Errorf("streamed %d submissions, want 6", n)
	}

	// Resealing is a compare-and-set on the old box.
	if err := s.ReplaceSealed(ctx, sub.ID, &survey.SealedAnswers{KeyID: "k1", Box: []byte{9}}, &survey.SealedAnswers{KeyID: "k2", Box: []byte{4}}); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("reseal from a wrong box: %v, want ErrNotFound", err)
	}
	if err := s.ReplaceSealed(ctx, sub.ID, sub.Sealed, &survey.SealedAnswers{KeyID: "k2", Box: []byte{4}}); err != nil {
		t.Fatal(err)
	}
	under, err := s.SealedNotUnder(ctx, "k2", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range under {
		if u.ID == sub.ID {
			t.Errorf("resealed submission still listed under another key")
		}
	}
}

func idsOf(subs []*survey.Submission) []string {
	var out []string
	for _, s := range subs {
		out = append(out, s.ID)
	}
	return out
}

func edited(cur *survey.Submission) *survey.Submission {
	next := *cur
	next.Revision = cur.Revision + 1
	next.Data = map[string]any{"members_total": int64(cur.Revision + 1)}
	next.UpdatedAt = cur.UpdatedAt.Add(time.Second)
	next.UpdatedBy = "binh"
	return &next
}

// testConditionalChange: a change of a stale revision writes nothing; a
// change of the current one writes the submission, its history copy, its
// comment, its event and its facts together.
func testConditionalChange(t *testing.T, s Stores) {
	sub := newSub("00004", "2026-03-01")
	mustCreate(t, s, sub, facts(sub, survey.FactCell{Indicator: "CHILD_POP", Sex: "male", AgeGroup: "5-11", Den: 1, Num: 1}))
	next := edited(sub)
	stale := &survey.SubmissionChange{Match: survey.Match{Revision: 7, ReviewState: survey.ReviewReceived}, Next: next, History: sub,
		Event: event(survey.EventEdit, next), Facts: facts(next)}
	if err := s.UpdateSubmission(ctx, stale); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("stale change: %v, want ErrNotFound", err)
	}
	if h, _ := s.History(ctx, sub.ID); len(h) != 0 {
		t.Errorf("a refused change left %d history copies", len(h))
	}
	if evs := allEvents(t, s); len(evs) != 1 {
		t.Errorf("a refused change left an event: %d events", len(evs))
	}
	c := &survey.Comment{ID: uuid.NewString(), SubmissionID: sub.ID, At: time.Now().UTC().Truncate(time.Millisecond), By: "u-sup", ByName: "binh", Role: survey.RoleSupervisor, Text: "xem lại", ReviewState: survey.ReviewHasIssues}
	ch := &survey.SubmissionChange{Match: survey.Match{Revision: 1, ReviewState: survey.ReviewReceived}, Next: next, History: sub,
		Event: event(survey.EventEdit, next), Facts: facts(next), Comment: c}
	if err := s.UpdateSubmission(ctx, ch); err != nil {
		t.Fatal(err)
	}
	got, err := s.Submission(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != 2 || got.Data["members_total"] != int64(2) {
		t.Errorf("after the change: revision %d, data %v", got.Revision, got.Data)
	}
	h, err := s.HistoryRevision(ctx, sub.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sub, h); diff != "" {
		t.Errorf("history copy (-old +kept):\n%s", diff)
	}
	if _, err := s.HistoryRevision(ctx, sub.ID, 2); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("history of the current revision: %v, want ErrNotFound", err)
	}
	if cs, _ := s.Comments(ctx, sub.ID); len(cs) != 1 || cs[0].Text != "xem lại" {
		t.Errorf("comments: %+v", cs)
	}
	evs := allEvents(t, s)
	if len(evs) != 2 || evs[1].Kind != survey.EventEdit || evs[1].Seq != ch.Event.Seq {
		t.Errorf("events: %+v", evs)
	}
	counts, err := s.CountFacts(ctx, indicator.FactsQuery{Parts: []indicator.FactsPart{{Hierarchy: "h2025", From: day("2026-01-01"), To: day("2026-12-31")}}, Level: survey.LevelCommune})
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 0 {
		t.Errorf("facts replaced by none still count: %+v", counts)
	}

	// Delete and restore match on the deletion time.
	at := time.Now().UTC().Truncate(time.Millisecond)
	del := *got
	del.DeletedAt, del.DeletedBy = &at, "u-sup"
	if err := s.UpdateSubmission(ctx, &survey.SubmissionChange{Match: survey.Match{Revision: 2, ReviewState: survey.ReviewReceived}, Next: &del, Event: event(survey.EventDelete, &del)}); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.ListSubmissions(ctx, survey.SubmissionQuery{Form: "household", Limit: 10}); len(l) != 0 {
		t.Errorf("a deleted submission is listed")
	}
	live := del
	live.DeletedAt, live.DeletedBy = nil, ""
	other := at.Add(time.Second)
	if err := s.UpdateSubmission(ctx, &survey.SubmissionChange{Match: survey.Match{Revision: 2, ReviewState: survey.ReviewReceived, DeletedAt: &other}, Next: &live}); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("restore of another deletion: %v", err)
	}
	if err := s.UpdateSubmission(ctx, &survey.SubmissionChange{Match: survey.Match{Revision: 2, ReviewState: survey.ReviewReceived, DeletedAt: &at}, Next: &live}); err != nil {
		t.Errorf("restore: %v", err)
	}
}

func testFacts(t *testing.T, s Stores) {
	cell := func(code, sex, ag string, den, num int) survey.FactCell {
		return survey.FactCell{Indicator: code, Sex: sex, AgeGroup: ag, Den: den, Num: num}
	}
	add := func(unit, district, date string, cells ...survey.FactCell) *survey.Submission {
		sub := newSub(unit, date)
		f := facts(sub, cells...)
		f.District = district
		mustCreate(t, s, sub, f)
		return sub
	}
	add("00004", "001", "2026-02-01", cell("A", "male", "0-4", 2, 1), cell("B", "male", "0-4", 1, 1))
	add("00004", "001", "2026-05-01", cell("A", "female", "5-11", 1, 0))
	add("00229", "001", "2026-02-01", cell("A", "male", "5-11", 3, 3))
	x := add("00229", "002", "2025-02-01", cell("A", "male", "5-11", 5, 5)) // outside the period
	year := indicator.FactsPart{Hierarchy: "h2025", From: day("2026-01-01"), To: day("2026-12-31")}
	count := func(q indicator.FactsQuery) map[row]bool { t.Helper(); return countRows(t, s, q) }
	tests := []struct {
		name string
		q    indicator.FactsQuery
		want map[row]bool
	}{
		{"communes", indicator.FactsQuery{Parts: []indicator.FactsPart{year}, Level: survey.LevelCommune},
			map[row]bool{{"00004", "A", "", 3, 1}: true, {"00004", "B", "", 1, 1}: true, {"00229", "A", "", 3, 3}: true}},
		{"districts by sex", indicator.FactsQuery{Parts: []indicator.FactsPart{year}, Level: survey.LevelDistrict, BySex: true, Indicators: []string{"A"}},
			map[row]bool{{"001", "A", "male", 5, 4}: true, {"001", "A", "female", 1, 0}: true}},
		{"city by age, one commune", indicator.FactsQuery{Parts: []indicator.FactsPart{{Hierarchy: "h2025", From: year.From, To: year.To, Communes: []string{"00004"}}}, Level: survey.LevelCity, ByAge: true},
			map[row]bool{{"", "A", "0-4", 2, 1}: true, {"", "B", "0-4", 1, 1}: true, {"", "A", "5-11", 1, 0}: true}},
		{"whole months and a partial one", indicator.FactsQuery{Parts: []indicator.FactsPart{{Hierarchy: "h2025", From: day("2026-02-01"), To: day("2026-05-01"), Communes: []string{"00004"}}}, Level: survey.LevelCommune},
			map[row]bool{{"00004", "A", "", 3, 1}: true, {"00004", "B", "", 1, 1}: true}},
		{"partial months only", indicator.FactsQuery{Parts: []indicator.FactsPart{{Hierarchy: "h2025", From: day("2026-02-02"), To: day("2026-05-01")}}, Level: survey.LevelCommune},
			map[row]bool{{"00004", "A", "", 1, 0}: true}},
		{"one day across the city", indicator.FactsQuery{Parts: []indicator.FactsPart{{Hierarchy: "h2025", From: day("2026-02-01"), To: day("2026-02-01")}}, Level: survey.LevelCommune},
			map[row]bool{{"00004", "A", "", 2, 1}: true, {"00004", "B", "", 1, 1}: true, {"00229", "A", "", 3, 3}: true}},
		{"days before whole months, across the city", indicator.FactsQuery{Parts: []indicator.FactsPart{{Hierarchy: "h2025", From: day("2026-01-31"), To: day("2026-04-30")}}, Level: survey.LevelCommune},
			map[row]bool{{"00004", "A", "", 2, 1}: true, {"00004", "B", "", 1, 1}: true, {"00229", "A", "", 3, 3}: true}},
		{"no communes", indicator.FactsQuery{Parts: []indicator.FactsPart{{Hierarchy: "h2025", From: year.From, To: year.To, Communes: []string{}}}}, map[row]bool{}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, count(tc.q)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	// ReplaceFacts (a rebuild) replaces a submission's rows.
	f := facts(x, cell("A", "male", "5-11", 1, 0))
	f.SurveyDate = day("2026-03-01")
	if err := s.ReplaceFacts(ctx, f); err != nil {
		t.Fatal(err)
	}
	if got := count(indicator.FactsQuery{Parts: []indicator.FactsPart{year}, Level: survey.LevelCity, Indicators: []string{"A"}}); !got[row{"", "A", "", 7, 4}] {
		t.Errorf("after replacing facts: %v", got)
	}
	if h, _ := s.IndicatorSetHash(ctx); h != "" {
		t.Errorf("hash of an empty store: %q", h)
	}
	if err := s.SetIndicatorSetHash(ctx, "abc"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetIndicatorSetHash(ctx, "def"); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.IndicatorSetHash(ctx); h != "def" {
		t.Errorf("hash %q, want def", h)
	}
	n := 0
	if err := s.EachSubmission(ctx, func(*survey.Submission) error { n++; return nil }); err != nil || n != 4 {
		t.Errorf("each submission: %d, %v", n, err)
	}
}

var _ = fmt.Sprint
