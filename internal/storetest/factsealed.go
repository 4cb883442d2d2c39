package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

// SensitiveMarker is the code of the sensitive indicator WriteSensitiveFacts
// writes: an adapter's own test looks for it in its raw storage, where it
// must not be found.
const SensitiveMarker = "SEALED_Q7_MARKER"

// WriteSensitiveFacts stores submissions with facts of a sensitive
// indicator (SensitiveMarker) beside a clear one, edits and rebuilds some,
// checks every count, and leaves the store holding sensitive facts.
func WriteSensitiveFacts(t *testing.T, s Stores) {
	t.Helper()
	const S, A = SensitiveMarker, "A"
	cell := func(code, sex, ag string, den, num int) survey.FactCell {
		return survey.FactCell{Indicator: code, Sex: sex, AgeGroup: ag, Den: den, Num: num, Sensitive: code == S}
	}
	add := func(unit, date string, cells ...survey.FactCell) *survey.Submission {
		sub := newSub(unit, date)
		mustCreate(t, s, sub, facts(sub, cells...))
		return sub
	}
	add("00004", "2026-02-01", cell(A, "male", "0-4", 2, 1), cell(S, "male", "0-4", 2, 1))
	add("00004", "2026-02-01", cell(S, "male", "0-4", 1, 1), cell(S, "female", "5-11", 1, 0))
	b := add("00004", "2026-05-17", cell(S, "female", "5-11", 1, 1))
	c := add("00229", "2026-03-09", cell(A, "male", "5-11", 3, 3), cell(S, "male", "5-11", 3, 2))
	year := indicator.FactsPart{Hierarchy: "h2025", From: day("2026-01-01"), To: day("2026-12-31")}
	count := func(q indicator.FactsQuery) map[row]bool { t.Helper(); return countRows(t, s, q) }
	check := func(name string, q indicator.FactsQuery, want map[row]bool) {
		t.Helper()
		if diff := cmp.Diff(want, count(q)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	all := []string{S}
	check("all indicators", indicator.FactsQuery{Parts: []indicator.FactsPart{year}, Sensitive: all},
		map[row]bool{{"00004", A, "", 2, 1}: true, {"00004", S, "", 5, 3}: true, {"00229", A, "", 3, 3}: true, {"00229", S, "", 3, 2}: true})
	check("the sensitive one by sex and age", indicator.FactsQuery{Parts: []indicator.FactsPart{year}, Indicators: all, Sensitive: all, BySex: true, ByAge: true, Level: survey.LevelCity},
		map[row]bool{{"", S, "male0-4", 3, 2}: true, {"", S, "female5-11", 2, 1}: true, {"", S, "male5-11", 3, 2}: true})
	check("the clear one only", indicator.FactsQuery{Parts: []indicator.FactsPart{year}, Indicators: []string{A}},
		map[row]bool{{"00004", A, "", 2, 1}: true, {"00229", A, "", 3, 3}: true})
	check("partial months", indicator.FactsQuery{Parts: []indicator.FactsPart{{Hierarchy: "h2025", From: day("2026-02-01"), To: day("2026-05-16"), Communes: []string{"00004"}}}, Sensitive: all},
		map[row]bool{{"00004", A, "", 2, 1}: true, {"00004", S, "", 4, 2}: true})
	check("one day", indicator.FactsQuery{Parts: []indicator.FactsPart{{Hierarchy: "h2025", From: day("2026-05-17"), To: day("2026-05-17")}}, Sensitive: all},
		map[row]bool{{"00004", S, "", 1, 1}: true})

	// An edit replaces the submission's sensitive cells, in the totals too.
	next := *c
	next.Revision = 2
	ch := &survey.SubmissionChange{Match: survey.Match{Revision: 1, ReviewState: survey.ReviewReceived}, Next: &next, History: c,
		Event: event(survey.EventEdit, &next), Facts: facts(&next, cell(A, "male", "5-11", 3, 3), cell(S, "male", "5-11", 3, 0))}
	if err := s.UpdateSubmission(ctx, ch); err != nil {
		t.Fatal(err)
	}
	check("after an edit", indicator.FactsQuery{Parts: []indicator.FactsPart{year}, Indicators: all, Sensitive: all},
		map[row]bool{{"00004", S, "", 5, 3}: true, {"00229", S, "", 3, 0}: true})
	// A rebuild moves a submission's facts to another date, or drops them.
	f := facts(b, cell(S, "female", "5-11", 1, 1))
	f.SurveyDate = day("2026-02-01")
	if err := s.ReplaceFacts(ctx, f); err != nil {
		t.Fatal(err)
	}
	check("after a rebuild moved one", indicator.FactsQuery{Parts: []indicator.FactsPart{{Hierarchy: "h2025", From: day("2026-02-01"), To: day("2026-02-01")}}, Indicators: all, Sensitive: all},
		map[row]bool{{"00004", S, "", 5, 3}: true})
	if err := s.ReplaceFacts(ctx, facts(&next)); err != nil {
		t.Fatal(err)
	}
	check("after a rebuild dropped one", indicator.FactsQuery{Parts: []indicator.FactsPart{year}, Sensitive: all},
		map[row]bool{{"00004", A, "", 2, 1}: true, {"00004", S, "", 5, 3}: true})
}

func testSensitiveFacts(t *testing.T, s Stores) { WriteSensitiveFacts(t, s) }

// testFactsManyCommunes: a count over more communes than a store may
// count in one piece (the embedded one splits them across readers) sums
// each commune once, at every level, for whole months and for days.
func testFactsManyCommunes(t *testing.T, s Stores) {
	const n = 70
	wantDen := 0
	for i := range n {
		sub := newSub(fmt.Sprintf("c%03d", i), "2026-03-15")
		mustCreate(t, s, sub, facts(sub, survey.FactCell{Indicator: "A", Sex: "male", AgeGroup: "0-4", Den: i + 1, Num: 1},
			survey.FactCell{Indicator: SensitiveMarker, Sex: "female", AgeGroup: "0-4", Den: 1, Num: i % 2, Sensitive: true}))
		wantDen += i + 1
	}
	for _, p := range []indicator.FactsPart{
		{Hierarchy: "h2025", From: day("2026-01-01"), To: day("2026-12-31")}, // whole months
		{Hierarchy: "h2025", From: day("2026-03-10"), To: day("2026-03-20")}, // days
	} {
		cs, err := s.CountFacts(ctx, indicator.FactsQuery{Parts: []indicator.FactsPart{p}, Sensitive: []string{SensitiveMarker}})
		if err != nil {
			t.Fatal(err)
		}
		per := map[string][2]int{}
		for _, c := range cs {
			v := per[c.Unit+"/"+c.Indicator]
			per[c.Unit+"/"+c.Indicator] = [2]int{v[0] + c.Den, v[1] + c.Num}
		}
		for i := range n {
			u := fmt.Sprintf("c%03d", i)
			if got := per[u+"/A"]; got != [2]int{i + 1, 1} {
				t.Errorf("%s to %s: %s A %v, want [%d 1]", p.From.Format(time.DateOnly), p.To.Format(time.DateOnly), u, got, i+1)
			}
			if got := per[u+"/"+SensitiveMarker]; got != [2]int{1, i % 2} {
				t.Errorf("%s to %s: %s sensitive %v", p.From.Format(time.DateOnly), p.To.Format(time.DateOnly), u, got)
			}
		}
		if len(per) != 2*n {
			t.Errorf("%d groups, want %d", len(per), 2*n)
		}
		city, err := s.CountFacts(ctx, indicator.FactsQuery{Parts: []indicator.FactsPart{p}, Indicators: []string{"A"}, Level: survey.LevelCity})
		if err != nil {
			t.Fatal(err)
		}
		den := 0
		for _, c := range city {
			den += c.Den
		}
		if den != wantDen {
			t.Errorf("city: den %d, want %d", den, wantDen)
		}
	}
}

// row is one group of a count, its breakdown (sex and age group) joined.
type row struct {
	Unit, Ind, Sex string
	Den, Num       int
}

// countRows counts q on s and returns its groups as rows, each group's
// parts added up (a store may return a group in parts), zero groups left out.
func countRows(t *testing.T, s Stores, q indicator.FactsQuery) map[row]bool {
	t.Helper()
	cs, err := s.CountFacts(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	sum := map[row][2]int{}
	for _, c := range cs {
		k := row{Unit: c.Unit, Ind: c.Indicator, Sex: c.Sex + c.AgeGroup}
		v := sum[k]
		sum[k] = [2]int{v[0] + c.Den, v[1] + c.Num}
	}
	out := map[row]bool{}
	for k, v := range sum {
		if v[0] != 0 || v[1] != 0 {
			k.Den, k.Num = v[0], v[1]
			out[k] = true
		}
	}
	return out
}

// testRebuildAfterChange: a rebuild's facts, derived from a state of the
// submission that a change has since replaced, do not overwrite the
// change's own: another instance may edit or review while one rebuilds.
func testRebuildAfterChange(t *testing.T, s Stores) {
	cell := func(n int) survey.FactCell {
		return survey.FactCell{Indicator: "A", Sex: "male", AgeGroup: "0-4", Den: n, Num: n}
	}
	sub := newSub("00004", "2026-03-15")
	mustCreate(t, s, sub, facts(sub, cell(1)))
	den := func() int {
		t.Helper()
		cs, err := s.CountFacts(ctx, indicator.FactsQuery{Parts: []indicator.FactsPart{{Hierarchy: "h2025", From: day("2026-01-01"), To: day("2026-12-31")}}, Level: survey.LevelCity})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range cs {
			n += c.Den
		}
		return n
	}
	rebuild := func(of survey.Match, n int) {
		t.Helper()
		f := facts(sub, cell(n))
		f.Of = &of
		if err := s.ReplaceFacts(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	first := survey.Match{Revision: 1, ReviewState: survey.ReviewReceived}
	edited := *sub
	edited.Revision = 2
	if err := s.UpdateSubmission(ctx, &survey.SubmissionChange{Match: first, Next: &edited, History: sub,
		Event: event(survey.EventEdit, &edited), Facts: facts(&edited, cell(5))}); err != nil {
		t.Fatal(err)
	}
	rebuild(first, 9) // read before the edit
	if got := den(); got != 5 {
		t.Errorf("after a rebuild of the state before an edit: %d, want the edit's 5", got)
	}
	second := survey.Match{Revision: 2, ReviewState: survey.ReviewReceived}
	rejected := edited
	rejected.ReviewState = survey.ReviewRejected
	if err := s.UpdateSubmission(ctx, &survey.SubmissionChange{Match: second, Next: &rejected,
		Event: event(survey.EventReview, &rejected), Facts: facts(&rejected)}); err != nil {
		t.Fatal(err)
	}
	rebuild(second, 9) // read before the rejection
	if got := den(); got != 0 {
		t.Errorf("after a rebuild of the state before a rejection: %d, want 0", got)
	}
	rebuild(survey.Match{Revision: 2, ReviewState: survey.ReviewRejected}, 7) // the current state
	if got := den(); got != 7 {
		t.Errorf("after a rebuild of the current state: %d, want 7", got)
	}
}
