package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/export"
	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/protect"
	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/survey"
)

// RawCopies returns every stored copy of a submission exactly as the
// engine holds it: its row or document and those of its kept revisions.
type RawCopies func(t *testing.T, s Stores, id string) [][]byte

// SealStored runs the tests of sealing answers already stored (issue 13,
// item 6) against an engine: household answers that version 1 did not
// mark sensitive (receiving_support, support_types) are found in clear in
// the raw stored bytes, and after the shipped version is published and the
// sealer has run they are found nowhere in clear, with nothing lost,
// whatever ran at the same time. race names why the engine cannot keep
// the race (as Caveats.NoAtomicConditionalUpdates), or is "".
func SealStored(t *testing.T, open func(t *testing.T) Stores, raw RawCopies, race string) {
	t.Run("Reproduction", func(t *testing.T) { t.Parallel(); testSealReproduction(t, open(t), raw) })
	t.Run("InterruptAndRerun", func(t *testing.T) { t.Parallel(); testSealInterrupted(t, open(t), raw) })
	t.Run("ReviewReadBeforeSealing", func(t *testing.T) { t.Parallel(); testSealReadBefore(t, open(t), raw, false) })
	t.Run("EditReadBeforeSealing", func(t *testing.T) { t.Parallel(); testSealReadBefore(t, open(t), raw, true) })
	t.Run("ExportBound", func(t *testing.T) { t.Parallel(); testExportBound(t, open(t)) })
	for name, fn := range map[string]func(*testing.T, Stores, RawCopies){
		"RaceWithEdits": testSealRace, "RaceResealAndEditOfOneRevision": testRaceResealEdit, "RaceTenResealsOfOneSubmission": testRaceReseals} {
		t.Run(name, func(t *testing.T) {
			if race != "" {
				t.Skip("not kept by this engine: " + race)
			}
			t.Parallel()
			fn(t, open(t), raw)
		})
	}
}

// clearSub is a stored submission from before its answers were sealed,
// and sealed its copy with them sealed (the box stands for them).
func clearSub() (clear, sealed *survey.Submission) {
	clear = newSub("00004", "2026-03-01")
	clear.Sealed = nil
	clear.Data["receiving_support"] = "yes"
	s := *clear
	s.Data = map[string]any{"members_total": int64(5)}
	s.Sealed = &survey.SealedAnswers{KeyID: "k1", Box: []byte(uuid.NewString())}
	return clear, &s
}

// testRaceResealAndEdit: the sealer's write and an edit of the same
// revision at once. Whichever comes first, the edit's answers are what
// stays (the sealer's write never overwrites a newer revision), and the
// edit is never refused because of the sealer (sealing is no new revision).
func testRaceResealEdit(t *testing.T, s Stores, _ RawCopies) {
	for trial := range 20 {
		cur, sealed := clearSub()
		mustCreate(t, s, cur, nil)
		next := edited(cur)
		errs := together(2, func(i int) error {
			if i == 0 {
				return s.ResealAnswers(ctx, cur, sealed)
			}
			return s.UpdateSubmission(ctx, &survey.SubmissionChange{Match: survey.Match{Revision: 1, ReviewState: survey.ReviewReceived},
				Next: next, History: sealed, Event: event(survey.EventEdit, next)})
		})
		if errs[1] != nil {
			t.Fatalf("trial %d: the edit was refused: %v", trial, errs[1])
		}
		if errs[0] != nil && !errors.Is(errs[0], survey.ErrNotFound) {
			t.Fatalf("trial %d: the sealer's write: %v", trial, errs[0])
		}
		got, err := s.Submission(ctx, cur.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Revision != 2 || !cmp.Equal(got.Data, next.Data) || got.Sealed != nil {
			t.Fatalf("trial %d: stored revision %d, data %v, sealed %v; want the edit's", trial, got.Revision, got.Data, got.Sealed)
		}
	}
}

// testRaceReseals: ten sealers write the same submission at once (several
// instances sweeping): one write wins, the others find it changed.
func testRaceReseals(t *testing.T, s Stores, _ RawCopies) {
	cur, _ := clearSub()
	mustCreate(t, s, cur, nil)
	boxes := make([]*survey.Submission, 10)
	for i := range boxes {
		_, boxes[i] = clearSub()
		boxes[i].ID = cur.ID
	}
	errs := together(10, func(i int) error { return s.ResealAnswers(ctx, cur, boxes[i]) })
	if n := wins(t, errs, survey.ErrNotFound); n != 1 {
		t.Fatalf("%d of 10 concurrent seals of one submission won, want exactly one", n)
	}
	got, err := s.Submission(ctx, cur.ID)
	if err != nil {
		t.Fatal(err)
	}
	won := false
	for i, err := range errs {
		won = won || (err == nil && survey.SameSealed(got.Sealed, boxes[i].Sealed))
	}
	if !won || got.Revision != 1 || got.ReviewState != survey.ReviewReceived || got.ContentHash != cur.ContentHash {
		t.Errorf("stored %+v: want the winner's box and nothing else changed", got)
	}
}

// The answers that version 1 of household left in clear.
var newlySealed = []string{"receiving_support", "support_types"}

// sealWorld is the services over one store, on an install that published
// household version 1 as it was before the two answers were marked.
type sealWorld struct {
	s       Stores
	catalog *survey.Catalog
	in      *survey.Intake
	answers *protect.Answers
	life    *survey.Lifecycle
	ind     *indicator.Indicators
	facts   *indicator.Deriver
	log     *slog.Logger
	exports *survey.Exports
	key     []byte // the one data key of the ring
	units   *survey.Units
}

var (
	sealAdmin = survey.Actor{UserID: "u-admin", Username: "admin", Role: survey.RoleAdmin}
	// A supervisor of the commune without the right to see sensitive answers.
	sealSupervisor = survey.Actor{UserID: "u-sup", Username: "sup", Role: survey.RoleSupervisor, Units: []string{"00004"}}
)

func newSealWorld(t *testing.T, s Stores) *sealWorld {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	units, err := survey.LoadUnits(khaosat.Content, khaosat.UnitsDir)
	if err != nil {
		t.Fatal(err)
	}
	w := &sealWorld{s: s, catalog: survey.NewCatalog(s, log), units: units, log: log}
	old := fstest.MapFS{"forms/household.json": {Data: HouseholdV1(t)}}
	if err := w.catalog.PublishDir(ctx, old, "forms"); err != nil {
		t.Fatal(err)
	}
	key, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	w.key = key
	set, err := indicator.LoadSet(khaosat.Content, khaosat.FormsDir, khaosat.IndicatorsFile)
	if err != nil {
		t.Fatal(err)
	}
	w.facts = indicator.NewDeriver(set, units)
	w.useKeys(t, key)
	return w
}

// useKeys builds the world's services over a data key ring of keys (the
// current one first), as a restart with another ring would.
func (w *sealWorld) useKeys(t *testing.T, keys ...[]byte) {
	t.Helper()
	ring, err := seal.NewKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	audit := survey.NewAuditor(w.s)
	w.answers = protect.New(ring, w.catalog)
	if w.in, err = survey.NewIntake(w.s, w.catalog, w.units, survey.Protection{Sealer: ring, Answers: w.answers, HashKey: []byte("a hash key of the contract, 32 bytes"), Audit: audit},
		survey.WithFacts(w.facts), survey.WithFeed(survey.NewFeed(w.s))); err != nil {
		t.Fatal(err)
	}
	w.ind = indicator.NewIndicators(w.facts, w.s, w.in, ring, w.log)
	w.life = survey.NewLifecycle(w.in, w.s, audit)
	w.exports = survey.NewExports(w.in, w.s, audit, export.Formats())
}

// HouseholdV1 is the shipped household form without the x-sensitive marks
// of receiving_support and support_types: version 1 as existing installs
// published it.
func HouseholdV1(t testing.TB) []byte {
	t.Helper()
	raw, err := khaosat.Content.ReadFile("forms/household.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	props := doc["properties"].(map[string]any)["children"].(map[string]any)["items"].(map[string]any)["properties"].(map[string]any)
	for _, name := range newlySealed {
		delete(props[name].(map[string]any), "x-sensitive")
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// publishShipped publishes the shipped forms: household becomes version 2.
func (w *sealWorld) publishShipped(t *testing.T) {
	t.Helper()
	if err := w.catalog.PublishDir(ctx, khaosat.Content, khaosat.FormsDir); err != nil {
		t.Fatal(err)
	}
	v, err := w.catalog.Version(ctx, "household", 2)
	if err != nil {
		t.Fatalf("household version 2 after publishing the shipped file: %v", err)
	}
	if !bytes.Contains([]byte(v.Notes), []byte("receiving_support")) {
		t.Errorf("version 2's notes %q do not say what changed", v.Notes)
	}
}

// Household returns a household envelope on version 1 whose first child is
// in special circumstances, receiving support of the given types.
func Household(id, support string, types ...string) []byte {
	if types == nil {
		types = []string{}
	}
	body, _ := json.Marshal(map[string]any{"id": id, "form_version": 1, "unit": "00004", "survey_date": "2026-03-01",
		"data": map[string]any{"address": "Số 12", "head_name": "Nguyễn Văn Hùng", "members_total": 3, "poverty_status": "poor", "housing": "permanent",
			"children": []any{
				map[string]any{"child_id": uuid.NewString(), "full_name": "Nguyễn Thị Lan", "sex": "female", "date_of_birth": "2014-02-14",
					"birth_registered": "yes", "lives_with": "relatives", "mother_alive": "no", "father_alive": "yes", "in_school": "yes",
					"health_insurance": "yes", "special_circumstances": []any{"double_orphan"}, "receiving_support": support, "support_types": types},
				map[string]any{"child_id": uuid.NewString(), "full_name": "Nguyễn Minh Đức", "sex": "male", "date_of_birth": "2017-09-01",
					"birth_registered": "yes", "lives_with": "both_parents", "mother_alive": "yes", "father_alive": "yes", "in_school": "yes",
					"health_insurance": "yes", "special_circumstances": []any{}},
			}}})
	return body
}

func (w *sealWorld) submit(t *testing.T, body []byte) *survey.Submission {
	t.Helper()
	sub, _, err := w.in.Submit(ctx, sealAdmin, "household", body)
	if err != nil {
		var se *survey.Error
		if errors.As(err, &se) {
			t.Fatalf("submit: %v %+v", err, se.Fields)
		}
		t.Fatalf("submit: %v", err)
	}
	return sub
}

// view returns what actor reads of submission id (at revision rev, or the
// current one when rev is 0).
func (w *sealWorld) view(t *testing.T, actor survey.Actor, id string, rev int) map[string]any {
	t.Helper()
	sub, err := w.life.AtRevision(ctx, sealAdmin, "household", id, rev)
	if rev == 0 {
		sub, err = w.in.Get(ctx, sealAdmin, "household", id)
	}
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := w.in.View(ctx, actor, sub)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// inClear lists the newly sealed answers found in any raw copy of id.
func inClear(t *testing.T, s Stores, raw RawCopies, id string) []string {
	t.Helper()
	var found []string
	for i, c := range raw(t, s, id) {
		for _, name := range append(newlySealed, "special_circumstances") {
			if bytes.Contains(c, []byte(name)) {
				found = append(found, fmt.Sprintf("copy %d: %s", i, name))
			}
		}
	}
	return found
}

func (w *sealWorld) sealAll(t *testing.T, force bool) []protect.SealProgress {
	t.Helper()
	done, err := w.answers.SealAllStored(ctx, w.s, force, nil)
	if err != nil {
		t.Fatal(err)
	}
	return done
}

// outputs are what the sealing must not change: what the admin and a
// supervisor without the right read, the admin's export, and the
// indicator table.
type outputs struct {
	Admin, Supervisor map[string]any
	Export            string
	Table             []indicator.TableRow
}

func (w *sealWorld) outputs(t *testing.T, id string) outputs {
	t.Helper()
	job, err := w.exports.Prepare(ctx, sealAdmin, "household", survey.ExportOptions{Format: "jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := job.Run(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	tab, err := w.ind.Table(ctx, sealAdmin, indicator.TableQuery{Codes: []string{"CSPC_ASSISTED"}, Period: "2026", Level: "city"})
	if err != nil {
		t.Fatal(err)
	}
	return outputs{Admin: w.view(t, sealAdmin, id, 0), Supervisor: w.view(t, sealSupervisor, id, 0), Export: buf.String(), Table: tab.Rows}
}

// testSealReproduction: a household submission stored under version 1
// holds receiving_support and support_types in clear, in its row and in
// the revision its edit kept; after the shipped version 2 is published and
// the sealer ran, neither is in clear anywhere, and nothing anyone reads
// (with the right, or redacted without it), exports or counts changed.
func testSealReproduction(t *testing.T, s Stores, raw RawCopies) {
	w := newSealWorld(t, s)
	id := uuid.NewString()
	w.submit(t, Household(id, "no"))
	if _, err := w.life.Edit(ctx, sealAdmin, "household", id, 1, Household(id, "yes", "cash_allowance", "education")); err != nil {
		t.Fatal(err)
	}
	found := inClear(t, s, raw, id)
	if want := []string{"copy 0: receiving_support", "copy 0: support_types", "copy 1: receiving_support", "copy 1: support_types"}; !cmp.Equal(found, want) {
		t.Fatalf("before: in clear %v, want the finding %v (the row and the kept revision)", found, want)
	}
	before := w.outputs(t, id)
	if _, ok := before.Supervisor["children"].([]any)[0].(map[string]any)["receiving_support"]; !ok {
		t.Fatal("before: a supervisor without the right reads receiving_support; the finding is not reproduced")
	}
	evs := len(allEvents(t, s))

	w.publishShipped(t)
	if p := householdOf(w.sealAll(t, false)); p.Sealed != 1 || p.RevisionsSealed != 1 || !p.Done {
		t.Errorf("the sealer did %+v, want household: 1 submission and 1 kept revision sealed", p)
	}
	if found := inClear(t, s, raw, id); len(found) > 0 {
		t.Errorf("after: still in clear %v", found)
	}
	after := w.outputs(t, id)
	child := after.Supervisor["children"].([]any)[0].(map[string]any)
	for _, name := range append(newlySealed, "special_circumstances") {
		if _, ok := child[name]; ok {
			t.Errorf("after: a supervisor without the right reads %s", name)
		}
		delete(before.Supervisor["children"].([]any)[0].(map[string]any), name)
	}
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("sealing changed what is read, exported or counted (-before +after):\n%s", d)
	}
	if got := w.view(t, sealAdmin, id, 1)["children"].([]any)[0].(map[string]any)["receiving_support"]; got != "no" {
		t.Errorf("the kept revision 1 reads receiving_support %v, want no", got)
	}
	sub, err := w.in.Get(ctx, sealAdmin, "household", id)
	if err != nil || sub.Revision != 2 {
		t.Errorf("after: revision %v (%v), want 2: sealing is no edit", sub, err)
	}
	if n := len(allEvents(t, s)); n != evs {
		t.Errorf("events: %d, want %d: sealing is no change for the feed", n, evs)
	}
	// Facts derived again from the sealed answers count the same.
	if _, err := w.ind.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before.Table, w.outputs(t, id).Table); d != "" {
		t.Errorf("the indicator table after rebuilding the facts (-before +after):\n%s", d)
	}

	// Done, and recorded: the next start has nothing to do; a forced run
	// finds nothing in clear and writes nothing.
	rawBefore := raw(t, s, id)
	if again := w.sealAll(t, false); len(again) != 0 {
		t.Errorf("a second start sealed again: %+v", again)
	}
	for _, p := range w.sealAll(t, true) {
		if p.Sealed != 0 || p.RevisionsSealed != 0 {
			t.Errorf("a forced rerun sealed %+v", p)
		}
	}
	if d := cmp.Diff(rawBefore, raw(t, s, id)); d != "" {
		t.Error("a rerun rewrote stored copies")
	}

	// A phone still on version 1 sends: sealed at intake already.
	late := uuid.NewString()
	w.submit(t, Household(late, "yes", "legal"))
	if found := inClear(t, s, raw, late); len(found) > 0 {
		t.Errorf("a version 1 submission sent after version 2 was published holds %v in clear", found)
	}
	if got := w.view(t, sealSupervisor, late, 0)["children"].([]any)[0].(map[string]any); got["receiving_support"] != nil || got["support_types"] != nil {
		t.Errorf("a supervisor without the right reads %v of the late submission", got)
	}
}

// householdOf picks household's progress out of a sealer's report.
func householdOf(done []protect.SealProgress) protect.SealProgress {
	for _, p := range done {
		if p.Form == "household" {
			return p
		}
	}
	return protect.SealProgress{}
}

// errStopped is the interruption of the sealer.
var errStopped = errors.New("stopped")

// testSealInterrupted: the sealer stops half-way; the rerun ends in the
// state of an uninterrupted run, every answer sealed once and none lost.
func testSealInterrupted(t *testing.T, s Stores, raw RawCopies) {
	w := newSealWorld(t, s)
	const n = 12
	ids := make([]string, n)
	want := map[string]map[string]any{}
	for i := range ids {
		ids[i] = uuid.NewString()
		w.submit(t, Household(ids[i], "yes", []string{"cash_allowance", "education", "legal"}[:1+i%3]...))
		want[ids[i]] = w.view(t, sealAdmin, ids[i], 0)
	}
	w.publishShipped(t)

	stop := &stopAfter{StoredSealStore: s, left: n / 2}
	if _, err := w.answers.SealAllStored(ctx, stop, false, nil); !errors.Is(err, errStopped) {
		t.Fatalf("the interrupted run returned %v, want the interruption", err)
	}
	sealed := 0
	for _, id := range ids {
		if len(inClear(t, s, raw, id)) == 0 {
			sealed++
		}
	}
	if sealed != n/2 {
		t.Fatalf("after the interruption %d of %d sealed, want %d", sealed, n, n/2)
	}
	if p := householdOf(w.sealAll(t, false)); p.Sealed != n-n/2 || !p.Done {
		t.Errorf("the rerun did %+v, want the %d left (the interrupted run is not recorded as done)", p, n-n/2)
	}
	for _, id := range ids {
		if found := inClear(t, s, raw, id); len(found) > 0 {
			t.Errorf("%s: in clear after the rerun: %v", id, found)
		}
		if d := cmp.Diff(want[id], w.view(t, sealAdmin, id, 0)); d != "" {
			t.Errorf("%s: the answers changed (-want +got):\n%s", id, d)
		}
	}
}

// stopAfter lets left answer writes through, then refuses every other.
type stopAfter struct {
	protect.StoredSealStore
	mu   sync.Mutex
	left int
}

func (s *stopAfter) ResealAnswers(c context.Context, cur, next *survey.Submission) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.left == 0 {
		return errStopped
	}
	s.left--
	return s.StoredSealStore.ResealAnswers(c, cur, next)
}

// testSealRace: the sealer runs while every submission is edited (and
// some reviewed) at the same time. Every acknowledged edit is there, the
// revision each edit replaced is kept with its answers, and no copy holds
// the answers in clear.
func testSealRace(t *testing.T, s Stores, raw RawCopies) {
	w := newSealWorld(t, s)
	const n = 30
	ids := make([]string, n)
	for i := range ids {
		ids[i] = uuid.NewString()
		w.submit(t, Household(ids[i], "no"))
	}
	w.publishShipped(t)

	var edited sync.Map
	errs := together(n+1, func(i int) error {
		if i == n {
			_, err := w.answers.SealAllStored(ctx, s, false, nil)
			return err
		}
		id := ids[i]
		if i%3 == 0 {
			_, err := w.life.Review(ctx, sealAdmin, "household", id, survey.ReviewInput{State: survey.ReviewApproved})
			return err
		}
		if _, err := w.life.Edit(ctx, sealAdmin, "household", id, 1, Household(id, "yes", "psychosocial")); err != nil {
			return err
		}
		edited.Store(id, true)
		return nil
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	// What the race left in clear (sealed by its writers or the sealer).
	for _, id := range ids {
		if found := inClear(t, s, raw, id); len(found) > 0 {
			t.Errorf("%s: in clear after the race: %v", id, found)
		}
		got := w.view(t, sealAdmin, id, 0)["children"].([]any)[0].(map[string]any)
		if _, ok := edited.Load(id); ok {
			if got["receiving_support"] != "yes" || !cmp.Equal(got["support_types"], []any{"psychosocial"}) {
				t.Errorf("%s: the acknowledged edit is lost: %v", id, got)
			}
			if old := w.view(t, sealAdmin, id, 1)["children"].([]any)[0].(map[string]any); old["receiving_support"] != "no" {
				t.Errorf("%s: the kept revision 1 reads %v, want receiving_support no", id, old)
			}
		} else if got["receiving_support"] != "no" {
			t.Errorf("%s: a reviewed submission reads %v, want receiving_support no", id, got)
		}
	}
}

// readHook is a store that runs a hook once, right after the next read of
// a submission: the sealer reaches the submission between a writer's read
// and its write.
type readHook struct {
	Stores
	mu    sync.Mutex
	after func()
}

func (h *readHook) Submission(c context.Context, id string) (*survey.Submission, error) {
	sub, err := h.Stores.Submission(c, id)
	h.mu.Lock()
	fn := h.after
	h.after = nil
	h.mu.Unlock()
	if fn != nil {
		fn()
	}
	return sub, err
}

// testSealReadBefore: a review or an edit reads a submission before the
// sealer sealed it and writes after; the review's new state, or the
// revision the edit keeps, must not bring the answers back in clear.
func testSealReadBefore(t *testing.T, s Stores, raw RawCopies, edit bool) {
	h := &readHook{Stores: s}
	w := newSealWorld(t, h)
	id := uuid.NewString()
	w.submit(t, Household(id, "no"))
	w.publishShipped(t)
	h.after = func() {
		if _, err := w.answers.SealAllStored(ctx, s, true, nil); err != nil {
			t.Error(err)
		}
	}
	var err error
	if edit {
		_, err = w.life.Edit(ctx, sealAdmin, "household", id, 1, Household(id, "yes", "nutrition"))
	} else {
		_, err = w.life.Review(ctx, sealAdmin, "household", id, survey.ReviewInput{State: survey.ReviewApproved})
	}
	if err != nil {
		t.Fatal(err)
	}
	if h.after != nil {
		t.Fatal("the writer did not read the submission through the store")
	}
	if found := inClear(t, s, raw, id); len(found) > 0 {
		t.Errorf("a write of a submission read before it was sealed put back %v in clear", found)
	}
	if got := w.view(t, sealAdmin, id, 1)["children"].([]any)[0].(map[string]any)["receiving_support"]; got != "no" {
		t.Errorf("revision 1 reads receiving_support %v, want no", got)
	}
}
