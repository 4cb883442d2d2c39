package xlsform_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/schema"
	"github.com/khaosat/khaosat/internal/xlsform"
)

func mustRead(t *testing.T, book []byte) *xlsform.Result {
	t.Helper()
	res, err := xlsform.Read(bytes.NewReader(book), xlsform.Options{})
	if err != nil {
		var e *xlsform.Errors
		if errors.As(err, &e) {
			for _, p := range e.Problems {
				t.Log(p)
			}
		}
		t.Fatalf("read: %v", err)
	}
	return res
}

func problems(t *testing.T, book []byte, formID string) []xlsform.Problem {
	t.Helper()
	_, err := xlsform.Read(bytes.NewReader(book), xlsform.Options{FormID: formID})
	var e *xlsform.Errors
	if !errors.As(err, &e) {
		t.Fatalf("read: want *Errors, got %v", err)
	}
	return e.Problems
}

// TestReadDesignerForm reads a workbook with a group, a repeat, relevance,
// constraints and a generated id, and checks what the form then accepts.
func TestReadDesignerForm(t *testing.T) {
	res := mustRead(t, Book(t, "survey", visitSurvey(), "choices", visitChoices(), "settings", settingsTab))
	f, err := schema.Compile(res.Schema)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(res.Schema, &doc); err != nil {
		t.Fatal(err)
	}
	wantRules := `[{"if":{"properties":{"in_school":{"const":"yes"}},"required":["in_school"]},"then":{"required":["school_name"]}}]`
	if got, _ := json.Marshal(doc["allOf"]); string(got) != wantRules {
		t.Errorf("root rules\n got %s\nwant %s", got, wantRules)
	}
	visits := doc["properties"].(map[string]any)["visits"].(map[string]any)
	wantItemRules := `[{"if":{"properties":{"issues":{"minItems":1,"type":"array"}},"required":["issues"]},"then":{"required":["follow_up"]}},` +
		`{"if":{"not":{"properties":{"issues":{"contains":{"const":"far"}}},"required":["issues"]}},"then":{"properties":{"distance_km":false}}}]`
	if got, _ := json.Marshal(visits["items"].(map[string]any)["allOf"]); string(got) != wantItemRules {
		t.Errorf("repeat rules\n got %s\nwant %s", got, wantItemRules)
	}
	if visits["maxItems"] != 5.0 || visits["x-repeat"] != true {
		t.Errorf("repeat: %v", visits)
	}

	day := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)
	valid := func() map[string]any {
		return map[string]any{"child_id": "0b8f2a64-7d43-4c8e-9a51-3f0e2b6c9d10", "child_name": "Lan", "age": json.Number("9"),
			"in_school": "yes", "school_name": "Tiểu học A", "phone": "0912345678",
			"visits": []any{map[string]any{"visit_date": "2026-06-01", "issues": []any{"far"}, "follow_up": "xe đạp", "distance_km": json.Number("4.5")}}}
	}
	if errs := f.Validate(valid(), day); len(errs) > 0 {
		t.Fatalf("a valid answer is refused: %v", errs)
	}
	cases := []struct {
		name     string
		change   func(map[string]any)
		path     string
		code     string
		wantNone bool
	}{
		{"relevant and required", func(d map[string]any) { delete(d, "school_name") }, "/school_name", "required", false},
		{"not required when not relevant", func(d map[string]any) { d["in_school"] = "no"; delete(d, "school_name") }, "", "", true},
		{"constraint maximum", func(d map[string]any) { d["age"] = json.Number("18") }, "/age", "maximum", false},
		{"constraint length", func(d map[string]any) { d["child_name"] = "" }, "/child_name", "min_length", false},
		{"constraint regex", func(d map[string]any) { d["phone"] = "12ab" }, "/phone", "pattern", false},
		{"relevance in a repeat forbids", func(d map[string]any) {
			d["visits"].([]any)[0].(map[string]any)["issues"] = []any{"hunger"}
		}, "/visits/0/distance_km", "forbidden", false},
		{"requirement in a repeat", func(d map[string]any) {
			delete(d["visits"].([]any)[0].(map[string]any), "follow_up")
		}, "/visits/0/follow_up", "required", false},
		{"generated id is a uuid", func(d map[string]any) { d["child_id"] = "abc" }, "/child_id", "format", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := valid()
			c.change(d)
			errs := f.Validate(d, day)
			if c.wantNone {
				if len(errs) > 0 {
					t.Fatalf("want valid, got %v", errs)
				}
				return
			}
			for _, e := range errs {
				if e.Path == c.path && e.Code == c.code {
					return
				}
			}
			t.Fatalf("want %s at %s, got %v", c.code, c.path, errs)
		})
	}
	var kept []string
	for _, w := range res.Warnings {
		kept = append(kept, w.Sheet+":"+w.Column)
	}
	if diff := cmp.Diff([]string{"survey:type", "survey:type", "survey:appearance"}, kept); diff != "" {
		t.Errorf("warnings (start, group heading, appearance) (-want +got):\n%s", diff)
	}
}

// TestFiveMistakes: a workbook with five kinds of mistake gets one
// problem for each, on its row and column, and no form.
func TestFiveMistakes(t *testing.T) {
	survey := sheetRows{surveyHead,
		{"text", "child_name", "Tên trẻ", "Child's name", "", "", "yes"},
		{"rank colours", "favourite", "Màu ưa thích", "Favourite colour"},          // a type khaosat lacks
		{"integer", "Age", "Tuổi", "Age"},                                          // not snake_case
		{"select_one sizes", "size", "Cỡ", "Size"},                                 // no such list
		{"text", "note_text", "Ghi chú", ""},                                       // no English label
		{"text", "school", "Trường", "School", "", "", "", "${in_school} = 'yes'"}, // no such field
	}
	book := Book(t, "survey", survey, "choices", visitChoices()[:3], "settings", settingsTab)
	got := problems(t, book, "")
	want := []xlsform.Problem{
		{Sheet: "survey", Row: 3, Column: "type", Code: xlsform.CodeType},
		{Sheet: "survey", Row: 4, Column: "name", Code: xlsform.CodeName},
		{Sheet: "survey", Row: 5, Column: "type", Code: xlsform.CodeChoices},
		{Sheet: "survey", Row: 6, Column: "label::en", Code: xlsform.CodeLabel},
		{Sheet: "survey", Row: 7, Column: "relevant", Code: xlsform.CodeExpression},
	}
	strip := cmp.Transformer("place", func(p xlsform.Problem) xlsform.Problem { p.Message = schema.Label{}; return p })
	if diff := cmp.Diff(want, got, strip); diff != "" {
		t.Fatalf("problems (-want +got):\n%s", diff)
	}
	for _, p := range got {
		if p.Message.VI == "" || p.Message.EN == "" || p.Message.VI == p.Message.EN {
			t.Errorf("%v: want a Vietnamese and an English message", p)
		}
	}
}

// TestExpressions pins the subset: what each supported expression
// becomes, and that the rest is refused at its cell.
func TestExpressions(t *testing.T) {
	base := func(typ, relevant, constraint string) []byte {
		return Book(t, "survey", sheetRows{surveyHead,
			{"select_one yes_no", "a", "A", "A", "", "", "yes"},
			{"integer", "n", "N", "N", "", "", "yes"},
			{"select_multiple issues", "m", "M", "M", "", "", "yes"},
			{"text", "t", "T", "T"},
			{typ, "x", "X", "X", "", "", "", relevant, constraint},
		}, "choices", visitChoices(), "settings", settingsTab)
	}
	ok := []struct{ typ, relevant, constraint, want string }{
		{"text", "${a} = 'yes'", "", `{"not":{"properties":{"a":{"const":"yes"}},"required":["a"]}}`},
		{"text", "${a} != 'yes'", "", `{"properties":{"a":{"const":"yes"}},"required":["a"]}`},
		{"text", "not(${a} = 'yes')", "", `{"properties":{"a":{"const":"yes"}},"required":["a"]}`},
		{"text", "${n} > 3", "", `{"not":{"properties":{"n":{"type":"integer","exclusiveMinimum":3}},"required":["n"]}}`},
		{"text", "${a} = 'yes' and ${n} >= 2", "", `{"not":{"properties":{"a":{"const":"yes"}},"required":["a"]}}`},
		{"text", "${a} = 'yes' or ${n} < 2", "", `{"not":{"anyOf":[{"properties":{"a":{"const":"yes"}},"required":["a"]},{"properties":{"n":{"type":"integer","exclusiveMaximum":2}},"required":["n"]}]}}`},
		{"text", "selected(${m}, 'far')", "", `{"not":{"properties":{"m":{"contains":{"const":"far"}}},"required":["m"]}}`},
		{"text", "count-selected(${m}) > 1", "", `{"not":{"properties":{"m":{"type":"array","minItems":2}},"required":["m"]}}`},
		{"text", "${t} = 'x'", "", `{"not":{"properties":{"t":{"const":"x"}},"required":["t"]}}`},
	}
	for _, c := range ok {
		t.Run(c.relevant, func(t *testing.T) {
			res := mustRead(t, base(c.typ, c.relevant, c.constraint))
			var doc struct {
				AllOf []struct {
					If json.RawMessage `json:"if"`
				} `json:"allOf"`
			}
			if err := json.Unmarshal(res.Schema, &doc); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if len(doc.AllOf) > 0 {
				_ = json.Compact(&got, doc.AllOf[0].If)
			}
			if got.String() != c.want {
				t.Fatalf("got %s\nwant %s", res.Schema, c.want)
			}
		})
	}
	refused := []struct{ typ, relevant, constraint, col string }{
		{"text", "${a} = 'maybe'", "", "relevant"},           // no such code
		{"text", "${m} = 'far'", "", "relevant"},             // a multiple choice compared with =
		{"text", "count-selected(${m}) < 2", "", "relevant"}, // absent and empty would differ
		{"text", "${n} > today()", "", "relevant"},           // a function outside the subset
		{"text", "${a} = 'yes' or", "", "relevant"},          // not an expression
		{"text", "${zz} = 'yes'", "", "relevant"},            // no such field
		{"text", "", ". > 3", "constraint"},                  // a bound on text
		{"integer", "", ". != 3", "constraint"},              // only bounds
		{"integer", "", ". >= 1 or . <= 0", "constraint"},    // only and
		{"text", "", "regex(., '[')", "constraint"},          // a broken pattern
		{"date", "", ". <= today()", "constraint"},           // dates are not compared
		{"integer", "", ". >= 1 and . >= 2", "constraint"},   // one bound twice
		{"select_multiple issues", "", "count-selected(.) = 1", "constraint"},
	}
	for _, c := range refused {
		t.Run("refused "+c.relevant+c.constraint, func(t *testing.T) {
			got := problems(t, base(c.typ, c.relevant, c.constraint), "")
			if len(got) != 1 || got[0].Row != 6 || got[0].Column != c.col || got[0].Code != xlsform.CodeExpression {
				t.Fatalf("want one expression problem at row 6, column %s; got %v", c.col, got)
			}
		})
	}
}

// TestPyxformForms reads XLSForms written by others (the reference
// converter's test forms): none is in Vietnamese and English, so each is
// refused, every problem placed on its sheet and row or column.
func TestPyxformForms(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "pyxform", "*.xlsx"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := problems(t, raw, "")
			for _, p := range got {
				if p.Sheet == "" || (p.Row == 0 && p.Column == "") || p.Message.VI == "" || p.Message.EN == "" {
					t.Errorf("a problem without its place or message: %+v", p)
				}
			}
			var labels int
			for _, p := range got {
				if p.Code == xlsform.CodeLabel {
					labels++
				}
			}
			if labels == 0 {
				t.Errorf("want the missing Vietnamese labels among the problems, got %v", got)
			}
		})
	}
}

// TestPyxformRowByRow: the reference converter's text_and_integer form
// is refused for what it lacks (a settings sheet, Vietnamese labels) on
// exactly the rows that lack it.
func TestPyxformRowByRow(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "pyxform", "text_and_integer.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	got := problems(t, raw, "text_and_integer")
	var rows []int
	for _, p := range got {
		if p.Sheet == "survey" {
			rows = append(rows, p.Row)
		}
	}
	if diff := cmp.Diff([]int{2, 3}, rows); diff != "" {
		t.Errorf("survey rows refused (-want +got):\n%s", diff)
	}
	if !strings.Contains(got[0].Message.EN, "settings") {
		t.Errorf("first problem: %v", got[0])
	}
}

// TestReadRef: an x-ref column makes a text question the id of a registry
// record (format uuid, x-ref), and is refused at its cell on another type,
// with another value or beside a calculation.
func TestReadRef(t *testing.T) {
	head := []string{"type", "name", "label::vi", "label::en", "calculation", "x-ref"}
	good := sheetRows{head, {"text", "child_id", "Mã trẻ", "Child ID", "", "child"}}
	res := mustRead(t, Book(t, "survey", good, "settings", settingsTab))
	var doc struct {
		Properties map[string]map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(res.Schema, &doc); err != nil {
		t.Fatal(err)
	}
	if p := doc.Properties["child_id"]; p["format"] != "uuid" || p["x-ref"] != "child" {
		t.Fatalf("child_id = %v, want format uuid and x-ref child", p)
	}
	bad := sheetRows{head,
		{"integer", "age", "Tuổi", "Age", "", "child"},
		{"text", "household_id", "Mã hộ", "Household ID", "", "family"},
		{"text", "child_id", "Mã trẻ", "Child ID", "uuid()", "child"},
	}
	got := problems(t, Book(t, "survey", bad, "settings", settingsTab), "")
	want := []xlsform.Problem{
		{Sheet: "survey", Row: 2, Column: "x-ref", Code: xlsform.CodeAnnotation},
		{Sheet: "survey", Row: 3, Column: "x-ref", Code: xlsform.CodeAnnotation},
		{Sheet: "survey", Row: 4, Column: "calculation", Code: xlsform.CodeColumn},
	}
	strip := cmp.Transformer("place", func(p xlsform.Problem) xlsform.Problem { p.Message = schema.Label{}; return p })
	if diff := cmp.Diff(want, got, strip); diff != "" {
		t.Fatalf("problems (-want +got):\n%s", diff)
	}
}
