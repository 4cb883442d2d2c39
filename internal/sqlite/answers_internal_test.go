package sqlite

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
)

// readAnswersV1 is the reference reading of stored answers: encoding/json
// with UseNumber, numbers then taken by their literal.
func readAnswersV1(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, nil
	}
	return m, plainObject(m)
}

// FuzzAnswerReader: the token reader of answers (answerReader) reads any
// object encoding/json reads as encoding/json does, numbers by their
// literal: escapes, deep nesting, integers past int64, -0, long and
// repeated texts (kept once in its tables).
func FuzzAnswerReader(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`,
		`{"a":"x","b":"x","c":"\u0026\n\"\\/é","d":["x","y",{"e":"x"}],"f":true,"g":false,"h":null}`,
		`{"n":7,"r":7.0,"e":1e+21,"neg":-0,"big":12345678901234567890,"small":-9223372036854775808,"frac":0.1}`,
		`{"children":[{"sex":"female","age":8,"dob":"2015-06-07T00:00:00.000Z"},{"sex":"male","age":6,"scores":[]}]}`,
		`{"a/b~c":{"x":[[1,2],[3.5]]},"long":"Số 12 ngõ 34 phố Hàng Bạc, phường Hàng Bạc, quận Hoàn Kiếm"}`,
	} {
		f.Add([]byte(seed))
	}
	r := newAnswerReader()
	f.Fuzz(func(t *testing.T, raw []byte) {
		want, err := readAnswersV1(raw)
		if err != nil || !json.Valid(raw) {
			return
		}
		dec := jsontext.NewDecoder(bytes.NewReader(raw))
		got, err := r.readObject(dec)
		if err != nil {
			if bytes.ContainsAny(raw, "\x00\xff") || !utf8Valid(raw) {
				return // v2 refuses invalid UTF-8, which encoding/json never writes
			}
			t.Fatalf("%s: %v", raw, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-encoding/json +answerReader):\n%s", raw, diff)
		}
	})
}

func utf8Valid(b []byte) bool { return bytes.Equal(bytes.ToValidUTF8(b, nil), b) }
