package httpapi_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// labour returns a valid labour follow-up of unit naming child ("": none).
func labour(t testing.TB, unit, child string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "forms", "testdata", "labour", "valid", "no_work.json"))
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	if child != "" {
		data["child_id"] = child
	}
	return map[string]any{"id": uuid.NewString(), "form_version": 1, "unit": unit, "survey_date": "2026-06-20", "data": data}
}

// TestFollowUpReference: a follow-up's child_id must name a registry
// child of the collector's area: an unknown child, or one of another
// commune, is refused with 422 at the field, and nothing is stored.
func TestFollowUpReference(t *testing.T) {
	a := newAPI(t)
	col := a.user("collector", "00070")
	other := a.user("collector", "00082")
	hh := a.submit(col, "00070")
	child := hh["data"].(map[string]any)["children"].([]any)[0].(map[string]any)["child_id"].(string)

	if r := a.do("POST", "/api/v1/forms/labour/submissions", col, labour(t, "00070", child)); r.status != http.StatusCreated {
		t.Fatalf("follow-up of a roster child: %d %s", r.status, r.body)
	}
	if r := a.do("POST", "/api/v1/forms/labour/submissions", col, labour(t, "00070", "")); r.status != http.StatusCreated {
		t.Fatalf("follow-up registering its child: %d %s", r.status, r.body)
	}
	for _, c := range []struct {
		name, tok, unit, child string
	}{
		{"unknown child", col, "00070", uuid.NewString()},
		{"child of another commune", other, "00082", child},
	} {
		t.Run(c.name, func(t *testing.T) {
			sub := labour(t, c.unit, c.child)
			r := a.do("POST", "/api/v1/forms/labour/submissions", c.tok, sub)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", r.status, r.body)
			}
			if f := r.error(t).fields(); !slices.Equal(f, []string{"/data/child_id unknown_child"}) {
				t.Errorf("fields = %v", f)
			}
			if r := a.do("GET", "/api/v1/forms/labour/submissions/"+sub["id"].(string), a.admin, nil); r.status != http.StatusNotFound {
				t.Errorf("the refused follow-up was stored: %d", r.status)
			}
		})
	}
}

// visit returns a household submission of unit: household hh, the
// example's answers with its roster replaced by kids (id, name, sex, dob).
func visit(t testing.TB, unit, date, hh string, kids [][4]string, left ...map[string]any) map[string]any {
	t.Helper()
	sub := household(t, unit)
	data := sub["data"].(map[string]any)
	tmpl := data["children"].([]any)[1].(map[string]any) // a child in no special circumstance
	var roster []any
	for _, k := range kids {
		c := map[string]any{}
		for f, v := range tmpl {
			c[f] = v
		}
		c["child_id"], c["full_name"], c["sex"], c["date_of_birth"] = k[0], k[1], k[2], k[3]
		roster = append(roster, c)
	}
	data["children"] = roster
	data["household_id"] = hh
	if len(left) > 0 {
		l := make([]any, len(left))
		for i, x := range left {
			l[i] = x
		}
		data["children_left"] = l
	}
	sub["survey_date"], sub["started_at"], sub["ended_at"] = date, nil, nil
	delete(sub, "started_at")
	delete(sub, "ended_at")
	return sub
}

func mustStatus(t *testing.T, r response, want int, what string) response {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: %d, want %d: %s", what, r.status, want, r.body)
	}
	return r
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	return v
}

type candidatesBody struct {
	Items []struct{ Kind, A, B, Rule string } `json:"items"`
}

type childBody struct {
	Child struct {
		ID, HouseholdID, FullName string
		LeftAt                    *string `json:"left_at"`
		LeftReason                string  `json:"left_reason"`
	} `json:"child"`
	MergedInto string   `json:"merged_into"`
	Aliases    []string `json:"aliases"`
	Timeline   []struct {
		Form         string `json:"form"`
		SubmissionID string `json:"submission_id"`
	} `json:"timeline"`
}

// TestRegistryDuplicates: a child registered twice by two collectors is
// a candidate for the supervisor of the area, and for no one else; a
// merge folds the alias's observations into the survivor, an undo
// restores both, "not duplicates" keeps the pair out of the queue; every
// decision is audited.
func TestRegistryDuplicates(t *testing.T) {
	a := newAPI(t)
	col1, col2 := a.user("collector", "00070"), a.user("collector", "00070")
	sup := a.user("supervisor", "00070")
	otherSup := a.user("supervisor", "00082")
	x, y := uuid.NewString(), uuid.NewString()
	mustStatus(t, a.do("POST", "/api/v1/forms/household/submissions", col1,
		visit(t, "00070", "2026-06-15", uuid.NewString(), [][4]string{{x, "Nguyễn Văn Hoà", "male", "2016-05-04"}})), http.StatusCreated, "first household")
	mustStatus(t, a.do("POST", "/api/v1/forms/household/submissions", col2,
		visit(t, "00070", "2026-06-16", uuid.NewString(), [][4]string{{y, "nguyen  van hoa", "male", "2016-05-04"}})), http.StatusCreated, "second household")
	fu := labour(t, "00070", y)
	mustStatus(t, a.do("POST", "/api/v1/forms/labour/submissions", col2, fu), http.StatusCreated, "follow-up of the second")

	cands := decode[candidatesBody](t, mustStatus(t, a.do("GET", "/api/v1/registry/candidates?kind=child", sup, nil), http.StatusOK, "candidates"))
	a1, b1 := min(x, y), max(x, y)
	if len(cands.Items) != 1 || cands.Items[0].A != a1 || cands.Items[0].B != b1 || cands.Items[0].Rule != "same_name_sex_dob" {
		t.Fatalf("candidates = %+v, want the pair", cands.Items)
	}
	if c := decode[candidatesBody](t, a.do("GET", "/api/v1/registry/candidates?kind=child", otherSup, nil)); len(c.Items) != 0 {
		t.Errorf("a supervisor of another commune sees %+v", c.Items)
	}
	merge := map[string]any{"kind": "child", "action": "merge", "a": x, "b": y, "survivor": x}
	mustStatus(t, a.do("POST", "/api/v1/registry/decisions", otherSup, merge), http.StatusNotFound, "merge from another commune")
	mustStatus(t, a.do("POST", "/api/v1/registry/decisions", col1, merge), http.StatusForbidden, "merge by a collector")
	r := a.do("POST", "/api/v1/registry/decisions", sup, map[string]any{"kind": "child", "action": "merge", "a": x, "b": y, "survivor": "z"})
	mustStatus(t, r, http.StatusUnprocessableEntity, "merge with a survivor not of the pair")
	if f := r.error(t).fields(); !slices.Equal(f, []string{"/survivor invalid_survivor"}) {
		t.Errorf("fields = %v", f)
	}

	d := decode[struct{ ID, Survivor, Alias string }](t, mustStatus(t, a.do("POST", "/api/v1/registry/decisions", sup, merge), http.StatusCreated, "merge"))
	if d.Survivor != x || d.Alias != y {
		t.Errorf("decision = %+v", d)
	}
	mustStatus(t, a.do("POST", "/api/v1/registry/decisions", sup, merge), http.StatusConflict, "merge again")
	if c := decode[candidatesBody](t, a.do("GET", "/api/v1/registry/candidates?kind=child", sup, nil)); len(c.Items) != 0 {
		t.Errorf("candidates after the merge = %+v", c.Items)
	}
	surv := decode[childBody](t, mustStatus(t, a.do("GET", "/api/v1/registry/children/"+x, sup, nil), http.StatusOK, "survivor"))
	if !slices.Equal(surv.Aliases, []string{y}) || len(surv.Timeline) != 3 {
		t.Errorf("survivor = %+v, want alias %s and both visits and the follow-up in the timeline", surv, y)
	}
	alias := decode[childBody](t, a.do("GET", "/api/v1/registry/children/"+y, sup, nil))
	if alias.MergedInto != x {
		t.Errorf("alias merged_into = %q, want %s", alias.MergedInto, x)
	}
	mustStatus(t, a.do("GET", "/api/v1/registry/children/"+x, otherSup, nil), http.StatusNotFound, "child of another commune")

	mustStatus(t, a.do("POST", "/api/v1/registry/decisions/"+d.ID+"/undo", otherSup, nil), http.StatusNotFound, "undo from another commune")
	mustStatus(t, a.do("POST", "/api/v1/registry/decisions/"+d.ID+"/undo", sup, nil), http.StatusOK, "undo")
	mustStatus(t, a.do("POST", "/api/v1/registry/decisions/"+d.ID+"/undo", sup, nil), http.StatusConflict, "undo again")
	surv = decode[childBody](t, a.do("GET", "/api/v1/registry/children/"+x, sup, nil))
	alias = decode[childBody](t, a.do("GET", "/api/v1/registry/children/"+y, sup, nil))
	if len(surv.Aliases) != 0 || alias.MergedInto != "" || len(surv.Timeline) != 1 || len(alias.Timeline) != 2 {
		t.Errorf("after the undo: %+v and %+v", surv, alias)
	}
	if c := decode[candidatesBody](t, a.do("GET", "/api/v1/registry/candidates?kind=child", sup, nil)); len(c.Items) != 1 {
		t.Errorf("candidates after the undo = %+v, want the pair again", c.Items)
	}
	mustStatus(t, a.do("POST", "/api/v1/registry/decisions", sup, map[string]any{"kind": "child", "action": "not_duplicates", "a": y, "b": x}),
		http.StatusCreated, "not duplicates")
	if c := decode[candidatesBody](t, a.do("GET", "/api/v1/registry/candidates?kind=child", sup, nil)); len(c.Items) != 0 {
		t.Errorf("candidates after not-duplicates = %+v", c.Items)
	}
	audit := decode[struct {
		Items []struct{ Action, Target, Username string }
	}](t, mustStatus(t, a.do("GET", "/api/v1/audit?limit=1000", a.admin, nil), http.StatusOK, "audit"))
	var actions []string
	for _, e := range audit.Items {
		if strings.HasPrefix(e.Action, "registry.") {
			actions = append(actions, e.Action)
		}
	}
	slices.Sort(actions)
	if want := []string{"registry.merge", "registry.not_duplicates", "registry.undo"}; !slices.Equal(actions, want) {
		t.Errorf("audited = %v, want %v", actions, want)
	}
}

// TestRegistryRevisitAndFeed: a revisit keeps the household, a child
// removed has left with the reason given, a newborn joins; the phone's
// feed carries only what changed since its cursor, of its communes.
func TestRegistryRevisitAndFeed(t *testing.T) {
	a := newAPI(t)
	col := a.user("collector", "00070")
	other := a.user("collector", "00082")
	hh, an, binh, baby := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	mustStatus(t, a.do("POST", "/api/v1/forms/household/submissions", col, visit(t, "00070", "2026-05-10", hh,
		[][4]string{{an, "Nguyễn Văn An", "male", "2015-03-02"}, {binh, "Nguyễn Thị Bình", "female", "2018-07-09"}})), http.StatusCreated, "first visit")

	type feed struct {
		Items []struct {
			Kind, ID string
			Removed  bool
		} `json:"items"`
		Cursor string `json:"cursor"`
	}
	f := decode[feed](t, mustStatus(t, a.do("GET", "/api/v1/registry/changes", col, nil), http.StatusOK, "feed"))
	if len(f.Items) != 3 {
		t.Fatalf("first feed = %+v, want the household and its two children", f.Items)
	}
	if o := decode[feed](t, a.do("GET", "/api/v1/registry/changes", other, nil)); len(o.Items) != 0 {
		t.Errorf("a collector of another commune gets %+v", o.Items)
	}
	if again := decode[feed](t, a.do("GET", "/api/v1/registry/changes?cursor="+f.Cursor, col, nil)); len(again.Items) != 0 || again.Cursor != f.Cursor {
		t.Errorf("feed from the cursor with no change = %+v", again)
	}

	mustStatus(t, a.do("POST", "/api/v1/forms/household/submissions", col, visit(t, "00070", "2026-06-10", hh,
		[][4]string{{an, "Nguyễn Văn An", "male", "2015-03-02"}, {baby, "Nguyễn Văn Cường", "male", "2026-05-01"}},
		map[string]any{"child_id": binh, "left_reason": "moved_out"})), http.StatusCreated, "revisit")
	c := decode[childBody](t, mustStatus(t, a.do("GET", "/api/v1/registry/children/"+binh, col, nil), http.StatusOK, "child who left"))
	if c.Child.LeftAt == nil || *c.Child.LeftAt != "2026-06-10" || c.Child.LeftReason != "moved_out" {
		t.Errorf("child who moved out = %+v", c.Child)
	}
	h := decode[struct {
		Household struct{ Visits int } `json:"household"`
		Children  []struct {
			ChildID string  `json:"child_id"`
			LeftAt  *string `json:"left_at"`
		} `json:"children"`
	}](t, mustStatus(t, a.do("GET", "/api/v1/registry/households/"+hh, col, nil), http.StatusOK, "household"))
	if h.Household.Visits != 2 || len(h.Children) != 3 {
		t.Errorf("household = %+v, want 2 visits and 3 stays", h)
	}
	next := decode[feed](t, a.do("GET", "/api/v1/registry/changes?cursor="+f.Cursor, col, nil))
	var ids []string
	for _, it := range next.Items {
		ids = append(ids, it.ID)
	}
	slices.Sort(ids)
	want := []string{an, baby, binh, hh}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("feed after the revisit = %v, want %v (each changed record once)", ids, want)
	}
	mustStatus(t, a.do("GET", "/api/v1/registry/changes?cursor=abc", col, nil), http.StatusBadRequest, "bad cursor")
}

// TestSyncFollowUpOfANewChild: a phone that registered a household
// offline and filed a follow-up for one of its children sends both in
// one sync, stored in parallel: the follow-up is accepted all the same.
func TestSyncFollowUpOfANewChild(t *testing.T) {
	a := newAPI(t)
	col := a.user("collector", "00070")
	var batch []map[string]any
	for i := range 8 { // enough items that the workers take them at once
		hh := uuid.NewString()
		kid := uuid.NewString()
		v := visit(t, "00070", "2026-06-15", hh, [][4]string{{kid, "Nguyễn Văn An " + strconv.Itoa(i), "male", "2015-03-02"}})
		v["form"] = "household"
		f := labour(t, "00070", kid)
		f["form"] = "labour"
		batch = append(batch, f, v) // the follow-up first: the worst order
	}
	r := mustStatus(t, a.do("POST", "/api/v1/sync", col, map[string]any{"submissions": batch}), http.StatusOK, "sync")
	res := decode[struct {
		Results []struct {
			Status int             `json:"status"`
			Error  json.RawMessage `json:"error"`
		} `json:"results"`
	}](t, r)
	for i, it := range res.Results {
		if it.Status != http.StatusCreated {
			t.Errorf("item %d (%s): %d %s", i, batch[i]["form"], it.Status, it.Error)
		}
	}
}
