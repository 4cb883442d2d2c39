package schema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/schema"
)

// fieldSummary is what TestCompileFields compares of a Field.
type fieldSummary struct {
	Path                  string
	Kind                  schema.Kind
	Required, Conditional bool
	Sensitive, Personal   bool
}

func TestCompileFields(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	if f.ID != "sink" || f.URL != "https://khaosat.example/test/sink.json" || f.Title.EN != "Test form" || f.SensitiveForm {
		t.Errorf("form = %q %q %+v %v", f.ID, f.URL, f.Title, f.SensitiveForm)
	}
	var got []fieldSummary
	f.Walk(func(fl *schema.Field) {
		got = append(got, fieldSummary{fl.Path, fl.Kind, fl.Required, fl.Conditional, fl.Sensitive, fl.Personal})
	})
	want := []fieldSummary{
		{Path: "/name", Kind: "string", Required: true, Personal: true},
		{Path: "/phone", Kind: "string", Personal: true},
		{Path: "/count", Kind: "integer", Required: true},
		{Path: "/ratio", Kind: "number"},
		{Path: "/band", Kind: "choice", Required: true},
		{Path: "/dob", Kind: "date", Required: true},
		{Path: "/visit", Kind: "datetime"},
		{Path: "/code", Kind: "string"},
		{Path: "/answer", Kind: "choice", Conditional: true},
		{Path: "/tags", Kind: "multichoice", Conditional: true, Sensitive: true},
		{Path: "/scale", Kind: "choice", Conditional: true},
		{Path: "/pets", Kind: "repeat"},
		{Path: "/pets/*/kind", Kind: "choice", Required: true},
		{Path: "/pets/*/born", Kind: "date", Required: true},
		{Path: "/pets/*/weight", Kind: "number", Conditional: true},
		{Path: "/secret", Kind: "choice", Sensitive: true},
		{Path: "/note", Kind: "string", Conditional: true},
		{Path: "/flag", Kind: "boolean"},
		{Path: "/mood", Kind: "integer"},
		{Path: "/level", Kind: "integer"},
		{Path: "/home", Kind: "object"},
		{Path: "/home/rooms", Kind: "integer", Required: true},
		{Path: "/home/built", Kind: "date"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Walk() mismatch (-want +got):\n%s", diff)
	}
}

func TestFormField(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	tests := []struct {
		path string
		want *schema.Field
	}{
		{"/pets/*/born", &schema.Field{Name: "born", Path: "/pets/*/born", Kind: schema.KindDate, Required: true,
			Label: schema.Label{VI: "Ngày sinh vật nuôi", EN: "Pet's birth date"}, Age: &schema.AgeRange{Min: 0, Max: 17}}},
		{"/pets/2/born", f.Field("/pets/*/born")},
		{"/answer", &schema.Field{Name: "answer", Path: "/answer", Kind: schema.KindChoice, Conditional: true,
			Label:   schema.Label{VI: "Trả lời", EN: "Answer"},
			Choices: []schema.Choice{{Code: "yes", Label: schema.Label{VI: "Có", EN: "Yes"}}, {Code: "no", Label: schema.Label{VI: "Không", EN: "No"}}}}},
		{"/scale", &schema.Field{Name: "scale", Path: "/scale", Kind: schema.KindChoice, Conditional: true,
			Label: schema.Label{VI: "Thang đo", EN: "Scale"},
			Choices: []schema.Choice{
				{Code: int64(1), Label: schema.Label{VI: "Một", EN: "One"}}, {Code: int64(2), Label: schema.Label{VI: "Hai", EN: "Two"}},
				{Code: int64(3), Label: schema.Label{VI: "Ba", EN: "Three"}}, {Code: int64(4), Label: schema.Label{VI: "Bốn", EN: "Four"}}}}},
		{"/band", &schema.Field{Name: "band", Path: "/band", Kind: schema.KindChoice, Required: true,
			Label:    schema.Label{VI: "Nhóm tuổi", EN: "Age band"},
			Choices:  []schema.Choice{{Code: "2-4", Label: schema.Label{VI: "2–4 tuổi", EN: "Age 2–4"}}, {Code: "5-17", Label: schema.Label{VI: "5–17 tuổi", EN: "Age 5–17"}}},
			AgeBands: &schema.AgeBands{From: "dob", Bands: map[string]schema.AgeRange{"2-4": {Min: 2, Max: 4}, "5-17": {Min: 5, Max: 17}}}}},
		{"/phone", &schema.Field{Name: "phone", Path: "/phone", Kind: schema.KindString, Personal: true,
			Label: schema.Label{VI: "Điện thoại", EN: "Phone"}, Hint: &schema.Label{VI: "8–15 chữ số.", EN: "8–15 digits."}}},
		{"/nope", nil},
		{"/pets/x/born", nil},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, f.Field(tt.path)); diff != "" {
				t.Errorf("Field(%q) mismatch (-want +got):\n%s", tt.path, diff)
			}
		})
	}
	if got := f.Field("/pets").Fields; len(got) != 3 || got[0].Name != "kind" {
		t.Errorf("pets fields = %v, want kind, born, weight", got)
	}
	// An export looks up the field of every sealed answer of every row.
	if n := testing.AllocsPerRun(100, func() { f.Field("/pets/2/born") }); n != 0 {
		t.Errorf("Field of an instance path: %v allocations, want 0", n)
	}
}

func TestAgeBandsBand(t *testing.T) {
	b := &schema.AgeBands{From: "dob", Bands: map[string]schema.AgeRange{"2-4": {Min: 2, Max: 4}, "5-17": {Min: 5, Max: 17}}}
	for age, want := range map[int]string{1: "", 2: "2-4", 4: "2-4", 5: "5-17", 17: "5-17", 18: ""} {
		if got, ok := b.Band(age); got != want || ok != (want != "") {
			t.Errorf("Band(%d) = %q, %v, want %q", age, got, ok, want)
		}
	}
}

func TestLabelIn(t *testing.T) {
	l := schema.Label{VI: "Giới tính", EN: "Sex"}
	for lang, want := range map[string]string{"vi": "Giới tính", "en": "Sex", "": "Giới tính", "fr": "Giới tính"} {
		if got := l.In(lang); got != want {
			t.Errorf("In(%q) = %q, want %q", lang, got, want)
		}
	}
	if got := (schema.Label{VI: "Chỉ tiếng Việt"}).In("en"); got != "Chỉ tiếng Việt" {
		t.Errorf("In(en) without English = %q", got)
	}
}

func TestCompileErrors(t *testing.T) {
	sink, err := os.ReadFile(filepath.Join("testdata", "sink.json"))
	if err != nil {
		t.Fatal(err)
	}
	// edit replaces old by new in the sink form, once.
	edit := func(old, new string) string {
		t.Helper()
		if !strings.Contains(string(sink), old) {
			t.Fatalf("sink.json has no %q", old)
		}
		return strings.Replace(string(sink), old, new, 1)
	}
	tests := []struct {
		name, raw, want string
	}{
		{"not JSON", `{"x-form": `, "unexpected EOF"},
		{"not an object", `[]`, "want a JSON object"},
		{"no x-form", edit(`"x-form": "sink",`, ""), "missing x-form"},
		{"another draft", edit(`draft/2020-12/schema`, `draft-07/schema#`), "$schema"},
		{"not a valid schema", edit(`"minLength": 1, "maxLength": 10`, `"minLength": "one"`), "/properties/name/minLength: got string, want integer"},
		{"a remote reference", edit(`"$ref": "#/$defs/yes_no", "x-label": {"vi": "Trả lời"`, `"$ref": "https://example.com/yes_no.json", "x-label": {"vi": "Trả lời"`), "may only reference itself"},
		{"unknown annotation", edit(`"x-personal": true}`, `"x-private": true}`), "unknown annotation x-private"},
		{"flag not true", edit(`"x-sensitive": true}`, `"x-sensitive": "yes"}`), "x-sensitive must be true"},
		{"x-personal neither true nor omit", edit(`"x-personal": true}`, `"x-personal": "hide"}`), `x-personal must be true, "omit" or absent`},
		{"no x-title", edit(`"x-title": {"vi": "Biểu mẫu thử", "en": "Test form"},`, ""), "x-title"},
		{"no x-label", edit(`, "x-label": {"vi": "Cờ", "en": "Flag"}`, ``), "/flag: x-label"},
		{"x-label without English", edit(`{"vi": "Cờ", "en": "Flag"}`, `{"vi": "Cờ"}`), "/flag: x-label"},
		{"x-order misses a property", edit(`"flag", "mood"`, `"mood"`), "x-order leaves out flag"},
		{"x-order names a stranger", edit(`"flag", "mood"`, `"flag", "flog", "mood"`), `x-order names "flog"`},
		{"no x-order", edit(`"x-order": ["rooms", "built"],`, ""), "/home: missing x-order"},
		{"enum without x-choices", edit(`, "x-choices": [{"code": "x", "vi": "X", "en": "X"}, {"code": "y", "vi": "Y", "en": "Y"}]`, ""), "/secret: an enum needs x-choices"},
		{"x-choices in another order", edit(`[{"code": "x", "vi": "X", "en": "X"}, {"code": "y", "vi": "Y", "en": "Y"}]`, `[{"code": "y", "vi": "Y", "en": "Y"}, {"code": "x", "vi": "X", "en": "X"}]`), "differs from enum"},
		{"x-age on a non-date", edit(`"x-label": {"vi": "Mức", "en": "Level"}`, `"x-label": {"vi": "Mức", "en": "Level"}, "x-age": {"min": 0, "max": 1}`), "x-age is for date fields, not integer ones"},
		{"x-age min above max", edit(`"x-age": {"min": 2, "max": 17}`, `"x-age": {"min": 17, "max": 2}`), "/dob: x-age"},
		{"x-age-bands from a stranger", edit(`"from": "dob"`, `"from": "birth"`), `x-age-bands.from "birth"`},
		{"x-age-bands without a band for a choice", edit(`"5-17": {"min": 5, "max": 17}}}`, `"5-18": {"min": 5, "max": 17}}}`), "no band for choice"},
		{"an array of free text", edit(`"items": {"type": "string", "enum": ["a", "b", "c"], "x-choices": [{"code": "a", "vi": "A", "en": "A"}, {"code": "b", "vi": "B", "en": "B"}, {"code": "c", "vi": "C", "en": "C"}]}`, `"items": {"type": "string"}`), "/tags: an array field must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := schema.Compile([]byte(tt.raw))
			if err == nil {
				t.Fatalf("Compile() = %v, want an error", f.ID)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Compile() error = %q, want it to contain %q", err, tt.want)
			}
			if testing.Verbose() {
				t.Log(err)
			}
		})
	}
}
