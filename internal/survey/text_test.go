package survey_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/survey"
)

func TestCheckText(t *testing.T) {
	type fe struct{ Path, Code string }
	for _, tt := range []struct {
		name string
		raw  string
		want []fe
	}{
		{"clean Vietnamese", `{"data":{"name":"Nguyễn Thị Ánh","notes":"dòng 1\ndòng 2\tx"}}`, nil},
		{"invalid UTF-8 in an answer", "{\"data\":{\"name\":\"Nguy\xe1\xbb\"}}", []fe{{"/data/name", survey.CodeInvalidUTF8}}},
		{"NUL escape in an answer", `{"data":{"children":[{"a":1},{"full_name":"An\u0000"}]}}`, []fe{{"/data/children/1/full_name", survey.CodeControlChar}}},
		{"raw control byte", "{\"data\":{\"x\":\"a\x01b\"}}", []fe{{"/data/x", survey.CodeControlChar}}},
		{"NUL after a tab", `{"data":{"x":"a\tb\u0000"}}`, []fe{{"/data/x", survey.CodeControlChar}}},
		{"line break in the envelope", `{"device_id":"phone\n1","data":{}}`, []fe{{"/device_id", survey.CodeControlChar}}},
		{"escape \\b", `{"data":{"x":"a\bb"}}`, []fe{{"/data/x", survey.CodeControlChar}}},
		{"lone surrogate", `{"data":{"x":"\ud800x"}}`, []fe{{"/data/x", survey.CodeInvalidUTF8}}},
		{"surrogate pair is fine", `{"data":{"x":"\ud83d\ude00"}}`, nil},
		{"bad key", "{\"data\":{\"k\xff\":1}}", []fe{{"/data/k\uFFFD", survey.CodeInvalidUTF8}}},
		{"array of strings", `{"data":{"l":["ok","b\u0007"]}}`, []fe{{"/data/l/1", survey.CodeControlChar}}},
		{"escaped pointer", `{"data":{"a/b":"\u0000"}}`, []fe{{"/data/a~1b", survey.CodeControlChar}}},
		{"not JSON", `{"data":`, nil},
		{"DEL", "{\"data\":{\"x\":\"a\x7fb\"}}", []fe{{"/data/x", survey.CodeControlChar}}},
		{"C1 control", "{\"data\":{\"x\":\"a\u0085b\"}}", []fe{{"/data/x", survey.CodeControlChar}}},
		{"C1 escape", `{"data":{"x":"a\u009bb"}}`, []fe{{"/data/x", survey.CodeControlChar}}},
		{"right-to-left override in a name", "{\"data\":{\"full_name\":\"An\u202egnuyN\"}}", []fe{{"/data/full_name", survey.CodeControlChar}}},
		{"embedding escape", `{"data":{"x":"\u202aa"}}`, []fe{{"/data/x", survey.CodeControlChar}}},
		{"isolate in an identifier", "{\"device_id\":\"p\u2066x\u2069\",\"data\":{}}", []fe{{"/device_id", survey.CodeControlChar}}},
		{"override in a key", "{\"data\":{\"a\u202d\":1}}", []fe{{"/data/a\u202d", survey.CodeControlChar}}},
		{"zero width passes (stripped where stored)", "{\"data\":{\"x\":\"An\u200bh\ufeff\"}}", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []fe
			for _, e := range survey.CheckText([]byte(tt.raw), "", survey.AnswerLines("")) {
				got = append(got, fe{e.Path, e.Code})
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	if got := survey.CheckText([]byte(`{"x":"\u0000"}`), "/submissions/3", nil); len(got) != 1 || got[0].Path != "/submissions/3/x" {
		t.Errorf("prefix: %+v", got)
	}
}
