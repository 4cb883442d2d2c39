package protect

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// sealedByEncodingJSON is how sealed answers were read before the quick
// reader: the reference it must agree with.
func sealedByEncodingJSON(pt []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(pt))
	dec.UseNumber()
	var m map[string]any
	err := dec.Decode(&m)
	return m, err
}

// checkSealedAgrees fails unless decodeSealed gives what encoding/json
// gives for pt: the same answers, or an error both times.
func checkSealedAgrees(t *testing.T, pt []byte) {
	t.Helper()
	want, werr := sealedByEncodingJSON(pt)
	vals, err := decodeSealed(pt)
	if (err != nil) != (werr != nil) {
		t.Fatalf("%q: error %v, encoding/json's %v", pt, err, werr)
	}
	if err != nil {
		return
	}
	var got map[string]any
	if want != nil || len(vals) > 0 {
		got = map[string]any{}
	}
	for _, a := range vals { // in order: the last of a repeated key wins
		got[a.Pointer] = a.Value
	}
	// reflect, not cmp: cmp's diff of deeply nested lists takes time
	// exponential in the depth.
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%q: decodeSealed gave %#v, encoding/json %#v", pt, got, want)
	}
}

var sealedSamples = []string{
	`{}`,
	` { } `,
	`{"/children/0/receiving_support":"yes","/children/0/support_types":["cash","health_insurance"],"/children/1/special_circumstances":[]}`,
	`{"/a":1,"/b":-0,"/c":1.5e-3,"/d":-12.25E+2,"/e":true,"/f":false,"/g":null,"/h":{"x":[1,{"y":"z"}],"x":2}}`,
	"{\n  \"/a\" : [ 1 , 2 ] ,\t\"/b\":\"Nguyễn Thị Hoa\"\r\n}",
	`{"/a":"x\"y","/b":"\u003cb\u003e","/c":"tab\there","/d":"\ud83d\ude00","/e":"\ud800"}`, // escapes: encoding/json's way
	`{"/a":1,"/a":2}`,
	`{"/a":1} trailing`, // Decode reads one value and leaves the rest
	`null`,
	`[1]`,
	`{"/a":01}`,
	`{"/a":1.}`,
	`{"/a":.5}`,
	`{"/a":-}`,
	`{"/a":1e}`,
	`{"/a":tru}`,
	`{"/a":[1,]}`,
	`{"/a":1,}`,
	`{"/a" 1}`,
	`{"/a":"x`,
	"{\"/a\":\"\x01\"}",
	"{\"/a\":\"\xff\"}",
	`{"/a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
	``,
}

// TestDecodeSealedAgrees: the quick reader and encoding/json read the
// same answers from the same plaintext, malformed ones included.
func TestDecodeSealedAgrees(t *testing.T) {
	for _, s := range sealedSamples {
		checkSealedAgrees(t, []byte(s))
	}
	// What SealForStore writes goes through the quick reader itself.
	pt, err := json.Marshal(map[string]any{"/children/0/hiv": "positive", "/n": json.Number("3"), "/l": []any{"a", "Hà Nội"}, "/o": map[string]any{"k": nil}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := parseSealed(pt); !ok {
		t.Errorf("%s: not read by the quick reader", pt)
	}
	checkSealedAgrees(t, pt)
}

func FuzzDecodeSealed(f *testing.F) {
	for _, s := range sealedSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, pt []byte) { checkSealedAgrees(t, pt) })
}
