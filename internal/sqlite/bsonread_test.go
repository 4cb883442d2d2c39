package sqlite

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/bsonplain"
	"github.com/khaosat/khaosat/internal/survey"
)

// referenceDecode is how submissions were decoded before docDecoder: the
// driver's struct codec, then bsonplain.Value. The walker must agree with it.
func referenceDecode(raw []byte) (*survey.Submission, error) {
	var d submissionDoc
	if err := bson.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	s := &survey.Submission{
		ID: d.ID, FormID: d.Form, FormVersion: d.FormVersion, Unit: d.Unit, SurveyDate: d.SurveyDate.UTC(),
		StartedAt: utcPtr(d.StartedAt), EndedAt: utcPtr(d.EndedAt), DeviceID: d.DeviceID, Data: bsonplain.Map(d.Data),
		Collector: d.Collector, CollectorName: d.CollectorName, ReceivedAt: d.ReceivedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
		UpdatedBy: d.UpdatedBy, Revision: d.Revision, ReviewState: d.ReviewState, ContentHash: d.ContentHash,
		DeletedAt: utcPtr(d.DeletedAt), DeletedBy: d.DeletedBy,
	}
	if d.Location != nil {
		s.Location = &survey.Location{Lat: d.Location.Lat, Lon: d.Location.Lon, Accuracy: d.Location.Accuracy}
	}
	if d.Sealed != nil {
		s.Sealed = &survey.SealedAnswers{KeyID: d.Sealed.Key, Box: d.Sealed.Box}
	}
	if n := d.LastReview; n != nil {
		s.LastReview = &survey.ReviewNote{State: n.State, Comment: n.Comment, At: n.At.UTC(), By: n.By, ByName: n.ByName}
	}
	return s, nil
}

func testSubmissions() map[string]*survey.Submission {
	at := time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.UTC)
	before := time.Date(1969, 12, 31, 23, 59, 59, 1_000_000, time.UTC) // a negative millisecond count
	acc := 4.5
	return map[string]*survey.Submission{
		"bare": {ID: "a", FormID: "household", FormVersion: 1, Unit: "00292", SurveyDate: at.Truncate(24 * time.Hour), ReceivedAt: at, UpdatedAt: at, Revision: 1, ReviewState: "received"},
		"full": {
			ID: "b", FormID: "household", FormVersion: 3, Unit: "00008", SurveyDate: before, StartedAt: &before, EndedAt: &at,
			DeviceID: "dev-1", Location: &survey.Location{Lat: 21.0285, Lon: 105.8542, Accuracy: &acc},
			Data: map[string]any{
				"head_name": "Nguyễn Văn A", "members_total": int64(5), "income": 1.25, "poor": true, "note": nil,
				"big":      int64(math.MaxInt64),
				"visit":    at,
				"address":  map[string]any{"village": "Thôn Đông", "code": int64(7), "sub": map[string]any{"x": []any{}}},
				"children": []any{map[string]any{"full_name": "B", "sex": int64(1), "dob": before}, map[string]any{}, "odd", int64(-3)},
				"tags":     []any{"a", "b", nil, false, 2.5},
				"empty":    map[string]any{},
			},
			Collector: "u1", CollectorName: "thu", ReceivedAt: at, UpdatedAt: at, UpdatedBy: "sup", Revision: 7, ReviewState: "approved",
			ContentHash: "h", Sealed: &survey.SealedAnswers{KeyID: "k2", Box: []byte{0, 1, 2, 255}},
			LastReview: &survey.ReviewNote{State: "approved", Comment: "ok", At: at, By: "u2", ByName: "sup"},
			DeletedAt:  &at, DeletedBy: "adm",
		},
		"location without accuracy": {ID: "c", Location: &survey.Location{Lat: -1, Lon: 0}, Data: map[string]any{"n": int64(0)}},
		"exotic answers": {ID: "d", Data: map[string]any{
			"bin": bson.Binary{Subtype: 0x80, Data: []byte("xy")}, "oid": bson.ObjectID{1, 2, 3}, "int32": int32(-5),
			"dec": bson.NewDecimal128(1, 2), "regex": bson.Regex{Pattern: "a.*", Options: "i"},
		}},
	}
}

// TestDocDecoderAgrees: the BSON walker decodes every stored shape into
// exactly what the struct codec and bsonplain.Value gave.
func TestDocDecoderAgrees(t *testing.T) {
	for name, sub := range testSubmissions() {
		t.Run(name, func(t *testing.T) {
			raw, err := encodeSubmission(sub)
			if err != nil {
				t.Fatal(err)
			}
			want, err := referenceDecode(raw)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range []*docDecoder{{}, newDocDecoder()} {
				got, err := d.submission(raw)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got, cmpopts.EquateComparable(bson.Decimal128{})); diff != "" {
					t.Errorf("(-reference +walker):\n%s", diff)
				}
			}
		})
	}
}

// TestDocDecoderAcceptsLegacyTypes: integers written as int32 or as an
// integral double, and nulls, read as the struct codec read them.
func TestDocDecoderAcceptsLegacyTypes(t *testing.T) {
	raw, err := bson.Marshal(bson.D{
		{Key: "id", Value: "x"}, {Key: "form_version", Value: int32(2)}, {Key: "revision", Value: 3.0},
		{Key: "device_id", Value: nil}, {Key: "deleted_at", Value: nil}, {Key: "location", Value: nil},
		{Key: "sealed", Value: bson.D{{Key: "key", Value: "k"}, {Key: "box", Value: bson.Binary{Subtype: 0x02, Data: []byte{3, 0, 0, 0, 'a', 'b', 'c'}}}}},
		{Key: "unknown_field", Value: bson.D{{Key: "a", Value: 1}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want, err := referenceDecode(raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := newDocDecoder().submission(raw)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateComparable(bson.Decimal128{})); diff != "" {
		t.Errorf("(-reference +walker):\n%s", diff)
	}
}

// TestDocDecoderRejectsDamage: a truncated or corrupted document is an
// error, never a panic or a half-read submission.
func TestDocDecoderRejectsDamage(t *testing.T) {
	raw, err := encodeSubmission(testSubmissions()["full"])
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(raw); n++ {
		if sub, err := newDocDecoder().submission(raw[:n]); err == nil {
			t.Fatalf("%d of %d bytes decoded: %+v", n, len(raw), sub)
		}
	}
	for i := 4; i < len(raw)-1; i++ { // every byte changed in turn: an error or a value, never a panic
		bad := append([]byte{}, raw...)
		bad[i] ^= 0xFF
		_, _ = newDocDecoder().submission(bad)
	}
	wrong, err := bson.Marshal(bson.D{{Key: "id", Value: int32(1)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newDocDecoder().submission(wrong); err == nil {
		t.Error("a number for the id decoded")
	}
}

func FuzzDocDecoder(f *testing.F) {
	for _, s := range testSubmissions() {
		raw, err := encodeSubmission(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := newDocDecoder().submission(raw)
		if err != nil {
			return
		}
		want, err := referenceDecode(raw)
		if err != nil {
			return // the walker is lenient where the driver is strict (e.g. unknown keys' types)
		}
		if caseVariantKeys(raw) {
			return // the struct codec also takes "Survey_Date" for survey_date; stored keys are the encoder's
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateComparable(bson.Decimal128{})); diff != "" {
			t.Errorf("(-reference +walker):\n%s", diff)
		}
	})
}

// caseVariantKeys reports whether a key of the document, or of its
// location, sealed or last_review document, has an upper-case letter.
func caseVariantKeys(raw []byte) bool {
	elems, err := bson.Raw(raw).Elements()
	if err != nil {
		return true
	}
	for _, e := range elems {
		k := e.Key()
		if k != strings.ToLower(k) {
			return true
		}
		if k == "location" || k == "sealed" || k == "last_review" {
			if doc, ok := e.Value().DocumentOK(); ok && caseVariantKeys(doc) {
				return true
			}
		}
	}
	return false
}

// TestDocDecoderKeepsShortTexts: a short text read again is the value
// already read (no allocation), a long one is not kept, and the table
// stops growing at its bound.
func TestDocDecoderKeepsShortTexts(t *testing.T) {
	enc := func(s string) []byte {
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(s)+1))
		return append(append(b, s...), 0)
	}
	d := newDocDecoder()
	yes := enc("yes")
	if n := testing.AllocsPerRun(100, func() {
		if v, err := d.text(yes); err != nil || v != "yes" {
			t.Fatalf("text: %v, %v", v, err)
		}
	}); n != 0 {
		t.Errorf("a short text read again: %v allocations, want 0", n)
	}
	long := strings.Repeat("x", internTextLen+1)
	if v, err := d.text(enc(long)); err != nil || v != long {
		t.Fatalf("text: %v, %v", v, err)
	}
	if _, kept := d.texts[long]; kept {
		t.Error("a long text was kept")
	}
	for i := range 2 * internMax {
		if _, err := d.text(enc(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	if len(d.texts) != internMax {
		t.Errorf("%d texts kept, want at most %d", len(d.texts), internMax)
	}
	if _, err := d.text([]byte{4, 0, 0, 0, 'a', 'b', 'c'}); err == nil {
		t.Error("a text without its terminating zero was read")
	}
}
