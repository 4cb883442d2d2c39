package protect

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/schema"
)

func householdChildren(t *testing.T) *schema.Field {
	t.Helper()
	raw, err := khaosat.Content.ReadFile("forms/household.json")
	if err != nil {
		t.Fatal(err)
	}
	sf, err := schema.Compile(raw)
	if err != nil {
		t.Fatal(err)
	}
	return sf.Field("/children")
}

// TestMatchItems: stored repeat items are matched to the sent ones by their
// identity (child_id) when every stored item has a distinct one, else by
// position; stored items nothing matches are gone.
func TestMatchItems(t *testing.T) {
	children := householdChildren(t)
	if got := itemKey(children); got != "child_id" {
		t.Fatalf("identity of a household's children: %q, want child_id", got)
	}
	item := func(id string) any { return map[string]any{"child_id": id} }
	tests := []struct {
		name      string
		stored    []any
		sent      []any
		wantMatch map[int]int
		wantGone  []int
	}{
		{"same order", []any{item("a"), item("b")}, []any{item("a"), item("b")}, map[int]int{0: 0, 1: 1}, nil},
		{"reordered", []any{item("a"), item("b")}, []any{item("b"), item("a")}, map[int]int{0: 1, 1: 0}, nil},
		{"first removed", []any{item("a"), item("b")}, []any{item("b")}, map[int]int{0: 1}, []int{0}},
		{"one added", []any{item("a")}, []any{item("c"), item("a")}, map[int]int{1: 0}, nil},
		{"identity sent twice matches once", []any{item("a")}, []any{item("a"), item("a")}, map[int]int{0: 0}, nil},
		{"a stored item without identity: by position", []any{item("a"), map[string]any{}}, []any{item("x"), item("y"), item("z")}, map[int]int{0: 0, 1: 1}, nil},
		{"duplicate stored identities: by position", []any{item("a"), item("a")}, []any{item("a")}, map[int]int{0: 0}, []int{1}},
		{"all removed", []any{item("a"), item("b")}, nil, map[int]int{}, []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			match, gone := matchItems(children, tt.stored, tt.sent)
			if d := cmp.Diff(tt.wantMatch, match); d != "" {
				t.Errorf("match (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantGone, gone); d != "" {
				t.Errorf("gone (-want +got):\n%s", d)
			}
		})
	}
}

// TestWithheldMerge: the rule on one stored household, for the collector
// of the submission and for anyone else without the right.
func TestWithheldMerge(t *testing.T) {
	children := householdChildren(t)
	stored := func() map[string]any {
		return map[string]any{"members_total": int64(3), "children": []any{
			map[string]any{"child_id": "a", "special_circumstances": []any{"hiv", "orphan"}, "receiving_support": "yes"},
			map[string]any{"child_id": "b", "special_circumstances": []any{}},
		}}
	}
	tests := []struct {
		name    string
		owner   bool
		sent    map[string]any
		want    map[string]any // the merged answers, when nothing is refused
		refused []string
	}{
		{"left out: kept", false,
			map[string]any{"children": []any{map[string]any{"child_id": "b"}, map[string]any{"child_id": "a"}}},
			map[string]any{"children": []any{
				map[string]any{"child_id": "b", "special_circumstances": []any{}},
				map[string]any{"child_id": "a", "special_circumstances": []any{"hiv", "orphan"}, "receiving_support": "yes"}}},
			nil},
		{"the collector sends the stored answers, codes in another order", true,
			map[string]any{"children": []any{map[string]any{"child_id": "a", "special_circumstances": []any{"orphan", "hiv"}}, map[string]any{"child_id": "b"}}},
			map[string]any{"children": []any{
				map[string]any{"child_id": "a", "special_circumstances": []any{"orphan", "hiv"}, "receiving_support": "yes"},
				map[string]any{"child_id": "b", "special_circumstances": []any{}}}},
			nil},
		{"the collector changes one", true,
			map[string]any{"children": []any{map[string]any{"child_id": "a", "special_circumstances": []any{"hiv"}}, map[string]any{"child_id": "b"}}},
			map[string]any{"children": []any{
				map[string]any{"child_id": "a", "special_circumstances": []any{"hiv"}, "receiving_support": "yes"},
				map[string]any{"child_id": "b", "special_circumstances": []any{}}}},
			nil},
		{"the collector sets one not answered", true,
			map[string]any{"children": []any{map[string]any{"child_id": "a"}, map[string]any{"child_id": "b", "receiving_support": "no"}}},
			map[string]any{"children": []any{
				map[string]any{"child_id": "a", "special_circumstances": []any{"hiv", "orphan"}, "receiving_support": "yes"},
				map[string]any{"child_id": "b", "special_circumstances": []any{}, "receiving_support": "no"}}},
			nil},
		{"the collector leaves the children out: kept", true,
			map[string]any{"members_total": int64(3)},
			map[string]any{"members_total": int64(3), "children": []any{
				map[string]any{"child_id": "a", "special_circumstances": []any{"hiv", "orphan"}, "receiving_support": "yes"},
				map[string]any{"child_id": "b", "special_circumstances": []any{}}}},
			nil},
		{"someone else sends the stored answer", false,
			map[string]any{"children": []any{map[string]any{"child_id": "a"}, map[string]any{"child_id": "b", "special_circumstances": []any{}}}},
			nil, []string{"/data/children/1/special_circumstances"}},
		{"a child removed by the collector", true,
			map[string]any{"children": []any{map[string]any{"child_id": "b"}}},
			map[string]any{"children": []any{map[string]any{"child_id": "b", "special_circumstances": []any{}}}},
			nil},
		{"a child removed by someone else", false,
			map[string]any{"children": []any{map[string]any{"child_id": "b"}}},
			nil, []string{"/data/children/0"}},
		{"the children left out", false,
			map[string]any{"members_total": int64(3)},
			nil, []string{"/data/children/0", "/data/children/1"}},
		{"a new child with its answers", false,
			map[string]any{"children": []any{map[string]any{"child_id": "a"}, map[string]any{"child_id": "b"}, map[string]any{"child_id": "c", "special_circumstances": []any{"orphan"}}}},
			map[string]any{"children": []any{
				map[string]any{"child_id": "a", "special_circumstances": []any{"hiv", "orphan"}, "receiving_support": "yes"},
				map[string]any{"child_id": "b", "special_circumstances": []any{}},
				map[string]any{"child_id": "c", "special_circumstances": []any{"orphan"}}}},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := withheldMerge{owner: tt.owner}
			m.object([]*schema.Field{children}, stored(), tt.sent, "")
			var refused []string
			for _, fe := range m.refused {
				refused = append(refused, fe.Path)
			}
			if d := cmp.Diff(tt.refused, refused); d != "" {
				t.Fatalf("refused (-want +got):\n%s", d)
			}
			if tt.want != nil {
				if d := cmp.Diff(tt.want, tt.sent); d != "" {
					t.Errorf("merged (-want +got):\n%s", d)
				}
			}
		})
	}
}
