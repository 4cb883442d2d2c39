package protect

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/schema"
	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/survey"
)

// TestJSONStringLen: the padding's measure of a text is what json.Marshal
// writes for it, escapes included.
func TestJSONStringLen(t *testing.T) {
	for _, s := range []string{"", "Nguyễn Thị Lan", `a"b\c`, "<b>&</b>", "tab\tnew\nline\r", "\x00\x1f", "\u2028\u2029", "bad \xff utf-8", "日本語"} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonStringLen(s); got != len(want) {
			t.Errorf("jsonStringLen(%q) = %d, json.Marshal writes %d bytes", s, got, len(want))
		}
	}
}

// TestPadUnpad: padding is spaces after the JSON, stripped on reading; a
// box sealed before padding reads as it is.
func TestPadUnpad(t *testing.T) {
	pt := []byte(`{"/a":"x y "}`)
	got := pad(pt, sealBound{fixed: 40})
	if len(got) != 40 || !bytes.Equal(unpad(got), pt) {
		t.Errorf("pad to 40: %q", got)
	}
	if got := pad(pt, sealBound{fixed: 4}); len(got) != 256 || !bytes.Equal(unpad(got), pt) {
		t.Errorf("past the bound: %d bytes, want the 256 fallback", len(got))
	}
	if !bytes.Equal(unpad(pt), pt) {
		t.Error("an unpadded box changed on reading")
	}
	for text, want := range map[int]int{0: 40, 1: 104, 64: 104, 65: 168, 200: 296} {
		if got := (sealBound{fixed: 40, text: text}).target(); got != want {
			t.Errorf("target with %d bytes of text: %d, want %d", text, got, want)
		}
	}
}

// compiledSealed compiles a shipped form as the catalog gives it: every
// field of an x-sensitive-form form marked sensitive.
func compiledSealed(t testing.TB, name string) *schema.Form {
	t.Helper()
	raw, err := khaosat.Content.ReadFile("forms/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	sf, err := schema.Compile(raw)
	if err != nil {
		t.Fatal(err)
	}
	return sf.WithSensitive(schema.SensitivePaths(sf))
}

// boxSizes seals each of answers (API form) and returns the box sizes,
// checking that each opens to what was sealed.
func boxSizes(t *testing.T, sf *schema.Form, answers []map[string]any) []int {
	t.Helper()
	key, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := seal.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	in := New(ring, nil)
	var out []int
	for _, a := range answers {
		sub := &survey.Submission{ID: "s1", FormID: "f", Data: sf.ToStorage(a)}
		stored, err := in.SealForStore(sf, sub)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Sealed == nil {
			t.Fatalf("no box for %v", a)
		}
		all, _, err := in.BoxAnswers(sf, stored)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(sf.FromStorage(sub.Data), sf.FromStorage(all)); d != "" {
			t.Errorf("the box does not open to what was sealed (-want +got):\n%s", d)
		}
		out = append(out, len(stored.Sealed.Box))
	}
	return out
}

func allSame(t *testing.T, what string, sizes []int) {
	t.Helper()
	for _, n := range sizes {
		if n != sizes[0] {
			t.Errorf("%s: box sizes %v", what, sizes)
			return
		}
	}
}

// TestPaddedHIV: whatever the choices of the hiv form (every code of
// every choice, every status, no support or all of it) and whatever a
// name of ordinary length, the box has one size, and nothing stays in
// clear.
func TestPaddedHIV(t *testing.T) {
	sf := compiledSealed(t, "hiv")
	base := func() map[string]any {
		return map[string]any{"child_id": "1fcd03ab-2314-4244-b8b7-42869627dfad", "full_name": "Lê Văn An", "sex": "male", "date_of_birth": "2015-06-07",
			"hiv_status": "negative", "mother_status": "alive_healthy", "father_status": "unknown", "household_adult_ill": "no",
			"caregiver": "parent", "attends_school": "yes", "support_received": []any{}}
	}
	var answers []map[string]any
	for _, f := range sf.Fields {
		for _, c := range f.Choices {
			a := base()
			a[f.Name] = c.Code
			answers = append(answers, a)
		}
	}
	all := base()
	all["support_received"] = []any{"medical", "psychosocial", "material", "education"}
	all["hiv_status"], all["on_art"] = "positive", "yes"
	noID := base()
	delete(noID, "child_id")
	long := base()
	long["full_name"] = "Nguyễn Thị Ngọc Bích Trâm Anh"
	answers = append(answers, all, noID, long)
	allSame(t, "hiv", boxSizes(t, sf, answers))
	if rest, _ := sf.Strip(sf.ToStorage(base()), sensitive); len(rest) != 0 {
		t.Errorf("in clear: %v", rest)
	}
}

// TestPaddedHousehold: a child in no special circumstance, in each one,
// in all of them, or with no sensitive answer at all: one box size.
func TestPaddedHousehold(t *testing.T) {
	sf := compiledSealed(t, "household")
	household := func(child map[string]any) map[string]any {
		c := map[string]any{"child_id": "0b6f3f52-5d0a-4a57-9d43-2a9f4d1c0e11", "full_name": "Nguyễn Thị Lan", "sex": "female"}
		for k, v := range child {
			c[k] = v
		}
		return map[string]any{"address": "Số 12", "head_name": "Nguyễn Văn Hùng", "members_total": 2, "children": []any{c}}
	}
	answers := []map[string]any{household(nil), household(map[string]any{"special_circumstances": []any{}})}
	var every, types []any
	for _, c := range sf.Field("/children/*/special_circumstances").Choices {
		every = append(every, c.Code)
		answers = append(answers, household(map[string]any{"special_circumstances": []any{c.Code}, "receiving_support": "no"}))
	}
	for _, c := range sf.Field("/children/*/support_types").Choices {
		types = append(types, c.Code)
	}
	answers = append(answers, household(map[string]any{"special_circumstances": every, "receiving_support": "yes", "support_types": types}))
	sizes := boxSizes(t, sf, answers)
	allSame(t, "household", sizes)
	t.Logf("one child: box of %d bytes", sizes[0])

	// Eleven children (two-digit pointers): none in a circumstance, or
	// the last one in all of them.
	eleven := func(last map[string]any) map[string]any {
		h := household(nil)
		c := h["children"].([]any)[0]
		kids := []any{}
		for range 10 {
			kids = append(kids, c)
		}
		h["children"] = append(kids, household(last)["children"].([]any)[0])
		return h
	}
	allSame(t, "eleven children", boxSizes(t, sf, []map[string]any{eleven(nil),
		eleven(map[string]any{"special_circumstances": every, "receiving_support": "yes", "support_types": types})}))
}

// BenchmarkSealPadded measures sealing a 3-child household's answers for
// the store (padded, as intake does) against the same work unpadded (what
// intake did before), in the same run: padded/unpadded is the cost the
// padding adds to that step of intake.
func BenchmarkSealPadded(b *testing.B) {
	raw, err := os.ReadFile("../../forms/testdata/household/valid/three_children.json")
	if err != nil {
		b.Fatal(err)
	}
	var api map[string]any
	if err := json.Unmarshal(raw, &api); err != nil {
		b.Fatal(err)
	}
	sf := compiledSealed(b, "household")
	key, _ := seal.NewKey()
	ring, err := seal.NewKeyring(key)
	if err != nil {
		b.Fatal(err)
	}
	in := New(ring, nil)
	sub := &survey.Submission{ID: "s1", FormID: "household", Data: sf.ToStorage(api)}
	unpadded := func() {
		_, removed := sf.Strip(sub.Data, sensitive)
		all := sf.FromStorage(sub.Data)
		vals := make(map[string]any, len(removed))
		for _, p := range removed {
			vals[p], _ = schema.GetPointer(all, p)
		}
		pt, _ := json.Marshal(vals)
		if _, _, err := ring.Seal(pt, sealAAD(sub)); err != nil {
			b.Fatal(err)
		}
	}
	padded := func() {
		if _, err := in.SealForStore(sf, sub); err != nil {
			b.Fatal(err)
		}
	}
	var tp, tu time.Duration
	for range b.N {
		start := time.Now()
		unpadded()
		tu += time.Since(start)
		start = time.Now()
		padded()
		tp += time.Since(start)
	}
	b.ReportMetric(float64(tu.Nanoseconds())/float64(b.N), "ns/unpadded")
	b.ReportMetric(float64(tp.Nanoseconds())/float64(b.N), "ns/padded")
	b.ReportMetric(float64(tp)/float64(tu), "padded/unpadded")
}
