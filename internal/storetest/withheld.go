package storetest

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/survey"
)

// The collector of the commune, who may not see sensitive answers.
var sealCollector = survey.Actor{UserID: "u-col", Username: "col", Role: survey.RoleCollector, Units: []string{"00004"}}

// leftOut returns a household envelope without the answers of name: what
// an editor who was not shown them sends back.
func leftOut(t *testing.T, body []byte, name string) []byte {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	data := env["data"].(map[string]any)
	data["members_total"] = 4
	for _, c := range data["children"].([]any) {
		delete(c.(map[string]any), name)
	}
	out, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// special returns each child's special_circumstances as the admin reads
// them at revision rev.
func (w *sealWorld) special(t *testing.T, id string, rev int) []any {
	t.Helper()
	var out []any
	for _, c := range w.view(t, sealAdmin, id, rev)["children"].([]any) {
		out = append(out, c.(map[string]any)["special_circumstances"])
	}
	return out
}

// collectedHousehold is a household the collector sent, with a child in
// special circumstances: the world, its id, the body sent and each child's
// special_circumstances as the admin reads them.
func collectedHousehold(t *testing.T, s Stores) (*sealWorld, string, []byte, []any) {
	t.Helper()
	w := newSealWorld(t, s)
	id := uuid.NewString()
	body := Household(id, "yes", "cash_allowance")
	if _, _, err := w.in.Submit(ctx, sealCollector, "household", body); err != nil {
		t.Fatal(err)
	}
	return w, id, body, w.special(t, id, 1)
}

// testEditKeepsWithheld: the edit rule of the domain on this engine: an
// edit by the collector that leaves the withheld answers out keeps them,
// and the revision it keeps in history still has them.
func testEditKeepsWithheld(t *testing.T, s Stores) {
	w, id, body, want := collectedHousehold(t, s)
	if len(want) != 2 || want[0] == nil {
		t.Fatalf("stored special circumstances: %v", want)
	}
	if _, err := w.life.Edit(ctx, sealCollector, "household", id, 1, leftOut(t, body, "special_circumstances")); err != nil {
		t.Fatal(err)
	}
	for rev := 1; rev <= 2; rev++ {
		if d := cmp.Diff(want, w.special(t, id, rev)); d != "" {
			t.Errorf("revision %d (-want +got):\n%s", rev, d)
		}
	}
}

// testRaceWithheldEdits: ten edits of one revision at once by the
// collector and a supervisor, both leaving the withheld answers out: the
// merge reads the revision the edit is written against, so exactly one
// wins, the others are stale, and the answers are intact.
func testRaceWithheldEdits(t *testing.T, s Stores) {
	w, id, body, want := collectedHousehold(t, s)
	edit := leftOut(t, body, "special_circumstances")
	errs := together(10, func(i int) error {
		actor := sealCollector
		if i%2 == 1 {
			actor = sealSupervisor
		}
		_, err := w.life.Edit(ctx, actor, "household", id, 1, edit)
		return err
	})
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case survey.ErrorCode(err) != survey.CodePreconditionFailed:
			t.Errorf("a loser got %v, want precondition_failed", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of 10 concurrent edits of one revision won, want exactly one", won)
	}
	if d := cmp.Diff(want, w.special(t, id, 2)); d != "" {
		t.Errorf("after the race (-want +got):\n%s", d)
	}
}
