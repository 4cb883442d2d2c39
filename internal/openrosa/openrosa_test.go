package openrosa_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/openrosa"
)

var shipped = []string{"household", "disability", "labour", "hiv"}

func read(t *testing.T, parts ...string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(append([]string{"..", "..", "forms"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestXFormShipped writes each shipped form as an XForm: well-formed,
// every bind and control on a node of the instance, an itext label in
// both languages for every field.
func TestXFormShipped(t *testing.T) {
	for _, id := range shipped {
		t.Run(id, func(t *testing.T) {
			x, err := openrosa.XForm(read(t, id+".json"), openrosa.XFormOptions{Version: 2, Units: []openrosa.Unit{{Code: "00004", Name: "Phường Ba Đình"}}})
			if err != nil {
				t.Fatal(err)
			}
			var doc struct{}
			if err := xml.Unmarshal(x, &doc); err != nil {
				t.Fatalf("not XML: %v", err)
			}
			nodes := instanceNodes(t, x)
			for _, m := range regexp.MustCompile(`(?:nodeset|ref)="(/[^"]+)"`).FindAllStringSubmatch(string(x), -1) {
				if !nodes[m[1]] {
					t.Errorf("%s is not a node of the instance", m[1])
				}
			}
			for _, lang := range []string{"Tiếng Việt (vi)", "English (en)"} {
				if !strings.Contains(string(x), `<translation lang="`+lang+`"`) {
					t.Errorf("no %s translation", lang)
				}
			}
			if !strings.Contains(string(x), `version="2"`) {
				t.Error("the instance does not carry the version")
			}
		})
	}
}

// instanceNodes lists the absolute paths of the primary instance.
func instanceNodes(t *testing.T, x []byte) map[string]bool {
	t.Helper()
	s := string(x)
	start := strings.Index(s, "<instance>")
	end := strings.Index(s, "</instance>")
	dec := xml.NewDecoder(strings.NewReader(s[start+len("<instance>") : end]))
	nodes := map[string]bool{}
	var stack []string
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			stack = append(stack, e.Name.Local)
			nodes["/"+strings.Join(stack, "/")] = true
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return nodes
}

// TestInstanceRoundTrip writes every valid example of forms/testdata as
// the instance a client would send and reads it back: the answers are
// the example's, value for value.
func TestInstanceRoundTrip(t *testing.T) {
	for _, id := range shipped {
		files, _ := filepath.Glob(filepath.Join("..", "..", "forms", "testdata", id, "valid", "*.json"))
		for _, f := range files {
			t.Run(id+"/"+filepath.Base(f), func(t *testing.T) {
				var data map[string]any
				if err := json.Unmarshal(read(t, "testdata", id, "valid", filepath.Base(f)), &data); err != nil {
					t.Fatal(err)
				}
				var b strings.Builder
				fmt.Fprintf(&b, `<%s id="%s" version="1">`, id, id)
				writeAnswers(&b, data)
				b.WriteString(`<meta><instanceID>uuid:6f1c2d3e-0000-4000-8000-000000000001</instanceID><commune>00004</commune>` +
					`<surveyDate>2026-06-15</surveyDate><location>21.03 105.82 10 5</location></meta></` + id + ">")
				in, err := openrosa.Peek([]byte(b.String()))
				if err != nil {
					t.Fatal(err)
				}
				if err := in.Convert(read(t, id+".json")); err != nil {
					t.Fatal(err)
				}
				var env map[string]any
				if err := json.Unmarshal(in.Envelope, &env); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(data, env["data"]); diff != "" {
					t.Errorf("answers (-example +from XML):\n%s", diff)
				}
				want := map[string]any{"lat": 21.03, "lon": 105.82, "accuracy": 5.0}
				if env["id"] != "6f1c2d3e-0000-4000-8000-000000000001" || env["unit"] != "00004" || env["survey_date"] != "2026-06-15" || !cmp.Equal(want, env["location"]) {
					t.Errorf("envelope %v", env)
				}
			})
		}
	}
}

func writeAnswers(b *strings.Builder, data map[string]any) {
	names := make([]string, 0, len(data))
	for n := range data {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		switch v := data[n].(type) {
		case []any:
			if len(v) > 0 {
				if _, ok := v[0].(map[string]any); ok {
					for _, item := range v {
						b.WriteString("<" + n + ">")
						writeAnswers(b, item.(map[string]any))
						b.WriteString("</" + n + ">")
					}
					continue
				}
			}
			var codes []string
			for _, c := range v {
				codes = append(codes, fmt.Sprint(c))
			}
			b.WriteString("<" + n + ">" + strings.Join(codes, " ") + "</" + n + ">")
		default:
			var e strings.Builder
			_ = xml.EscapeText(&e, []byte(fmt.Sprint(v)))
			b.WriteString("<" + n + ">" + e.String() + "</" + n + ">")
		}
	}
}

// TestPeekRefuses: an instance without a form version, or not XML.
func TestPeekRefuses(t *testing.T) {
	for _, raw := range []string{`<household id="household"><a/></household>`, `<household version="x"/>`, `not xml`, `<a version="1"></b>`} {
		if _, err := openrosa.Peek([]byte(raw)); err == nil {
			t.Errorf("%q: want an error", raw)
		}
	}
}

// TestXFormRefIsPicked: a field with x-ref (the follow-up forms'
// child_id) is the id of a registry record the collector enters, so the
// XForm asks for it; only a field without x-ref is a generated uuid.
func TestXFormRefIsPicked(t *testing.T) {
	x, err := openrosa.XForm(read(t, "hiv.json"), openrosa.XFormOptions{Version: 2})
	if err != nil {
		t.Fatal(err)
	}
	s := string(x)
	bind := regexp.MustCompile(`<bind nodeset="[^"]*/child_id"[^>]*>`).FindString(s)
	if bind == "" {
		t.Fatal("no bind for child_id")
	}
	if strings.Contains(bind, "calculate") || strings.Contains(bind, "readonly") {
		t.Errorf("child_id has x-ref but is generated: %s", bind)
	}
	if !regexp.MustCompile(`<input ref="[^"]*/child_id">`).MatchString(s) {
		t.Error("child_id has no input control")
	}
}
