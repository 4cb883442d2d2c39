package schema_test

import (
	"encoding/json"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/unicode/norm"

	"github.com/khaosat/khaosat/internal/schema"
)

// sinkAPI is a valid answer to testdata/sink.json in its API form.
const sinkAPI = `{
	"name": "Lan", "count": 3, "ratio": 0.25, "band": "5-17", "dob": "2015-03-01",
	"visit": "2026-06-15T08:30:00+07:00", "scale": 2, "answer": "yes", "tags": ["a", "b"], "flag": true,
	"pets": [{"kind": "yes", "born": "2020-02-29", "weight": 4}, {"kind": "no", "born": "2024-12-31"}],
	"home": {"rooms": 2, "built": "1999-09-09"}
}`

// sinkStored is sinkAPI in its storage form.
func sinkStored() map[string]any {
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	return map[string]any{
		"name": "Lan", "count": int64(3), "ratio": 0.25, "band": "5-17", "dob": date(2015, 3, 1),
		"visit": "2026-06-15T08:30:00+07:00", "scale": int64(2), "answer": "yes", "tags": []any{"a", "b"}, "flag": true,
		"pets": []any{
			map[string]any{"kind": "yes", "born": date(2020, 2, 29), "weight": 4.0},
			map[string]any{"kind": "no", "born": date(2024, 12, 31)},
		},
		"home": map[string]any{"rooms": int64(2), "built": date(1999, 9, 9)},
	}
}

// sinkOut is sinkAPI as FromStorage gives it back.
func sinkOut() map[string]any {
	return map[string]any{
		"name": "Lan", "count": int64(3), "ratio": 0.25, "band": "5-17", "dob": "2015-03-01",
		"visit": "2026-06-15T08:30:00+07:00", "scale": int64(2), "answer": "yes", "tags": []any{"a", "b"}, "flag": true,
		"pets": []any{
			map[string]any{"kind": "yes", "born": "2020-02-29", "weight": 4.0},
			map[string]any{"kind": "no", "born": "2024-12-31"},
		},
		"home": map[string]any{"rooms": int64(2), "built": "1999-09-09"},
	}
}

func TestToStorage(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	data := MustObject(t, sinkAPI)
	if errs := f.Validate(data, surveyDate); errs != nil {
		t.Fatalf("Validate() = %v", errs)
	}
	before := MustObject(t, sinkAPI)
	got := f.ToStorage(data)
	if diff := cmp.Diff(sinkStored(), got); diff != "" {
		t.Errorf("ToStorage() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, data); diff != "" {
		t.Errorf("ToStorage() changed its input (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sinkStored(), f.ToStorage(got)); diff != "" {
		t.Errorf("ToStorage() of the storage form changed it (-want +got):\n%s", diff)
	}
}

func TestToStorageNFC(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	nfd := norm.NFD.String("Ngô Thị Huệ")
	if nfd == "Ngô Thị Huệ" {
		t.Fatal("the test string is already NFC")
	}
	data := map[string]any{"name": nfd, "extra": []any{map[string]any{"x": nfd}}}
	got := f.ToStorage(data)
	want := map[string]any{"name": "Ngô Thị Huệ", "extra": []any{map[string]any{"x": "Ngô Thị Huệ"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ToStorage() mismatch (-want +got):\n%s", diff)
	}
}

// TestToStorageZeroWidth: invisible characters are stripped where text is
// stored, so "Lan" and "La\u200bn" are one name, and the canonical form
// (the retry hash) agrees.
func TestToStorageZeroWidth(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	for in, want := range map[string]string{
		"La\u200bn": "Lan", "\ufeffLan": "Lan", "L\u200da\u200cn\u2060": "Lan",
		norm.NFD.String("Huệ") + "\u200b": "Huệ",
	} {
		got := f.ToStorage(map[string]any{"name": in})
		if got["name"] != want {
			t.Errorf("ToStorage(%q) = %q, want %q", in, got["name"], want)
		}
		a, err := f.Canonical(map[string]any{"name": in})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := f.Canonical(map[string]any{"name": want})
		if string(a) != string(b) {
			t.Errorf("Canonical(%q) = %s, want %s", in, a, b)
		}
	}
	if got := schema.CleanText("Thôn Đông 3"); got != "Thôn Đông 3" {
		t.Errorf("CleanText changed clean text: %q", got)
	}
}

func TestStorageRoundTrip(t *testing.T) {
	for _, form := range formIDs {
		f := MustCompile(t, filepath.Join(formsDir, form+".json"))
		files, _ := filepath.Glob(filepath.Join(formsDir, "testdata", form, "valid", "*.json"))
		for _, file := range files {
			t.Run(form+"/"+filepath.Base(file), func(t *testing.T) {
				data := MustDecodeFile(t, file).(map[string]any)
				back := f.FromStorage(f.ToStorage(data))
				// The round trip gives what the API read, as Go numbers.
				if diff := cmp.Diff(jsonRoundTrip(t, data), jsonRoundTrip(t, back)); diff != "" {
					t.Errorf("FromStorage(ToStorage()) mismatch (-want +got):\n%s", diff)
				}
				if errs := f.Validate(jsonRoundTrip(t, back), surveyDate); errs != nil {
					t.Errorf("Validate(FromStorage(ToStorage())) = %v", errs)
				}
			})
		}
	}
	t.Run("sink", func(t *testing.T) {
		f := MustCompile(t, filepath.Join("testdata", "sink.json"))
		if diff := cmp.Diff(sinkOut(), f.FromStorage(f.ToStorage(MustObject(t, sinkAPI)))); diff != "" {
			t.Errorf("FromStorage(ToStorage()) mismatch (-want +got):\n%s", diff)
		}
	})
}

// jsonRoundTrip encodes v and decodes it with UseNumber.
func jsonRoundTrip(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return MustDecode(t, raw)
}

// Stand-ins for the MongoDB driver's bson.E, bson.D, bson.M, bson.A and
// bson.DateTime, which FromStorage must take without importing the driver.
type (
	bsonE struct {
		Key   string
		Value any
	}
	bsonD        []bsonE
	bsonM        map[string]any
	bsonA        []any
	bsonDateTime int64
)

func (d bsonDateTime) Time() time.Time { return time.UnixMilli(int64(d)) }

func dateTime(y int, m time.Month, d int) bsonDateTime {
	return bsonDateTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).UnixMilli())
}

func TestFromStorageDriverTypes(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	doc := map[string]any{
		"name": "Lan", "count": int32(3), "ratio": 0.25, "band": "5-17", "dob": dateTime(2015, 3, 1),
		"visit": "2026-06-15T08:30:00+07:00", "scale": int32(2), "answer": "yes", "tags": bsonA{"a", "b"}, "flag": true,
		"pets": bsonA{
			bsonD{{"kind", "yes"}, {"born", dateTime(2020, 2, 29)}, {"weight", int32(4)}},
			bsonM{"kind": "no", "born": time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC).Local()},
		},
		"home": bsonD{{"rooms", 2.0}, {"built", dateTime(1999, 9, 9)}},
	}
	if diff := cmp.Diff(sinkOut(), f.FromStorage(doc)); diff != "" {
		t.Errorf("FromStorage() mismatch (-want +got):\n%s", diff)
	}
}

func TestCanonical(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	want := `{"answer":"yes","band":"5-17","count":3,"dob":"2015-03-01","flag":true,"home":{"built":"1999-09-09","rooms":2},` +
		`"name":"Lan","pets":[{"born":"2020-02-29","kind":"yes","weight":4},{"born":"2024-12-31","kind":"no"}],` +
		`"ratio":0.25,"scale":2,"tags":["a","b"],"visit":"2026-06-15T08:30:00+07:00"}`
	same := map[string]map[string]any{
		"API form": MustObject(t, sinkAPI),
		"keys in another order, other number spellings, NFD text": MustObject(t, `{
			"visit": "2026-06-15T08:30:00+07:00", "tags": ["a", "b"], "scale": 2.0, "ratio": 2.5e-1, "pets": [
			{"weight": 4.0, "born": "2020-02-29", "kind": "yes"}, {"born": "2024-12-31", "kind": "no"}],
			"name": "`+norm.NFD.String("Lan")+`", "home": {"built": "1999-09-09", "rooms": 2}, "flag": true,
			"dob": "2015-03-01", "count": 3e0, "band": "5-17", "answer": "yes"}`),
		"storage form": sinkStored(),
		"API output":   sinkOut(),
	}
	for name, data := range same {
		t.Run(name, func(t *testing.T) {
			got, err := f.Canonical(data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, string(got)); diff != "" {
				t.Errorf("Canonical() mismatch (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("1 and 1.0 in a number field", func(t *testing.T) {
		a, errA := f.Canonical(MustObject(t, `{"ratio": 1, "pets": [{"weight": 1}]}`))
		b, errB := f.Canonical(MustObject(t, `{"ratio": 1.0, "pets": [{"weight": 1.00}]}`))
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if string(a) != string(b) || string(a) != `{"pets":[{"weight":1}],"ratio":1}` {
			t.Errorf("Canonical() = %s and %s, want both {\"pets\":[{\"weight\":1}],\"ratio\":1}", a, b)
		}
	})
	t.Run("different content differs", func(t *testing.T) {
		a, _ := f.Canonical(MustObject(t, `{"ratio": 0.25, "name": "Lan <3 & co"}`))
		b, _ := f.Canonical(MustObject(t, `{"ratio": 0.26, "name": "Lan <3 & co"}`))
		if string(a) == string(b) {
			t.Errorf("Canonical() = %s for both", a)
		}
		if want := `{"name":"Lan <3 & co","ratio":0.25}`; string(a) != want {
			t.Errorf("Canonical() = %s, want %s", a, want)
		}
	})
}

// TestFromStorageAt: one answer, as JSON decodes it (json.Number) or as
// it is stored, converts at its instance path to what FromStorage gives
// for the whole document, at any depth.
func TestFromStorageAt(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	api := MustObject(t, sinkAPI)
	stored, want := sinkStored(), sinkOut()
	at := func(doc map[string]any, p ...any) any {
		var v any = doc
		for _, k := range p {
			switch k := k.(type) {
			case string:
				v = v.(map[string]any)[k]
			case int:
				v = v.([]any)[k]
			}
		}
		return v
	}
	for ptr, path := range map[string][]any{
		"/name": {"name"}, "/count": {"count"}, "/ratio": {"ratio"}, "/dob": {"dob"}, "/visit": {"visit"},
		"/scale": {"scale"}, "/tags": {"tags"}, "/flag": {"flag"}, "/pets": {"pets"}, "/home": {"home"},
		"/pets/0/born": {"pets", 0, "born"}, "/pets/0/weight": {"pets", 0, "weight"}, "/pets/1/kind": {"pets", 1, "kind"},
		"/home/rooms": {"home", "rooms"}, "/home/built": {"home", "built"},
	} {
		for from, doc := range map[string]map[string]any{"json": api, "stored": stored} {
			if d := cmp.Diff(at(want, path...), f.FromStorageAt(ptr, at(doc, path...))); d != "" {
				t.Errorf("FromStorageAt(%s) of the %s value (-want +got):\n%s", ptr, from, d)
			}
		}
	}
}

// TestFromStorageInPlace: the same result as FromStorage, in the input's
// own maps and lists.
func TestFromStorageInPlace(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	doc := sinkStored()
	pets := doc["pets"].([]any)
	got := f.FromStorageInPlace(doc)
	if diff := cmp.Diff(sinkOut(), got); diff != "" {
		t.Errorf("FromStorageInPlace() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sinkOut(), doc); diff != "" {
		t.Errorf("the input is not the result (-want +input):\n%s", diff)
	}
	if pets[0].(map[string]any)["born"] != "2020-02-29" {
		t.Errorf("a repeat item was copied, not converted: %v", pets[0])
	}
}

// TestFromStorageInPlaceChanges: in place, every value that converts to
// something else is replaced, however close it is to its old self (-0 and
// 0 compare equal; an integer stored as a double is an int64 again), and
// what converts to itself is left as it was.
func TestFromStorageInPlaceChanges(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	negZero := math.Copysign(0, -1)
	tests := []struct {
		name     string
		key      string
		stored   any
		want     any
		wantBits uint64 // for float64: its bits, so that -0 and 0 differ
	}{
		{"negative zero", "ratio", negZero, 0.0, 0},
		{"integer stored as a double", "count", 3.0, int64(3), 0},
		{"integer of another Go type", "count", int32(3), int64(3), 0},
		{"date", "dob", time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC), "2015-03-01", 0},
		{"text", "name", "Lan", "Lan", 0},
		{"unknown integer", "extra", int32(7), int64(7), 0},
		{"null", "note", nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := map[string]any{tt.key: tt.stored}
			got := f.FromStorageInPlace(doc)[tt.key]
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			if x, ok := got.(float64); ok && math.Float64bits(x) != tt.wantBits {
				t.Errorf("got the float bits %x, want %x", math.Float64bits(x), tt.wantBits)
			}
		})
	}
}
