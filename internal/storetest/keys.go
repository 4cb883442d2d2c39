package storetest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/protect"
	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/survey"
)

// Key rotation: `khaosat keys rotate` seals every stored answer again
// under a new data key, the submissions' and those of the revisions kept in
// their history, so that the old key can leave the ring.

// rotationWorld is a sealWorld with households edited twice each (two kept
// revisions apiece) and what the admin read of every revision before the
// rotation.
type rotationWorld struct {
	*sealWorld
	ids    []string
	before map[string][]map[string]any // id → answers at revisions 1, 2, 3
}

const (
	rotationHouseholds = 3
	rotationRevisions  = 3 // per household: the submission and two edits
)

func newRotationWorld(t *testing.T, s Stores) *rotationWorld {
	t.Helper()
	w := &rotationWorld{sealWorld: newSealWorld(t, s)}
	for range rotationHouseholds {
		id := uuid.NewString()
		w.submit(t, Household(id, "no"))
		for rev := 1; rev < rotationRevisions; rev++ {
			if _, err := w.life.Edit(ctx, sealAdmin, "household", id, rev, Household(id, "yes", "cash_allowance")); err != nil {
				t.Fatal(err)
			}
		}
		w.ids = append(w.ids, id)
	}
	w.before = w.views(t)
	return w
}

// views returns what the admin reads of every revision of every household.
func (w *rotationWorld) views(t *testing.T) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, id := range w.ids {
		for rev := 1; rev <= rotationRevisions; rev++ {
			out[id] = append(out[id], w.view(t, sealAdmin, id, rev))
		}
	}
	return out
}

// rotate makes a new key current (the old one still in the ring) and
// returns it.
func (w *rotationWorld) rotate(t *testing.T) []byte {
	t.Helper()
	k, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	w.useKeys(t, k, w.key)
	return k
}

// checkRetired drops every key but k from the ring and checks that every
// revision, current and kept, still opens and reads as before, and that
// nothing is left under another key.
func (w *rotationWorld) checkRetired(t *testing.T, k []byte) {
	t.Helper()
	w.useKeys(t, k)
	if d := cmp.Diff(w.before, w.views(t)); d != "" {
		t.Errorf("read with the old key gone (-before +after):\n%s", d)
	}
	subs, err := w.s.SealedNotUnder(ctx, seal.KeyID(k), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	revs, err := w.s.RevisionsSealedNotUnder(ctx, seal.KeyID(k), protect.RevisionKey{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 0 || len(revs) != 0 {
		t.Errorf("still under another key: %d submissions, %d kept revisions", len(subs), len(revs))
	}
}

var wantRotated = protect.ResealCount{Submissions: rotationHouseholds, Revisions: rotationHouseholds * (rotationRevisions - 1)}

// testKeyRotation: a rotation re-encrypts the submissions and their kept
// revisions; with the old key then removed from the ring every revision
// opens as before. A second run finds nothing to do.
func testKeyRotation(t *testing.T, s Stores) {
	w := newRotationWorld(t, s)
	old := seal.KeyID(w.key)
	revs, err := s.RevisionsSealedNotUnder(ctx, "another key", protect.RevisionKey{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != wantRotated.Revisions {
		t.Fatalf("%d kept revisions with sealed answers, want %d", len(revs), wantRotated.Revisions)
	}
	for i, r := range revs {
		if r.Sealed.KeyID != old || (i > 0 && (r.ID < revs[i-1].ID || r.ID == revs[i-1].ID && r.Revision <= revs[i-1].Revision)) {
			t.Fatalf("kept revisions out of (id, revision) order or under another key: %v", revs)
		}
	}
	page, err := s.RevisionsSealedNotUnder(ctx, "another key", protect.RevisionKey{ID: revs[0].ID, Revision: revs[0].Revision}, 1)
	if err != nil || len(page) != 1 || page[0].ID != revs[1].ID || page[0].Revision != revs[1].Revision {
		t.Fatalf("the page after the first kept revision: %v %v", page, err)
	}
	hooks := survey.NewHooks(s, w.in)
	if _, err := hooks.Register(ctx, sealAdmin, survey.NewWebhook{URL: "https://hooks.example.org/in", Events: []string{survey.EventCreate}}); err != nil {
		t.Fatal(err)
	}
	k := w.rotate(t)
	hooks = survey.NewHooks(s, w.in) // the services under the new ring
	use, err := w.answers.KeyUse(ctx, s, hooks, old)
	if err != nil {
		t.Fatal(err)
	}
	if use.Submissions != int64(wantRotated.Submissions) || use.Revisions != int64(wantRotated.Revisions) || use.Facts == 0 || use.Webhooks != 1 {
		t.Errorf("under the old key before the rotation: %+v, want %+v, facts and one webhook secret", use, wantRotated)
	}
	n, err := w.answers.Reseal(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != wantRotated {
		t.Errorf("rotation re-encrypted %+v, want %+v", n, wantRotated)
	}
	if n, err := w.answers.Reseal(ctx, s, nil); err != nil || n != (protect.ResealCount{}) {
		t.Errorf("a second rotation re-encrypted %+v (%v), want nothing", n, err)
	}
	if _, err := w.ind.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := hooks.Reseal(ctx); err != nil || n != 1 {
		t.Errorf("webhook secrets re-encrypted: %d (%v), want 1", n, err)
	}
	if n, err := hooks.Reseal(ctx); err != nil || n != 0 {
		t.Errorf("a second rotation re-encrypted %d webhook secrets (%v), want none", n, err)
	}
	if use, err := w.answers.KeyUse(ctx, s, hooks, old); err != nil || use.InUse() {
		t.Errorf("under the old key after the rotation: %+v (%v), want nothing", use, err)
	}
	w.checkRetired(t, k)
	hs, err := hooks.Store().Webhooks(ctx)
	if err != nil || len(hs) != 1 {
		t.Fatalf("webhooks: %v %v", hs, err)
	}
	if _, err := hooks.OpenSecret(hs[0]); err != nil {
		t.Errorf("the webhook secret does not open under the new key alone: %v", err)
	}
	if err := s.SetWebhookSecret(ctx, hs[0].ID, "not what is stored", "x"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("a webhook secret replaced over another value: %v, want not found", err)
	}
}

// stopRotation fails the rotation's writes of kept revisions after the
// first few: an interrupted rotation.
type stopRotation struct {
	Stores
	left atomic.Int32
}

var errRotationStopped = errors.New("stopped")

func (s *stopRotation) ResealRevision(c context.Context, cur, next *survey.Submission) error {
	if s.left.Add(-1) < 0 {
		return errRotationStopped
	}
	return s.Stores.ResealRevision(c, cur, next)
}

// testKeyRotationInterrupted: a rotation stopped half way through the kept
// revisions is run again and finishes; nothing is lost or done twice.
func testKeyRotationInterrupted(t *testing.T, s Stores) {
	w := newRotationWorld(t, s)
	k := w.rotate(t)
	stop := &stopRotation{Stores: s}
	stop.left.Store(2)
	n, err := w.answers.Reseal(ctx, stop, nil)
	if !errors.Is(err, errRotationStopped) || n.Submissions != rotationHouseholds || n.Revisions != 2 {
		t.Fatalf("interrupted rotation: %+v %v", n, err)
	}
	n, err = w.answers.Reseal(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (protect.ResealCount{Revisions: wantRotated.Revisions - 2}); n != want {
		t.Errorf("the rerun re-encrypted %+v, want %+v", n, want)
	}
	w.checkRetired(t, k)
}

// testRaceRotations: ten rotations under the same new key at once (an
// operator starting it twice, several instances): each kept revision ends
// under the new key, and opens.
func testRaceRotations(t *testing.T, s Stores) {
	w := newRotationWorld(t, s)
	k := w.rotate(t)
	errs := together(10, func(int) error { _, err := w.answers.Reseal(ctx, s, nil); return err })
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	w.checkRetired(t, k)
}

// testRaceResealsOfOneRevision: ten writes of new sealed answers into one
// kept revision, each from the box it read: exactly one wins.
func testRaceResealsOfOneRevision(t *testing.T, s Stores) {
	w := newRotationWorld(t, s)
	w.rotate(t)
	revs, err := s.RevisionsSealedNotUnder(ctx, "another key", protect.RevisionKey{}, 1)
	if err != nil || len(revs) != 1 {
		t.Fatalf("a kept revision: %v %v", revs, err)
	}
	cur := revs[0]
	nexts := make([]*survey.Submission, 10)
	for i := range nexts {
		n := *cur
		n.Sealed = &survey.SealedAnswers{KeyID: "k2", Box: []byte(uuid.NewString())}
		nexts[i] = &n
	}
	errs := together(10, func(i int) error { return s.ResealRevision(ctx, cur, nexts[i]) })
	if n := wins(t, errs, survey.ErrNotFound); n != 1 {
		t.Fatalf("%d of 10 concurrent writes of one kept revision won, want exactly one", n)
	}
	got, err := s.HistoryRevision(ctx, cur.ID, cur.Revision)
	if err != nil {
		t.Fatal(err)
	}
	won := false
	for i, err := range errs {
		won = won || (err == nil && survey.SameSealed(got.Sealed, nexts[i].Sealed))
	}
	if !won {
		t.Errorf("the kept revision holds %v, not the winner's box", got.Sealed)
	}
}

// testEditKeepsUnderCurrentKey: an edit made while a rotation runs (the
// new key current, the submission not re-encrypted yet) keeps the previous
// revision under the new key: the rotation may have gone past it already.
func testEditKeepsUnderCurrentKey(t *testing.T, s Stores) {
	w := newSealWorld(t, s)
	id := uuid.NewString()
	w.submit(t, Household(id, "yes", "cash_allowance"))
	before := w.view(t, sealAdmin, id, 1)
	k, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	w.useKeys(t, k, w.key)
	if _, err := w.life.Edit(ctx, sealAdmin, "household", id, 1, Household(id, "no")); err != nil {
		t.Fatal(err)
	}
	kept, err := s.HistoryRevision(ctx, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	if kept.Sealed == nil || kept.Sealed.KeyID != seal.KeyID(k) {
		t.Fatalf("the kept revision is sealed under %v, want the current key %s", kept.Sealed, seal.KeyID(k))
	}
	w.useKeys(t, k)
	if d := cmp.Diff(before, w.view(t, sealAdmin, id, 1)); d != "" {
		t.Errorf("kept revision (-before +after):\n%s", d)
	}
}
