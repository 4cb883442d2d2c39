package indicator_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

// onlyFacts hides every method of the store but those of FactsStore: a
// service over it cannot tell when facts change, so it keeps nothing and
// decides every query afresh — the reference of the cached service.
type onlyFacts struct{ indicator.FactsStore }

// suppressionWorld is a world with data and a service over the same store
// that keeps no suppression decisions.
func suppressionWorld(t *testing.T, seed uint64) (*world, *indicator.Indicators, gen) {
	w := mustWorld(t, nil)
	g := gen{rand.New(rand.NewPCG(seed, seed*7919))}
	forms := []string{"household", "hiv", "hiv"}
	for range 80 {
		s := g.sub(forms[g.r.IntN(len(forms))])
		w.submit(t, s.form, s.envelope())
	}
	return w, indicator.NewIndicators(w.facts, onlyFacts{w.store}, w.intake, w.ring, w.log), g
}

// agreesWithFresh asks q of w's service twice (the second answer comes
// from the kept decision) as supCity, and fails unless both are ref's.
func agreesWithFresh(t *testing.T, w *world, ref *indicator.Indicators, q indicator.TableQuery, step string) {
	t.Helper()
	ctx := context.Background()
	for range 2 {
		got, err := w.indicators.Table(ctx, supCity, q)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ref.Table(ctx, supCity, q)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.Rows, got.Rows); diff != "" {
			t.Fatalf("%s, %+v (-fresh +kept):\n%s", step, q, diff)
		}
	}
}

var supCity = survey.Actor{UserID: "s-city", Username: "s-city", Role: survey.RoleSupervisor, Units: []string{survey.CityCode}}

// TestSuppressionCacheFollowsWrites: a caller without the sensitive grant
// asks the same tables between writes; every answer is the one a service
// that keeps nothing gives, so a kept decision never outlives the facts it
// was taken on. The writes do change the answers (the test can fail).
func TestSuppressionCacheFollowsWrites(t *testing.T) {
	w, ref, g := suppressionWorld(t, 21)
	ctx := context.Background()
	queries := []indicator.TableQuery{
		{Codes: sensitiveCodes, Period: "2026", Unit: survey.CityCode, Level: "commune", By: []string{"sex", "age_group"}},
		{Codes: sensitiveCodes[:1], Period: "2026", Unit: survey.CityCode, Level: "city"},
	}
	var prev []indicator.TableRow
	changed := 0
	for i := range 15 {
		for _, q := range queries {
			agreesWithFresh(t, w, ref, q, fmt.Sprintf("after %d writes", i))
		}
		got, _ := w.indicators.Table(ctx, supCity, queries[0])
		if prev != nil && !cmp.Equal(prev, got.Rows) {
			changed++
		}
		prev = got.Rows
		s := g.sub([]string{"household", "hiv"}[i%2])
		s.date = day("2026-01-01").AddDate(0, 0, g.r.IntN(100))
		s.unit = newCommunes[g.r.IntN(len(newCommunes))]
		s.data = g.answers(s.form, s.date)
		w.submit(t, s.form, s.envelope())
	}
	if changed == 0 {
		t.Fatal("no write changed the answer: the test does not exercise the cache")
	}
}

// TestSuppressionCacheRace races queries of callers without the grant
// against writes; once the writes stop, the answers are the fresh ones.
// Run with -race.
func TestSuppressionCacheRace(t *testing.T) {
	w, ref, g := suppressionWorld(t, 22)
	ctx := context.Background()
	q := indicator.TableQuery{Codes: sensitiveCodes, Period: "2026", Unit: survey.CityCode, Level: "commune", By: []string{"sex"}}
	var subs []*genSub
	for range 20 {
		s := g.sub("hiv")
		s.date = day("2026-01-01").AddDate(0, 0, g.r.IntN(100))
		s.unit = newCommunes[g.r.IntN(len(newCommunes))]
		s.data = g.answers(s.form, s.date)
		subs = append(subs, s)
	}
	done := make(chan struct{})
	var readers, writers sync.WaitGroup
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := w.indicators.Table(ctx, supCity, q); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 2 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for _, s := range subs[i*10 : i*10+10] {
				w.submit(t, s.form, s.envelope())
			}
		}()
	}
	writers.Wait()
	close(done)
	readers.Wait()
	got, err := w.indicators.Table(ctx, supCity, q)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.Table(ctx, supCity, q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Rows, got.Rows); diff != "" {
		t.Errorf("after the writes (-fresh +kept):\n%s", diff)
	}
}
