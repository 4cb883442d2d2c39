package survey_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/schema"
	"github.com/khaosat/khaosat/internal/storetest"
)

// TestSealedInEveryVersion: a field marked sensitive in any published
// version is sensitive in the compiled form of every version (what intake
// seals, views redact, exports and filters withhold); publishing a version
// without the mark takes nothing back; diffs still show the versions as
// published.
func TestSealedInEveryVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCatalog(t)
	v1 := storetest.HouseholdV1(t)
	if err := c.PublishDir(ctx, fstest.MapFS{"forms/household.json": {Data: v1}}, "forms"); err != nil {
		t.Fatal(err)
	}
	sensitive := func(version int, path string) bool {
		t.Helper()
		sf, err := c.Compiled(ctx, "household", version)
		if err != nil {
			t.Fatal(err)
		}
		return sf.Field(path).Sensitive
	}
	const support = "/children/*/receiving_support"
	if sensitive(1, support) {
		t.Fatal("version 1 alone marks receiving_support sensitive; the test's version 1 is wrong")
	}
	if !sensitive(1, "/children/*/special_circumstances") {
		t.Error("special_circumstances is not sensitive in version 1")
	}

	if err := c.PublishDir(ctx, khaosat.Content, khaosat.FormsDir); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{support, "/children/*/support_types"} {
		if !sensitive(1, path) || !sensitive(2, path) {
			t.Errorf("%s after version 2 marked it: version 1 %v, version 2 %v; want both sensitive", path, sensitive(1, path), sensitive(2, path))
		}
	}
	if sensitive(1, "/children/*/sex") {
		t.Error("a field no version marks became sensitive")
	}
	changes, err := c.Diff(ctx, admin, "household", 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	protected := map[string]bool{}
	for _, ch := range changes {
		if ch.Kind == schema.ChangeProtection {
			protected[ch.Path] = true
		}
	}
	if !protected[support] || !protected["/children/*/support_types"] || len(protected) != 2 {
		t.Errorf("diff 1→2 protection changes %v, want the two newly marked fields", protected)
	}
	rows, err := c.Codebook(ctx, admin, "household", 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Path == support && !r.Sensitive {
			t.Error("the codebook of version 1 says receiving_support is not sensitive, yet it is sealed and withheld")
		}
	}

	// A version that drops the marks unseals nothing.
	if _, _, err := c.SaveDraft(ctx, admin, "household", v1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, admin, "household", "without the marks"); err != nil {
		t.Fatal(err)
	}
	if !sensitive(3, support) || !sensitive(1, support) {
		t.Error("publishing a version without the mark unsealed receiving_support")
	}
}
