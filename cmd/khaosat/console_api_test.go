package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestDiffWithDraft: a designer sees what publishing the draft would change,
// breaking changes marked, before publishing; nobody else reads the draft.
func TestDiffWithDraft(t *testing.T) {
	des := newUser(t, shared, "designer")
	col := newUser(t, shared, "collector", "00004")
	id := newFormID()
	base := "/api/v1/forms/" + id
	wantStatus(t, des.do("POST", "/api/v1/forms", designForm(id)), http.StatusCreated, "create")
	wantStatus(t, des.do("POST", base+"/publish", map[string]any{}), http.StatusCreated, "publish v1")
	wantStatus(t, des.do("GET", base+"/diff?from=1&to=draft", nil), http.StatusNotFound, "diff without a draft")

	draft := withSchool(id)
	sex := props(draft)["sex"].(map[string]any)
	sex["enum"] = []any{"male", "other"}
	sex["x-choices"] = []any{sex["x-choices"].([]any)[0], sex["x-choices"].([]any)[2]}
	wantStatus(t, des.do("PUT", base+"/draft", draft), http.StatusOK, "draft")

	r := des.do("GET", base+"/diff?from=1&to=draft", nil)
	wantStatus(t, r, http.StatusOK, "diff with the draft")
	var d struct {
		To      any
		Changes []struct {
			Kind, Path string
			Breaking   bool
		}
	}
	r.json(t, &d)
	var got []string
	for _, c := range d.Changes {
		s := c.Kind + " " + c.Path
		if c.Breaking {
			s += " breaking"
		}
		got = append(got, s)
	}
	if d.To != "draft" || strings.Join(got, ", ") != "choice_removed /sex breaking, choice_added /sex, field_added /in_school" {
		t.Fatalf("diff to draft = %v %v", d.To, got)
	}
	wantStatus(t, col.do("GET", base+"/diff?from=1&to=draft", nil), http.StatusForbidden, "collector reads the draft diff")
	wantStatus(t, des.do("GET", base+"/diff?from=1&to=next", nil), http.StatusBadRequest, "to neither a version nor draft")
}

// TestListByCollector: the review queue's collector filter keeps one
// collector's submissions, and never shows a collector anyone else's.
func TestListByCollector(t *testing.T) {
	des := newUser(t, shared, "designer")
	a := newUser(t, shared, "collector", "00004")
	b := newUser(t, shared, "collector", "00004")
	sup := newUser(t, shared, "supervisor", "00004")
	id := newFormID()
	base := "/api/v1/forms/" + id
	wantStatus(t, des.do("POST", "/api/v1/forms", designForm(id)), http.StatusCreated, "create")
	wantStatus(t, des.do("POST", base+"/publish", map[string]any{}), http.StatusCreated, "publish")
	data := map[string]any{"child_name": "Lê Thị Mai", "sex": "female", "age": 7}
	wantStatus(t, a.do("POST", base+"/submissions", formEnvelope(1, data)), http.StatusCreated, "a submits")
	wantStatus(t, b.do("POST", base+"/submissions", formEnvelope(1, data)), http.StatusCreated, "b submits")
	nameOf := func(c *client) string {
		var me struct{ Username string }
		c.do("GET", "/api/v1/me", nil).json(t, &me)
		return me.Username
	}
	count := func(c *client, q string) []string {
		var page struct{ Items []struct{ Collector string } }
		r := c.do("GET", base+"/submissions"+q, nil)
		wantStatus(t, r, http.StatusOK, "list "+q)
		r.json(t, &page)
		var who []string
		for _, it := range page.Items {
			who = append(who, it.Collector)
		}
		return who
	}
	an, bn := nameOf(a), nameOf(b)
	if got := count(sup, ""); len(got) != 2 {
		t.Fatalf("supervisor sees %v, want both", got)
	}
	if got := count(sup, "?collector="+strings.ToUpper(an)); len(got) != 1 || got[0] != an {
		t.Fatalf("supervisor filtered on %s sees %v", an, got)
	}
	if got := count(a, "?collector="+bn); len(got) != 0 {
		t.Fatalf("collector a filtered on b sees %v", got)
	}
}
