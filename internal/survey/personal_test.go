package survey_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/khaosat/khaosat/internal/schema"
	"github.com/khaosat/khaosat/internal/survey"
)

var installKey = []byte("the hash key of one installation, 32+ bytes")

// TestPseudonymOf: a pseudonym is P- and 16 base32 letters; the same
// answer of the same field gives the same one (whatever the Unicode
// normalisation it was typed in), another answer, another field, another
// form or another installation a different one.
func TestPseudonymOf(t *testing.T) {
	shape := regexp.MustCompile(`^P-[A-Z2-7]{16}$`)
	p := survey.NewPseudonyms(installKey, "household")
	name := "Nguyễn Thị Lan"
	a := p.Of("/children/*/full_name", name)
	if !shape.MatchString(a) {
		t.Fatalf("pseudonym %q", a)
	}
	if b := survey.NewPseudonyms(installKey, "household").Of("/children/*/full_name", norm.NFD.String(name)); b != a {
		t.Errorf("the same name typed decomposed: %s, want %s", b, a)
	}
	for what, other := range map[string]string{
		"another name":         p.Of("/children/*/full_name", "Nguyễn Thị Lân"),
		"another field":        p.Of("/head_name", name),
		"another form":         survey.NewPseudonyms(installKey, "disability").Of("/children/*/full_name", name),
		"another installation": survey.NewPseudonyms([]byte("the hash key of another installation"), "household").Of("/children/*/full_name", name),
	} {
		if other == a {
			t.Errorf("%s gives the same pseudonym %s", what, a)
		}
	}
	if strings.Contains(a, "Lan") {
		t.Errorf("the pseudonym %q holds the name", a)
	}
}

// TestPseudonymsApply: every personal answer of a row, in groups and
// repeats, becomes its pseudonym; a field marked x-personal: "omit" goes;
// the other answers stay as they are.
func TestPseudonymsApply(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "forms", "household.json"))
	if err != nil {
		t.Fatal(err)
	}
	// head_phone is left out rather than pseudonymised in this copy.
	src := string(raw)
	i := strings.Index(src, `"head_phone": {`)
	j := i + strings.Index(src[i:], `"x-personal": true`)
	src = src[:j] + `"x-personal": "omit"` + src[j+len(`"x-personal": true`):]
	sf, err := schema.Compile([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	row := func() map[string]any {
		return map[string]any{"head_name": "Lê Quang Vinh", "head_phone": "0987654321", "address": "Xóm 3", "members_total": int64(4),
			"children": []any{
				map[string]any{"full_name": "Lê Thị Hoa", "date_of_birth": "2008-06-16", "sex": "female"},
				map[string]any{"full_name": "Lê Văn Phúc", "date_of_birth": "2012-01-02", "sex": "male"},
			}}
	}
	p := survey.NewPseudonyms(installKey, "household")
	got := row()
	p.Apply(sf.Fields, got)
	if got["head_name"] != p.Of("/head_name", "Lê Quang Vinh") {
		t.Errorf("head_name = %v", got["head_name"])
	}
	if _, ok := got["head_phone"]; ok {
		t.Errorf("head_phone (omit) is still there: %v", got["head_phone"])
	}
	if got["address"] != "Xóm 3" || got["members_total"] != int64(4) {
		t.Errorf("answers that are not personal changed: %v", got)
	}
	kids := got["children"].([]any)
	for i, want := range row()["children"].([]any) {
		k, w := kids[i].(map[string]any), want.(map[string]any)
		if k["full_name"] != p.Of("/children/*/full_name", w["full_name"]) || k["date_of_birth"] != p.Of("/children/*/date_of_birth", w["date_of_birth"]) {
			t.Errorf("child %d = %v", i, k)
		}
		if k["sex"] != w["sex"] {
			t.Errorf("child %d sex = %v", i, k["sex"])
		}
	}
}
