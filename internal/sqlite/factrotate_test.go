package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/survey"
)

func mustKey(t *testing.T) []byte {
	t.Helper()
	k, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func factSealer(t *testing.T, keys ...[]byte) indicator.FactSealer {
	t.Helper()
	ring, err := seal.NewKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return indicator.NewFactSealer(ring)
}

func newSubmission(unit string, day time.Time) *survey.Submission {
	return &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: unit, SurveyDate: day,
		Data: map[string]any{}, ReceivedAt: day, UpdatedAt: day, Revision: 1, ReviewState: survey.ReviewReceived}
}

func factsOf(sub *survey.Submission, cells ...survey.FactCell) *survey.Facts {
	return &survey.Facts{SubmissionID: sub.ID, Form: sub.FormID, Commune: sub.Unit, District: "001", Hierarchy: "h", SurveyDate: sub.SurveyDate, Cells: cells}
}

func createWithFacts(t *testing.T, s *sqlite.Store, sub *survey.Submission, f *survey.Facts) {
	t.Helper()
	e := &survey.Event{Kind: survey.EventCreate, SubmissionID: sub.ID, Form: sub.FormID, Unit: sub.Unit, SurveyDate: sub.SurveyDate, At: sub.ReceivedAt}
	if err := s.CreateSubmission(context.Background(), sub, e, f); err != nil {
		t.Fatal(err)
	}
}

// countByCommune counts every indicator of 2026 per commune, sex and age
// group.
func countByCommune(t *testing.T, s *sqlite.Store, from, to time.Time) []indicator.FactCount {
	t.Helper()
	cs, err := s.CountFacts(context.Background(), indicator.FactsQuery{Parts: []indicator.FactsPart{{Hierarchy: "h", From: from, To: to}},
		Level: survey.LevelCommune, BySex: true, ByAge: true})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		return a.Unit+a.Indicator+a.Sex+a.AgeGroup < b.Unit+b.Indicator+b.Sex+b.AgeGroup
	})
	return cs
}

// keyIDs returns the key ids of the rows of each facts table.
func keyIDs(t *testing.T, s *sqlite.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range []string{"fact_boxes", "fact_day_totals", "fact_month_totals"} {
		rows, err := s.ReadDB().Query(`SELECT key_id, COUNT(*) FROM ` + table + ` GROUP BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				t.Fatal(err)
			}
			out[table] += fmt.Sprintf("%s×%d ", id, n)
		}
		rows.Close()
	}
	return out
}

// TestFactsRebuildAfterKeyRotation: facts written under one key, then
// rebuilt (ReplaceFacts of every submission) under a new current key,
// open with a ring that holds the new key only: no box is left under the
// old one, not even a total no submission adds to any more.
func TestFactsRebuildAfterKeyRotation(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t)
	oldKey, newKey := mustKey(t), mustKey(t)
	s.UseFactSealer(factSealer(t, oldKey))
	feb, mar, may := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 17, 0, 0, 0, 0, time.UTC)
	cell := func(ind, sex string, den, num int) survey.FactCell {
		return survey.FactCell{Indicator: ind, Sex: sex, AgeGroup: "5-11", Den: den, Num: num, Sensitive: ind == "S"}
	}
	type entry struct {
		sub *survey.Submission
		f   *survey.Facts
	}
	var all []entry
	add := func(unit string, day time.Time, cells ...survey.FactCell) entry {
		sub := newSubmission(unit, day)
		e := entry{sub, factsOf(sub, cells...)}
		createWithFacts(t, s, sub, e.f)
		all = append(all, e)
		return e
	}
	add("00004", feb, cell("A", "male", 2, 1), cell("S", "male", 2, 1))
	add("00004", feb, cell("S", "female", 1, 0))
	add("00229", mar, cell("A", "male", 3, 3))
	gone := add("00229", may, cell("S", "female", 1, 1))
	year := func() []indicator.FactCount {
		return countByCommune(t, s, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC))
	}
	days := func() []indicator.FactCount { // partial months: the day totals
		return countByCommune(t, s, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC))
	}
	wantYear, wantDays := year(), days()
	// The rebuild finds one of them no longer counting (rejected): its
	// totals of 00229 in May come to no cell.
	gone.f.Cells = nil
	s.UseFactSealer(factSealer(t, newKey, oldKey))
	var wg sync.WaitGroup
	for _, e := range all {
		wg.Add(1)
		go func() { // concurrently, as a rebuild writes
			defer wg.Done()
			if err := s.ReplaceFacts(ctx, e.f); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	drop := func(cs []indicator.FactCount) []indicator.FactCount {
		var out []indicator.FactCount
		for _, c := range cs {
			if !(c.Unit == "00229" && c.Indicator == "S") {
				out = append(out, c)
			}
		}
		return out
	}
	wantYear, wantDays = drop(wantYear), drop(wantDays)

	s.UseFactSealer(factSealer(t, newKey))
	if diff := cmp.Diff(wantYear, year()); diff != "" {
		t.Errorf("a year under the new key only (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantDays, days()); diff != "" {
		t.Errorf("partial months under the new key only (-want +got):\n%s", diff)
	}
	id := seal.KeyID(newKey)
	want := map[string]string{"fact_boxes": id + "×3 ", "fact_day_totals": id + "×2 ", "fact_month_totals": id + "×2 "}
	if diff := cmp.Diff(want, keyIDs(t, s)); diff != "" {
		t.Errorf("keys of the facts boxes (-want +got):\n%s", diff)
	}
	// Every submission's own box opens too: an edit reads it back.
	for _, e := range all {
		if err := s.ReplaceFacts(ctx, e.f); err != nil {
			t.Errorf("replace the facts of %s under the new key only: %v", e.sub.Unit, err)
		}
	}
}

// TestFactsTotalsUnderConcurrentWrites: many writers create, edit and
// rebuild facts of the same communes and days at once, so that writes of
// one transaction move the same totals in turn, each after the other:
// the totals come out as the writes say, and the days every submission
// left are deleted.
func TestFactsTotalsUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t)
	s.UseFactSealer(factSealer(t, mustKey(t)))
	days := []time.Time{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)}
	units := []string{"00004", "00229"}
	const writers, each = 8, 40
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				sub := newSubmission(units[(w+i)%2], days[i%2])
				f := factsOf(sub, survey.FactCell{Indicator: "A", Sex: "male", AgeGroup: "0-4", Den: 2, Num: 1},
					survey.FactCell{Indicator: "S", Sex: "female", AgeGroup: "0-4", Den: 1, Num: 1, Sensitive: true})
				e := &survey.Event{Kind: survey.EventCreate, SubmissionID: sub.ID, Form: sub.FormID, Unit: sub.Unit, SurveyDate: sub.SurveyDate, At: sub.ReceivedAt}
				if err := s.CreateSubmission(ctx, sub, e, f); err != nil {
					t.Error(err)
					return
				}
				// Every other one is rebuilt with one cell less and moved to
				// the other day: its old totals lose it, the new gain it.
				if i%2 == 1 {
					f.Cells = f.Cells[:1]
					f.SurveyDate = days[0]
					if err := s.ReplaceFacts(ctx, f); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	// each/2 submissions of each writer keep both cells, each/2 only A;
	// all of them are on days[0] after the rebuilds.
	n := writers * each
	got := countByCommune(t, s, days[0], days[1])
	sum := map[string][2]int{}
	for _, c := range got {
		v := sum[c.Indicator]
		sum[c.Indicator] = [2]int{v[0] + c.Den, v[1] + c.Num}
	}
	if want := map[string][2]int{"A": {2 * n, n}, "S": {n / 2, n / 2}}; !cmp.Equal(want, sum) {
		t.Errorf("totals %v, want %v", sum, want)
	}
	if d := countByCommune(t, s, days[1], days[1]); len(d) != 0 {
		t.Errorf("the day every submission left still counts %v", d)
	}
	var boxes int
	if err := s.ReadDB().QueryRow(`SELECT COUNT(*) FROM fact_day_totals`).Scan(&boxes); err != nil && err != sql.ErrNoRows {
		t.Fatal(err)
	}
	if boxes != len(units) {
		t.Errorf("%d day totals, want %d (one per commune, the emptied days deleted)", boxes, len(units))
	}
}
