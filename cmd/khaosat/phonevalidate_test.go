package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPhoneValidatorMatchesServerCases runs the phone's validation (the
// vendored JSON Schema validator and the age rules of web/shared) in the
// browser over every case of forms/testdata: each valid example passes,
// and each invalid case fails at the path and with the code the server's
// checks give it.
func TestPhoneValidatorMatchesServerCases(t *testing.T) {
	t.Parallel()
	tb := newTab(t, shared.base)
	tb.do(chromedp.Navigate(shared.base + "/"))
	for _, form := range []string{"household", "disability", "labour", "hiv"} {
		t.Run(form, func(t *testing.T) {
			root := filepath.Join("..", "..", "forms")
			schema, err := os.ReadFile(filepath.Join(root, form+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var cases []map[string]any
			for _, f := range []string{"invalid.json", "invalid_age.json"} {
				var cs []map[string]any
				readJSON(t, filepath.Join("forms", "testdata", form, f), &cs)
				cases = append(cases, cs...)
			}
			valid, _ := filepath.Glob(filepath.Join(root, "testdata", form, "valid", "*.json"))
			for _, f := range valid {
				var data map[string]any
				readJSON(t, filepath.Join("forms", "testdata", form, "valid", filepath.Base(f)), &data)
				cases = append(cases, map[string]any{"name": "valid/" + filepath.Base(f), "data": data})
			}
			got := evalIn[[]string](tb, fmt.Sprintf(`(async () => {
				const { validate } = await import('/shared/validate.js');
				const schema = %s, cases = %s;
				return cases.map(c => {
					const errs = validate(schema, c.data, '2026-06-15');
					if (!c.path) return errs.length ? 'valid case fails: ' + JSON.stringify(errs) : '';
					return errs.some(e => e.path === c.path && e.code === c.code) ? '' : 'want ' + c.path + ' ' + c.code + ', got ' + JSON.stringify(errs);
				});
			})()`, schema, mustJSON(t, cases)))
			for i, g := range got {
				if g != "" {
					t.Errorf("%s: %s", cases[i]["name"], g)
				}
			}
		})
	}
}
