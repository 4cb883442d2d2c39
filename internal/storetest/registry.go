package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/registry"
	"github.com/khaosat/khaosat/internal/survey"
)

// RegistryStores is a store that keeps the registry of households and
// children (internal/registry).
type RegistryStores interface {
	Stores
	registry.Store
}

// RunRegistry runs the registry's contract against stores made by open.
func RunRegistry(t *testing.T, open func(t *testing.T) RegistryStores) {
	t.Run("RegistryRevisit", func(t *testing.T) { t.Parallel(); testRegistryRevisit(t, open(t)) })
	t.Run("RegistryRebuildEqualsLive", func(t *testing.T) { t.Parallel(); testRegistryRebuild(t, open(t)) })
	t.Run("RaceRegistrySameSubmissionTwice", func(t *testing.T) { t.Parallel(); testRaceRegistryTwice(t, open(t)) })
	t.Run("RaceRegistryMergeUndo", func(t *testing.T) { t.Parallel(); testRaceMergeUndo(t, open(t)) })
	t.Run("RegistryBuiltOnceFromOlderData", func(t *testing.T) { t.Parallel(); testRegistryBuiltOnce(t, open(t)) })
}

// testRegistryBuiltOnce: submissions stored before there was a registry
// (no observation written with them) leave it empty; it then needs one
// build, after which it has them and needs none.
func testRegistryBuiltOnce(t *testing.T, s RegistryStores) {
	ctx := context.Background()
	if need, err := s.RegistryNeedsRebuild(ctx); err != nil || need {
		t.Fatalf("an empty database needs a rebuild: %v, %v", need, err)
	}
	kid := uuid.NewString()
	old := visitSub(uuid.NewString(), "00070", "2026-03-01", time.Now().UTC().Truncate(time.Millisecond), []map[string]any{regChild(kid, "Nguyễn Văn An", "male", "2015-03-02")})
	if err := s.CreateSubmission(ctx, old, nil, facts(old)); err != nil {
		t.Fatal(err)
	}
	if need, err := s.RegistryNeedsRebuild(ctx); err != nil || !need {
		t.Fatalf("older data, no registry: needs a rebuild = %v, %v", need, err)
	}
	if err := s.RebuildRegistry(ctx, observeStored); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegistryChild(ctx, kid); err != nil {
		t.Errorf("the child of the older data: %v", err)
	}
	if need, err := s.RegistryNeedsRebuild(ctx); err != nil || need {
		t.Errorf("after the build: needs a rebuild = %v, %v", need, err)
	}
}

// regChild is a roster entry of a household submission (storage form).
func regChild(id, name, sex, dob string) map[string]any {
	return map[string]any{"child_id": id, "full_name": name, "sex": sex, "date_of_birth": day(dob)}
}

// visitSub returns a household submission (visit) of household hh.
func visitSub(hh, unit, date string, received time.Time, children []map[string]any, left ...map[string]any) *survey.Submission {
	kids := make([]any, len(children))
	for i, c := range children {
		kids[i] = c
	}
	data := map[string]any{"household_id": hh, "head_name": "Nguyễn Văn Hùng", "address": "Tổ 3, " + unit, "children": kids}
	if len(left) > 0 {
		l := make([]any, len(left))
		for i, x := range left {
			l[i] = x
		}
		data["children_left"] = l
	}
	return &survey.Submission{
		ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: unit, SurveyDate: day(date), Data: data,
		Collector: "u-col", CollectorName: "lan", ReceivedAt: received, UpdatedAt: received, Revision: 1,
		ReviewState: survey.ReviewReceived, ContentHash: "h",
	}
}

// followUpSub returns a labour follow-up naming child ("" names none).
func followUpSub(child, unit, date string, received time.Time) *survey.Submission {
	data := map[string]any{"full_name": "Lê Văn Dũng", "sex": "male", "date_of_birth": day("2012-04-05")}
	if child != "" {
		data["child_id"] = child
	}
	return &survey.Submission{
		ID: uuid.NewString(), FormID: "labour", FormVersion: 1, Unit: unit, SurveyDate: day(date), Data: data,
		Collector: "u-col", CollectorName: "lan", ReceivedAt: received, UpdatedAt: received, Revision: 1,
		ReviewState: survey.ReviewReceived, ContentHash: "h",
	}
}

// regFacts are the facts of sub with what it tells the registry.
func regFacts(sub *survey.Submission) *survey.Facts {
	f := facts(sub)
	if o := registry.ObservationOf(sub, false); o != nil {
		f.Registry = o
	}
	return f
}

func observeStored(_ context.Context, sub *survey.Submission) (*registry.Observation, error) {
	return registry.ObservationOf(sub, false), nil
}

func mustCreateReg(t *testing.T, s RegistryStores, sub *survey.Submission) {
	t.Helper()
	if err := s.CreateSubmission(context.Background(), sub, nil, regFacts(sub)); err != nil {
		t.Fatal(err)
	}
}

// changeReg writes a change of a stored submission with its registry
// observation.
func changeReg(t *testing.T, s RegistryStores, cur *survey.Submission, edit func(next *survey.Submission)) *survey.Submission {
	t.Helper()
	next := *cur
	edit(&next)
	next.Revision = cur.Revision + 1
	if err := s.UpdateSubmission(context.Background(), &survey.SubmissionChange{Match: survey.MatchOf(cur), Next: &next, Facts: regFacts(&next)}); err != nil {
		t.Fatal(err)
	}
	return &next
}

// testRegistryRevisit: a revisit keeps the household and its children, a
// child removed has left with the reason given, a newborn joins; a
// follow-up naming no child registers one, a deleted visit stops counting.
func testRegistryRevisit(t *testing.T, s RegistryStores) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	an, binh, baby := uuid.NewString(), uuid.NewString(), uuid.NewString()
	hh := uuid.NewString()
	first := visitSub(hh, "00070", "2026-01-10", t0, []map[string]any{regChild(an, "Nguyễn Văn An", "male", "2015-03-02"), regChild(binh, "Nguyễn Thị Bình", "female", "2018-07-09")})
	mustCreateReg(t, s, first)
	again := visitSub(hh, "00070", "2026-02-10", t0.Add(time.Second), []map[string]any{regChild(an, "Nguyễn Văn An", "male", "2015-03-02"), regChild(baby, "Nguyễn Văn Cường", "male", "2026-02-01")},
		map[string]any{"child_id": binh, "left_reason": registry.LeftMovedOut})
	mustCreateReg(t, s, again)
	h, err := s.RegistryHousehold(ctx, hh)
	if err != nil {
		t.Fatal(err)
	}
	if h.Visits != 2 || h.Latest.SubmissionID != again.ID {
		t.Errorf("household = %+v, want 2 visits, the latest current", h)
	}
	c, err := s.RegistryChild(ctx, binh)
	if err != nil {
		t.Fatal(err)
	}
	if c.LeftAt == nil || !c.LeftAt.Equal(day("2026-02-10")) || c.LeftReason != registry.LeftMovedOut {
		t.Errorf("child who moved out = %+v", c)
	}
	if _, err := s.RegistryChild(ctx, baby); err != nil {
		t.Errorf("newborn: %v", err)
	}
	fu := followUpSub("", "00070", "2026-02-11", t0.Add(2*time.Second))
	mustCreateReg(t, s, fu)
	if c, err := s.RegistryChild(ctx, fu.ID); err != nil || c.HouseholdID != "" || c.NameKey != "le van dung" {
		t.Errorf("child registered by a follow-up = %+v, %v", c, err)
	}
	linked := followUpSub(an, "00070", "2026-02-12", t0.Add(3*time.Second))
	mustCreateReg(t, s, linked)
	if fus, err := s.RegistryChildFollowUps(ctx, an); err != nil || len(fus) != 1 || fus[0].SubmissionID != linked.ID {
		t.Errorf("follow-ups of a roster child = %+v, %v", fus, err)
	}
	// Deleting the revisit brings back the first visit's state.
	del := t0.Add(4 * time.Second)
	changeReg(t, s, again, func(n *survey.Submission) { n.DeletedAt = &del })
	if c, err := s.RegistryChild(ctx, binh); err != nil || c.LeftAt != nil {
		t.Errorf("after the revisit's deletion = %+v, %v, want back in the household", c, err)
	}
	if _, err := s.RegistryChild(ctx, baby); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("newborn of a deleted visit: %v, want not found", err)
	}
}

// testRegistryRebuild: random visits, revisits, edits, deletions,
// rejections and follow-ups, then the registry rebuilt from the
// submissions equals the live one.
func testRegistryRebuild(t *testing.T, s RegistryStores) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	communes := []string{"00001", "00097", "00070", "00006"}
	names := []string{"Nguyễn Văn An", "nguyen van an", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Nguyễn Văn Anh"}
	type hhState struct {
		id, unit string
		kids     []map[string]any
		last     *survey.Submission
	}
	var hhs []*hhState
	var stored []*survey.Submission
	var childIDs []string
	n := 0
	next := func() time.Time { n++; return t0.Add(time.Duration(n) * time.Millisecond) }
	for i := 0; i < 120; i++ {
		date := fmt.Sprintf("2026-%02d-%02d", 1+rng.IntN(6), 1+rng.IntN(28))
		switch r := rng.IntN(10); {
		case r < 4 || len(hhs) == 0: // a new household
			h := &hhState{id: uuid.NewString(), unit: communes[rng.IntN(len(communes))]}
			for k := 0; k < 1+rng.IntN(3); k++ {
				id := uuid.NewString()
				childIDs = append(childIDs, id)
				h.kids = append(h.kids, regChild(id, names[rng.IntN(len(names))], []string{"male", "female"}[rng.IntN(2)], fmt.Sprintf("201%d-0%d-01", rng.IntN(8), 1+rng.IntN(3))))
			}
			h.last = visitSub(h.id, h.unit, date, next(), h.kids)
			mustCreateReg(t, s, h.last)
			stored = append(stored, h.last)
			hhs = append(hhs, h)
		case r < 7: // a revisit: one child leaves, one is born
			h := hhs[rng.IntN(len(hhs))]
			var left []map[string]any
			if len(h.kids) > 0 && rng.IntN(2) == 0 {
				k := rng.IntN(len(h.kids))
				left = append(left, map[string]any{"child_id": h.kids[k]["child_id"], "left_reason": registry.LeaveReasons[rng.IntN(5)]})
				h.kids = append(h.kids[:k:k], h.kids[k+1:]...)
			}
			id := uuid.NewString()
			childIDs = append(childIDs, id)
			h.kids = append(h.kids, regChild(id, names[rng.IntN(len(names))], "female", "2026-01-01"))
			h.last = visitSub(h.id, h.unit, date, next(), h.kids, left...)
			mustCreateReg(t, s, h.last)
			stored = append(stored, h.last)
		case r < 8: // a follow-up, of a registry child or registering one
			child := ""
			if rng.IntN(2) == 0 && len(childIDs) > 0 {
				child = childIDs[rng.IntN(len(childIDs))]
			}
			f := followUpSub(child, communes[rng.IntN(len(communes))], date, next())
			mustCreateReg(t, s, f)
			stored = append(stored, f)
		default: // an edit, a rejection or a deletion of something stored
			k := rng.IntN(len(stored))
			cur := stored[k]
			switch rng.IntN(3) {
			case 0:
				stored[k] = changeReg(t, s, cur, func(n *survey.Submission) { n.SurveyDate = day(date) })
			case 1:
				stored[k] = changeReg(t, s, cur, func(n *survey.Submission) { n.ReviewState = survey.ReviewRejected })
			default:
				at := next()
				stored[k] = changeReg(t, s, cur, func(n *survey.Submission) { n.DeletedAt = &at })
			}
			for _, h := range hhs {
				if h.last != nil && h.last.ID == cur.ID {
					h.last = stored[k]
				}
			}
		}
	}
	live, err := s.RegistrySnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Households) == 0 || len(live.Children) == 0 || len(live.Candidates) == 0 {
		t.Fatalf("the random registry is too thin to compare: %d households, %d children, %d candidates", len(live.Households), len(live.Children), len(live.Candidates))
	}
	if err := s.RebuildRegistry(ctx, observeStored); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := s.RegistrySnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(live, rebuilt); diff != "" {
		t.Errorf("rebuilt registry differs from the live one (-live +rebuilt):\n%s", diff)
	}
	t.Logf("%d households, %d stays, %d children, %d candidates", len(live.Households), len(live.Stays), len(live.Children), len(live.Candidates))
}

// testRaceRegistryTwice: the same submission stored by many at once feeds
// the registry once.
func testRaceRegistryTwice(t *testing.T, s RegistryStores) {
	ctx := context.Background()
	hh, kid := uuid.NewString(), uuid.NewString()
	sub := visitSub(hh, "00070", "2026-03-01", time.Now().UTC().Truncate(time.Millisecond), []map[string]any{regChild(kid, "Nguyễn Văn An", "male", "2015-03-02")})
	errs := together(20, func(int) error {
		c := *sub
		return s.CreateSubmission(ctx, &c, nil, regFacts(&c))
	})
	if w := wins(t, errs, survey.ErrDuplicate); w != 1 {
		t.Fatalf("%d stores won, want 1", w)
	}
	h, err := s.RegistryHousehold(ctx, hh)
	if err != nil {
		t.Fatal(err)
	}
	if h.Visits != 1 {
		t.Errorf("household has %d visits, want 1", h.Visits)
	}
	if stays, err := s.RegistryChildStays(ctx, kid); err != nil || len(stays) != 1 {
		t.Errorf("child stays = %+v, %v, want 1", stays, err)
	}
}

// testRaceMergeUndo: of concurrent merges of one pair one wins, of
// concurrent undos of it one wins, and the pair is back as it was.
func testRaceMergeUndo(t *testing.T, s RegistryStores) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	a, b := uuid.NewString(), uuid.NewString()
	mustCreateReg(t, s, visitSub(uuid.NewString(), "00070", "2026-03-01", t0, []map[string]any{regChild(a, "Nguyễn Văn An", "male", "2015-03-02")}))
	mustCreateReg(t, s, visitSub(uuid.NewString(), "00070", "2026-03-02", t0.Add(time.Second), []map[string]any{regChild(b, "nguyen van an", "male", "2015-03-02")}))
	before, err := s.RegistrySnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cands, err := s.RegistryCandidates(ctx, registry.KindChild, nil, 10)
	if err != nil || len(cands) != 1 {
		t.Fatalf("candidates = %+v, %v, want the pair", cands, err)
	}
	pair := cands[0]
	ids := make([]string, 10)
	errs := together(10, func(i int) error {
		ids[i] = uuid.NewString()
		return s.RegistryDecide(ctx, &registry.Decision{ID: ids[i], Kind: registry.KindChild, Action: registry.ActionMerge, A: pair.A, B: pair.B,
			Survivor: pair.A, Alias: pair.B, By: "sup", At: t0})
	})
	if w := wins(t, errs, survey.ErrDuplicate); w != 1 {
		t.Fatalf("%d merges won, want 1", w)
	}
	var won string
	for i, err := range errs {
		if err == nil {
			won = ids[i]
		}
	}
	if sv, err := s.RegistrySurvivor(ctx, registry.KindChild, pair.B); err != nil || sv != pair.A {
		t.Fatalf("survivor of the alias = %q, %v", sv, err)
	}
	if c, err := s.RegistryCandidates(ctx, registry.KindChild, nil, 10); err != nil || len(c) != 0 {
		t.Errorf("candidates after the merge = %+v, %v, want none", c, err)
	}
	errs = together(10, func(int) error {
		_, err := s.RegistryUndo(ctx, won, "sup", t0.Add(time.Minute))
		return err
	})
	if w := wins(t, errs, survey.ErrNotFound); w != 1 {
		t.Fatalf("%d undos won, want 1", w)
	}
	if sv, err := s.RegistrySurvivor(ctx, registry.KindChild, pair.B); err != nil || sv != "" {
		t.Errorf("after the undo the alias still points to %q (%v)", sv, err)
	}
	after, err := s.RegistrySnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("undo did not restore the registry (-before +after):\n%s", diff)
	}
}
