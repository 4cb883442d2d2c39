package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/survey"
)

// SealSizes runs the tests of what the size of a stored submission says
// to someone holding a backup but no key: nothing about the answers. A
// backup holds the raw copies (raw); their sizes must not separate any two
// answers of the hiv form's statuses, nor any two special circumstances of
// a one-child household, when everything visible in clear is the same; and
// a submission of the hiv form (x-sensitive-form) holds no answer in clear.
func SealSizes(t *testing.T, open func(t *testing.T) Stores, raw RawCopies) {
	t.Run("HIVStatuses", func(t *testing.T) { t.Parallel(); testSizesHIV(t, open(t), raw) })
	t.Run("HouseholdCircumstances", func(t *testing.T) { t.Parallel(); testSizesHousehold(t, open(t), raw) })
	t.Run("StoredDataConverges", func(t *testing.T) { t.Parallel(); testSizesConverge(t, open(t), raw) })
}

// The answers of the hiv form that tell a status, one set per status.
var hivStatuses = map[string]map[string]any{
	"positive_on_art":     {"hiv_status": "positive", "on_art": "yes"},
	"positive_not_on_art": {"hiv_status": "positive", "on_art": "no"},
	"negative":            {"hiv_status": "negative"},
	"unknown":             {"hiv_status": "unknown"},
}

const hivName = "Trần Thị Bí Mật"

// hivBody is an hiv envelope whose answers are the same but for those of
// status.
func hivBody(id, childID string, status map[string]any) []byte {
	data := map[string]any{"child_id": childID, "full_name": hivName, "sex": "female", "date_of_birth": "2015-06-07",
		"mother_status": "alive_healthy", "father_status": "unknown", "household_adult_ill": "no",
		"caregiver": "grandparent", "attends_school": "yes", "support_received": []any{"medical"}}
	for k, v := range status {
		data[k] = v
	}
	body, _ := json.Marshal(map[string]any{"id": id, "form_version": 1, "unit": "00004", "survey_date": "2026-03-01", "data": data})
	return body
}

// oneChild is a household envelope of one child, in the special
// circumstance given ("" for none), receiving support when in one.
func oneChild(id, circumstance string) []byte {
	child := map[string]any{"child_id": "0b6f3f52-5d0a-4a57-9d43-2a9f4d1c0e11", "full_name": "Nguyễn Thị Lan", "sex": "female", "date_of_birth": "2014-02-14",
		"birth_registered": "yes", "lives_with": "relatives", "mother_alive": "yes", "father_alive": "yes", "in_school": "yes",
		"health_insurance": "yes", "special_circumstances": []any{}}
	if circumstance != "" {
		child["special_circumstances"] = []any{circumstance}
		child["receiving_support"], child["support_types"] = "yes", []any{"cash_allowance"}
	}
	body, _ := json.Marshal(map[string]any{"id": id, "form_version": 1, "unit": "00004", "survey_date": "2026-03-01",
		"data": map[string]any{"address": "Số 12", "head_name": "Nguyễn Văn Hùng", "members_total": 2, "poverty_status": "poor", "housing": "permanent",
			"children": []any{child}}})
	return body
}

func (w *sealWorld) submitTo(t *testing.T, form string, body []byte) *survey.Submission {
	t.Helper()
	sub, _, err := w.in.Submit(ctx, sealAdmin, form, body)
	if err != nil {
		var se *survey.Error
		if errors.As(err, &se) {
			t.Fatalf("submit %s: %v %+v", form, err, se.Fields)
		}
		t.Fatalf("submit %s: %v", form, err)
	}
	return sub
}

// sizes returns the size of every raw copy of each submission, by name.
func sizes(t *testing.T, s Stores, raw RawCopies, ids map[string]string) map[string][]int {
	t.Helper()
	out := map[string][]int{}
	for name, id := range ids {
		for _, c := range raw(t, s, id) {
			out[name] = append(out[name], len(c))
		}
	}
	return out
}

// checkSameSizes fails unless every submission's copies have the sizes of
// every other's.
func checkSameSizes(t *testing.T, what string, got map[string][]int) {
	t.Helper()
	var first string
	for name := range got {
		if first == "" || name < first {
			first = name
		}
	}
	for _, n := range got {
		if !cmp.Equal(n, got[first]) {
			t.Errorf("%s: the stored sizes tell the answers apart: %v", what, got)
			return
		}
	}
}

// hivInClear lists the hiv answers found in clear in any raw copy of id.
func hivInClear(t *testing.T, s Stores, raw RawCopies, id string, childID string) []string {
	t.Helper()
	var found []string
	for i, c := range raw(t, s, id) {
		for _, text := range []string{hivName, childID, "full_name", "hiv_status", "date_of_birth", "grandparent", "medical"} {
			if bytes.Contains(c, []byte(text)) {
				found = append(found, fmt.Sprintf("copy %d: %s", i, text))
			}
		}
	}
	return found
}

// testSizesHIV: four submissions of the hiv form, one per status, with
// every other answer the same, are stored at one size, and none holds an
// answer (the child's name, its link to the household roster) in clear;
// what the admin reads back is what was sent.
func testSizesHIV(t *testing.T, s Stores, raw RawCopies) {
	w := newSealWorld(t, s)
	w.publishShipped(t)
	ids := map[string]string{}
	childID := uuid.NewString()
	for name, status := range hivStatuses {
		ids[name] = uuid.NewString()
		w.submitTo(t, "hiv", hivBody(ids[name], childID, status))
	}
	checkSameSizes(t, "hiv, one submission per status", sizes(t, s, raw, ids))
	for name, id := range ids {
		sub, got := w.sealedHIV(t, raw, "hiv "+name, id, childID)
		if got["full_name"] != hivName || got["hiv_status"] != hivStatuses[name]["hiv_status"] || got["date_of_birth"] != "2015-06-07" {
			t.Errorf("hiv %s: the admin reads %v", name, got)
		}
		// Without the right, every answer of the form is withheld.
		got, redacted, err := w.in.View(ctx, sealSupervisor, sub)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 || len(redacted) != 12 {
			t.Errorf("hiv %s: a supervisor without the right reads %v, withheld %v", name, got, redacted)
		}
	}
}

// sealedHIV checks that hiv submission id holds none of its answers in
// clear, and returns it with what the admin reads of it.
func (w *sealWorld) sealedHIV(t *testing.T, raw RawCopies, label, id, childID string) (*survey.Submission, map[string]any) {
	t.Helper()
	if found := hivInClear(t, w.s, raw, id, childID); len(found) > 0 {
		t.Errorf("%s: in clear %v", label, found)
	}
	sub, err := w.in.Get(ctx, sealAdmin, "hiv", id)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := w.in.View(ctx, sealAdmin, sub)
	if err != nil {
		t.Fatal(err)
	}
	return sub, got
}

// testSizesHousehold: one-child households with no special circumstance
// and with each of the circumstances the finding named are stored at one
// size.
func testSizesHousehold(t *testing.T, s Stores, raw RawCopies) {
	w := newSealWorld(t, s)
	w.publishShipped(t)
	ids := map[string]string{}
	for _, c := range []string{"", "hiv", "drug", "violence", "trafficked", "sexual_abuse", "double_orphan", "serious_illness_poor"} {
		ids[c] = uuid.NewString()
		w.submitTo(t, "household", oneChild(ids[c], c))
	}
	checkSameSizes(t, "one-child households, one per circumstance", sizes(t, s, raw, ids))
}

// testSizesConverge: submissions stored as an older release stored them
// (hiv with only the status sealed, unpadded, its name in clear) are found by the sweep at the next start
// and stored again at the size of those stored now, with nothing lost.
func testSizesConverge(t *testing.T, s Stores, raw RawCopies) {
	w := newSealWorld(t, s)
	w.publishShipped(t)
	childID := uuid.NewString()
	hiv := map[string]string{}
	for name, status := range hivStatuses {
		hiv[name] = uuid.NewString()
		sub := w.submitTo(t, "hiv", hivBody(hiv[name], childID, status))
		// As the older release stored it: every answer but the two
		// x-sensitive ones in clear, those sealed unpadded.
		cur, err := s.Submission(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		old := *cur
		old.Data = map[string]any{}
		var clear map[string]any
		json.Unmarshal(hivBody("", childID, nil), &clear)
		for k, v := range clear["data"].(map[string]any) {
			if k != "date_of_birth" && k != "support_received" { // storage forms differ; kept out of clear
				old.Data[k] = v
			}
		}
		pt, _ := json.Marshal(pointers(status))
		ring, err := seal.NewKeyring(w.key)
		if err != nil {
			t.Fatal(err)
		}
		kid, box, err := ring.Seal(pt, []byte("khaosat submission\x00hiv\x00"+sub.ID))
		if err != nil {
			t.Fatal(err)
		}
		old.Sealed = &survey.SealedAnswers{KeyID: kid, Box: box}
		if err := s.ResealAnswers(ctx, cur, &old); err != nil {
			t.Fatal(err)
		}
	}
	if sz := sizes(t, s, raw, hiv); cmp.Equal(sz["negative"], sz["positive_on_art"]) {
		t.Fatalf("the older storage is not reproduced: sizes %v", sz)
	}
	// The older release recorded its last complete sweep of hiv by the
	// paths it sealed then.
	sum := sha256.Sum256([]byte("/hiv_status\n/on_art"))
	if err := s.SetMeta(ctx, "sealed_paths:hiv", hex.EncodeToString(sum[:])); err != nil {
		t.Fatal(err)
	}
	swept := false
	for _, p := range w.sealAll(t, false) {
		swept = swept || p.Form == "hiv" && p.Sealed == len(hiv)
	}
	if !swept {
		t.Error("the next start did not store the hiv submissions again")
	}
	checkSameSizes(t, "hiv after the sweep", sizes(t, s, raw, hiv))
	for name, id := range hiv {
		_, got := w.sealedHIV(t, raw, "hiv "+name+" after the sweep", id, childID)
		if got["full_name"] != hivName || got["hiv_status"] != hivStatuses[name]["hiv_status"] || got["caregiver"] != "grandparent" {
			t.Errorf("hiv %s after the sweep: the admin reads %v", name, got)
		}
	}
}

// pointers returns answers keyed by their JSON pointer, as a box holds
// them.
func pointers(answers map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range answers {
		out["/"+k] = v
	}
	return out
}
