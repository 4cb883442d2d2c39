package mongo_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/mongo"
	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/storetest"
	"github.com/khaosat/khaosat/internal/survey"
)

// TestSensitiveFactsSealedAtRest reads every document of every collection
// as the database holds it, after submissions with sensitive facts were
// created, edited (a kept revision) and rebuilt: the code of the
// sensitive indicator is nowhere, so none of its cells is in clear.
func TestSensitiveFactsSealedAtRest(t *testing.T) {
	t.Parallel()
	s := MustStore(t)
	s.UseFactSealer(storetest.TestFactSealer(t))
	storetest.WriteSensitiveFacts(t, s)

	ctx := context.Background()
	db := s.Database()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	marker := []byte(storetest.SensitiveMarker)
	docs := map[string]int{}
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(ctx) {
			docs[name]++
			if bytes.Contains(cur.Current, marker) {
				t.Errorf("%s: document %v holds a sensitive indicator's cell in clear:\n%s", name, cur.Current.Lookup("_id"), cur.Current)
			}
		}
		if err := cur.Err(); err != nil {
			t.Fatal(err)
		}
		cur.Close(ctx)
	}
	// The test reads what WriteSensitiveFacts left: the submissions and
	// the revision its edit kept.
	if docs["submissions"] < 4 || docs["submission_history"] < 1 {
		t.Fatalf("documents read by collection: %v; want at least 4 submissions and 1 kept revision", docs)
	}
}

// sensitiveCell is a cell of the sensitive indicator WriteSensitiveFacts
// uses; sensitive false makes it the way cells were stored before
// sealing (every cell in clear).
func sensitiveCell(sensitive bool, den, num int) survey.FactCell {
	return survey.FactCell{Indicator: storetest.SensitiveMarker, Sex: "female", AgeGroup: "5-11", Den: den, Num: num, Sensitive: sensitive}
}

// mustFactsSub stores a submission of commune 00004 on 2026-03-01 with
// a clear cell (indicator "A", 1/1) and cells, and returns its facts.
func mustFactsSub(t *testing.T, s *mongo.Store, cells ...survey.FactCell) *survey.Facts {
	t.Helper()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	sub := &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: "00004", SurveyDate: day,
		ReceivedAt: day, UpdatedAt: day, Revision: 1, ReviewState: survey.ReviewReceived, Data: map[string]any{"members_total": int64(3)}}
	f := &survey.Facts{SubmissionID: sub.ID, Form: sub.FormID, Commune: sub.Unit, Hierarchy: "h2025", SurveyDate: day,
		Cells: append([]survey.FactCell{{Indicator: "A", Den: 1, Num: 1}}, cells...)}
	if err := s.CreateSubmission(context.Background(), sub, nil, f); err != nil {
		t.Fatal(err)
	}
	return f
}

// sensitiveQuery asks for every indicator of 2026, the sensitive one among them.
var sensitiveQuery = indicator.FactsQuery{Parts: []indicator.FactsPart{{Hierarchy: "h2025",
	From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}},
	Sensitive: []string{storetest.SensitiveMarker}}

// mustCount returns the summed denominators and numerators by indicator.
func mustCount(t *testing.T, s *mongo.Store, q indicator.FactsQuery) map[string][2]int {
	t.Helper()
	cs, err := s.CountFacts(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]int{}
	for _, c := range cs {
		v := out[c.Indicator]
		out[c.Indicator] = [2]int{v[0] + c.Den, v[1] + c.Num}
	}
	return out
}

// rawFacts returns a submission's document as stored.
func rawFacts(t *testing.T, s *mongo.Store, id string) bson.Raw {
	t.Helper()
	raw, err := s.Database().Collection("submissions").FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// boxOf returns the key id and box of a stored submission's sealed facts.
func boxOf(t *testing.T, s *mongo.Store, id string) (string, []byte) {
	t.Helper()
	fs, ok := rawFacts(t, s, id).Lookup("fs").DocumentOK()
	if !ok {
		t.Fatalf("submission %s has no sealed facts", id)
	}
	_, box := fs.Lookup("b").Binary()
	return fs.Lookup("k").StringValue(), box
}

func mustKeyring(t *testing.T, keys ...[]byte) *seal.Keyring {
	t.Helper()
	ring, err := seal.NewKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

func mustNewKey(t *testing.T) []byte {
	t.Helper()
	k, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestRebuildReseals: ReplaceFacts seals a submission's sensitive cells
// afresh every time, under the current key, so that the rebuild a key
// rotation runs leaves no box under the old key.
func TestRebuildReseals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustStore(t)
	oldKey, newKey := mustNewKey(t), mustNewKey(t)
	s.UseFactSealer(indicator.NewFactSealer(mustKeyring(t, oldKey)))
	f := mustFactsSub(t, s, sensitiveCell(true, 2, 1))
	k0, box0 := boxOf(t, s, f.SubmissionID)
	if k0 != seal.KeyID(oldKey) {
		t.Fatalf("sealed under %s, want the current key %s", k0, seal.KeyID(oldKey))
	}
	if err := s.ReplaceFacts(ctx, f); err != nil {
		t.Fatal(err)
	}
	if _, box1 := boxOf(t, s, f.SubmissionID); bytes.Equal(box1, box0) {
		t.Error("a rebuild under the same key kept the old box: it was not sealed afresh")
	}

	s.UseFactSealer(indicator.NewFactSealer(mustKeyring(t, newKey, oldKey)))
	if err := s.ReplaceFacts(ctx, f); err != nil {
		t.Fatal(err)
	}
	if k, _ := boxOf(t, s, f.SubmissionID); k != seal.KeyID(newKey) {
		t.Fatalf("after the rotation's rebuild the box is under %s, want the new key %s", k, seal.KeyID(newKey))
	}
	// The old key retired: the counts need only the new one.
	s.UseFactSealer(indicator.NewFactSealer(mustKeyring(t, newKey)))
	if diff := cmp.Diff(map[string][2]int{"A": {1, 1}, storetest.SensitiveMarker: {2, 1}}, mustCount(t, s, sensitiveQuery)); diff != "" {
		t.Errorf("counts under the new key alone (-want +got):\n%s", diff)
	}
}

// TestSealedFactsBoundToTheirSubmission: a box copied into another
// submission's document does not open there, and the count says so
// instead of counting it twice.
func TestSealedFactsBoundToTheirSubmission(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustStore(t)
	s.UseFactSealer(storetest.TestFactSealer(t))
	a := mustFactsSub(t, s, sensitiveCell(true, 1, 1))
	b := mustFactsSub(t, s, sensitiveCell(true, 1, 0))
	if diff := cmp.Diff(map[string][2]int{"A": {2, 2}, storetest.SensitiveMarker: {2, 1}}, mustCount(t, s, sensitiveQuery)); diff != "" {
		t.Fatalf("counts (-want +got):\n%s", diff)
	}
	fs := rawFacts(t, s, a.SubmissionID).Lookup("fs")
	if _, err := s.Database().Collection("submissions").UpdateOne(ctx, bson.D{{Key: "_id", Value: b.SubmissionID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "fs", Value: fs}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CountFacts(ctx, sensitiveQuery); err == nil {
		t.Error("a box moved to another submission was opened")
	}
}

// TestSensitiveFactsNeedASealer: with nothing to seal them with, a
// submission with sensitive cells is refused whole (nothing written);
// one with clear cells only is stored.
func TestSensitiveFactsNeedASealer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustStore(t)
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	sub := &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: "00004", SurveyDate: day,
		ReceivedAt: day, UpdatedAt: day, Revision: 1, ReviewState: survey.ReviewReceived, Data: map[string]any{}}
	f := &survey.Facts{SubmissionID: sub.ID, Form: sub.FormID, Commune: sub.Unit, Hierarchy: "h2025", SurveyDate: day,
		Cells: []survey.FactCell{sensitiveCell(true, 1, 1)}}
	if err := s.CreateSubmission(ctx, sub, nil, f); err == nil {
		t.Fatal("sensitive cells stored with no sealer")
	}
	if _, err := s.Submission(ctx, sub.ID); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("the refused submission: %v, want not found", err)
	}
	mustFactsSub(t, s)
}

// TestRebuildSealsCellsStoredInClear: a document from before sealing holds
// its sensitive cells in clear; they are not counted, and the rebuild at
// the next start (ReplaceFacts) moves them into the box.
func TestRebuildSealsCellsStoredInClear(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustStore(t)
	s.UseFactSealer(storetest.TestFactSealer(t))
	f := mustFactsSub(t, s, sensitiveCell(false, 3, 2))
	marker := []byte(storetest.SensitiveMarker)
	if !bytes.Contains(rawFacts(t, s, f.SubmissionID), marker) {
		t.Fatal("the document from before sealing does not hold its cells in clear: the test proves nothing")
	}
	if diff := cmp.Diff(map[string][2]int{"A": {1, 1}}, mustCount(t, s, sensitiveQuery)); diff != "" {
		t.Errorf("before the rebuild (-want +got):\n%s", diff)
	}
	f.Cells[1].Sensitive = true
	if err := s.ReplaceFacts(ctx, f); err != nil {
		t.Fatal(err)
	}
	if raw := rawFacts(t, s, f.SubmissionID); bytes.Contains(raw, marker) {
		t.Errorf("after the rebuild the document still holds a sensitive cell in clear:\n%s", raw)
	}
	if diff := cmp.Diff(map[string][2]int{"A": {1, 1}, storetest.SensitiveMarker: {3, 2}}, mustCount(t, s, sensitiveQuery)); diff != "" {
		t.Errorf("after the rebuild (-want +got):\n%s", diff)
	}
}

// TestSealedFactsGroupAsTheClearOnes: the same cells stored once as a
// clear indicator and once as a sensitive one count into the same groups
// at every level and breakdown: the grouping done here after opening the
// boxes is the $group of the clear cells.
func TestSealedFactsGroupAsTheClearOnes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := MustStore(t)
	s.UseFactSealer(storetest.TestFactSealer(t))
	const clearCode, sealedCode = "CLEAR_TWIN", storetest.SensitiveMarker
	for i, at := range []struct{ district, commune, sex, ag string }{
		{"001", "00004", "male", "0-4"}, {"001", "00004", "female", "0-4"}, {"001", "00007", "female", "5-11"},
		{"002", "00229", "male", "5-11"}, {"002", "00229", "male", "5-11"}, {"", "00999", "female", "12-17"},
	} {
		day := time.Date(2026, 3, 1+i, 0, 0, 0, 0, time.UTC)
		sub := &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: at.commune, SurveyDate: day,
			ReceivedAt: day, UpdatedAt: day, Revision: 1, ReviewState: survey.ReviewReceived, Data: map[string]any{}}
		var cells []survey.FactCell
		for _, code := range []string{clearCode, sealedCode} {
			cells = append(cells, survey.FactCell{Indicator: code, Sex: at.sex, AgeGroup: at.ag, Den: 2 + i, Num: i, Sensitive: code == sealedCode},
				survey.FactCell{Indicator: code, Sex: "male", AgeGroup: "12-17", Den: 1, Num: 1, Sensitive: code == sealedCode})
		}
		f := &survey.Facts{SubmissionID: sub.ID, Form: sub.FormID, Commune: at.commune, District: at.district, Hierarchy: "h2025", SurveyDate: day, Cells: cells}
		if err := s.CreateSubmission(ctx, sub, nil, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, level := range []survey.Level{survey.LevelCommune, survey.LevelDistrict, survey.LevelCity} {
		for _, by := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			q := sensitiveQuery
			q.Level, q.BySex, q.ByAge = level, by[0], by[1]
			cs, err := s.CountFacts(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			groups := map[string]map[indicator.FactCount]int{}
			for _, c := range cs {
				ind := c.Indicator
				c.Indicator = ""
				if groups[ind] == nil {
					groups[ind] = map[indicator.FactCount]int{}
				}
				groups[ind][c]++
			}
			if len(groups[clearCode]) == 0 {
				t.Fatalf("level %s by %v: no clear groups", level, by)
			}
			if diff := cmp.Diff(groups[clearCode], groups[sealedCode]); diff != "" {
				t.Errorf("level %s by sex, age %v: sealed groups differ from the clear ones (-clear +sealed):\n%s", level, by, diff)
			}
		}
	}
}
