package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The household answers withheld from whoever may not see sensitive ones.
var householdSensitive = []string{"special_circumstances", "receiving_support", "support_types"}

// childSensitive returns, per child_id, the sensitive answers c reads of
// the submission at path (c must be allowed to see them).
func childSensitive(t *testing.T, c *client, path string) map[string]map[string]any {
	t.Helper()
	var s subJSON
	r := c.do("GET", path, nil)
	if r.status != http.StatusOK {
		t.Fatalf("read %s: %d %s", path, r.status, r.body)
	}
	r.json(t, &s)
	return sensitiveByChild(s.Data)
}

func sensitiveByChild(data map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, it := range data["children"].([]any) {
		child := it.(map[string]any)
		got := map[string]any{}
		for _, name := range householdSensitive {
			if v, ok := child[name]; ok {
				got[name] = v
			}
		}
		out[child["child_id"].(string)] = got
	}
	return out
}

// readAs returns the envelope env with the answers c reads of it now, and
// the revision read: what a client that has no copy of its own would send
// back as an edit.
func readAs(t *testing.T, c *client, env map[string]any) (map[string]any, string) {
	t.Helper()
	var s struct {
		subJSON
		Redacted []string `json:"redacted"`
	}
	r := c.do("GET", subsPath+env["id"].(string), nil)
	if r.status != http.StatusOK {
		t.Fatalf("read: %d %s", r.status, r.body)
	}
	r.json(t, &s)
	out := map[string]any{}
	for k, v := range env {
		out[k] = v
	}
	out["data"] = s.Data
	return out, r.header.Get("ETag")
}

// withoutSensitive returns household answers without the sensitive ones:
// what an editor without the grant has (leaving them out keeps them).
func withoutSensitive(data map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range data {
		out[k] = v
	}
	var list []any
	for _, it := range data["children"].([]any) {
		c := map[string]any{}
		for k, v := range it.(map[string]any) {
			c[k] = v
		}
		for _, name := range householdSensitive {
			delete(c, name)
		}
		list = append(list, c)
	}
	out["children"] = list
	return out
}

// withSensitiveLeftOut returns the envelope env with its household answers
// as withoutSensitive gives them.
func withSensitiveLeftOut(env map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range env {
		out[k] = v
	}
	out["data"] = withoutSensitive(env["data"].(map[string]any))
	return out
}

func children(env map[string]any) []any { return env["data"].(map[string]any)["children"].([]any) }

func child(env map[string]any, i int) map[string]any { return children(env)[i].(map[string]any) }

// TestEditKeepsWithheldAnswers: an edit by someone who was shown the
// submission without its sensitive answers keeps those it leaves out; the
// collector of the submission may correct them, anyone else is refused
// to set, change or remove them; someone allowed to see them still
// replaces everything.
func TestEditKeepsWithheldAnswers(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	sup := newUser(t, shared, "supervisor", "00004") // without the sensitive grant
	mgr := newUser(t, shared, "manager", "00004")
	env := submitOne(t, col)
	id := env["id"].(string)
	path := subsPath + id
	want := childSensitive(t, mgr, path)
	if len(want) != 3 || want["3f1c2a7e-8b4d-4c21-9a3e-6d5b7f2c1e90"]["receiving_support"] != "yes" {
		t.Fatalf("stored sensitive answers: %v", want)
	}
	kept := func(t *testing.T, what string) {
		t.Helper()
		if d := cmp.Diff(want, childSensitive(t, mgr, path)); d != "" {
			t.Errorf("%s: sensitive answers (-want +got):\n%s", what, d)
		}
	}
	edit := func(c *client, e map[string]any, etag string) response {
		return c.do("PUT", path, e, "If-Match", etag)
	}

	t.Run("collector without a copy: withheld answers are kept", func(t *testing.T) {
		e, etag := readAs(t, col, env)
		if _, ok := child(e, 0)["special_circumstances"]; ok {
			t.Fatalf("the collector reads a sensitive answer: %v", child(e, 0))
		}
		// The phone asks again for the answers it requires and the
		// collector gives them as they were; the optional support_types
		// is left out (before the fix this edit deleted it).
		child(e, 0)["special_circumstances"] = []any{"hiv"}
		child(e, 0)["receiving_support"] = "yes"
		child(e, 1)["special_circumstances"] = []any{}
		child(e, 2)["special_circumstances"] = []any{}
		e["data"].(map[string]any)["members_total"] = 7
		r := edit(col, e, etag)
		if r.status != http.StatusOK {
			t.Fatalf("edit: %d %s", r.status, r.body)
		}
		kept(t, "after the collector's edit")
		e, etag = readAs(t, col, env)
		if r := edit(col, e, etag); r.status != http.StatusOK {
			t.Fatalf("edit sending no sensitive answer at all: %d %s", r.status, r.body)
		}
		kept(t, "after an edit without any sensitive answer")
	})

	t.Run("collector with the copy: unchanged answers pass", func(t *testing.T) {
		_, etag := readAs(t, col, env)
		if r := edit(col, env, etag); r.status != http.StatusOK {
			t.Fatalf("edit with the phone's own copy: %d %s", r.status, r.body)
		}
		kept(t, "after the phone's copy")
	})

	t.Run("collector corrects a withheld answer: stored", func(t *testing.T) {
		e, etag := readAs(t, col, env)
		id0, _ := child(e, 0)["child_id"].(string)
		child(e, 0)["special_circumstances"] = []any{"hiv", "double_orphan"}
		if r := edit(col, e, etag); r.status != http.StatusOK {
			t.Fatalf("the collector's correction: %d %s", r.status, r.body)
		}
		if got := childSensitive(t, mgr, path)[id0]["special_circumstances"]; !cmp.Equal(got, []any{"hiv", "double_orphan"}) {
			t.Errorf("after the correction: %v", got)
		}
		// And back, so that what follows starts from the stored answers.
		e, etag = readAs(t, col, env)
		child(e, 0)["special_circumstances"] = []any{"hiv"}
		if r := edit(col, e, etag); r.status != http.StatusOK {
			t.Fatalf("the collector's second correction: %d %s", r.status, r.body)
		}
		kept(t, "after the corrections")
	})

	t.Run("supervisor without the grant: any sensitive answer refused, omission kept", func(t *testing.T) {
		e, etag := readAs(t, sup, env)
		child(e, 1)["special_circumstances"] = []any{} // the stored answer, but a guess to the supervisor
		r := edit(sup, e, etag)
		if r.status != http.StatusForbidden || !r.errorBody(t).hasField("/data/children/1/special_circumstances", "withheld_answer") {
			t.Fatalf("supervisor sends a withheld answer: %d %s, want 403", r.status, r.body)
		}
		e, etag = readAs(t, sup, env)
		child(e, 2)["full_name"] = "Nguyễn Bảo Ngọc Anh"
		if r := edit(sup, e, etag); r.status != http.StatusOK {
			t.Fatalf("supervisor's correction: %d %s", r.status, r.body)
		}
		kept(t, "after the supervisor's correction")
	})

	t.Run("children reordered: answers stay with each child", func(t *testing.T) {
		e, etag := readAs(t, sup, env)
		list := children(e)
		list[0], list[2] = list[2], list[0]
		if r := edit(sup, e, etag); r.status != http.StatusOK {
			t.Fatalf("reorder: %d %s", r.status, r.body)
		}
		kept(t, "after reordering")
	})

	t.Run("removing a child with withheld answers: refused", func(t *testing.T) {
		e, etag := readAs(t, sup, env)
		d := e["data"].(map[string]any)
		d["children"] = children(e)[1:]
		r := edit(sup, e, etag)
		if r.status != http.StatusForbidden || !r.errorBody(t).hasField("/data/children/0", "withheld_removed") {
			t.Fatalf("removal: %d %s, want 403 naming the item", r.status, r.body)
		}
		kept(t, "after the refused removal")
	})

	t.Run("a new child carries its answers", func(t *testing.T) {
		e, etag := readAs(t, sup, env)
		d := e["data"].(map[string]any)
		d["children"] = append(children(e), map[string]any{"child_id": "0d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d", "full_name": "Nguyễn Văn Bình",
			"sex": "male", "date_of_birth": "2020-01-05", "birth_registered": "yes", "lives_with": "both_parents", "mother_alive": "yes",
			"father_alive": "yes", "in_school": "not_applicable", "health_insurance": "yes", "special_circumstances": []any{}})
		if r := edit(sup, e, etag); r.status != http.StatusOK {
			t.Fatalf("new child: %d %s", r.status, r.body)
		}
		want["0d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d"] = map[string]any{"special_circumstances": []any{}}
		kept(t, "after adding a child")
	})

	t.Run("the merged answers are validated", func(t *testing.T) {
		e, etag := readAs(t, sup, env)
		child(e, 0)["sex"] = "other"
		if r := edit(sup, e, etag); r.status != http.StatusUnprocessableEntity || !r.errorBody(t).hasField("/data/children/0/sex", "enum") {
			t.Fatalf("invalid edit: %d %s, want 422", r.status, r.body)
		}
	})

	t.Run("history keeps every revision sealed", func(t *testing.T) {
		var hist struct {
			Revisions []struct {
				Revision int `json:"revision"`
			} `json:"revisions"`
		}
		mgr.do("GET", path+"/history", nil).json(t, &hist)
		if len(hist.Revisions) < 6 {
			t.Fatalf("history: %+v", hist.Revisions)
		}
		var first subJSON
		mgr.do("GET", path+"/history/1", nil).json(t, &first)
		if got := sensitiveByChild(first.Data); len(got) != 3 || got["3f1c2a7e-8b4d-4c21-9a3e-6d5b7f2c1e90"]["receiving_support"] != "yes" {
			t.Errorf("revision 1 as the manager reads it: %v", got)
		}
		rows, err := rawDB(t, shared).Query(`SELECT doc FROM submission_history WHERE submission = ? UNION ALL SELECT doc FROM submissions WHERE id = ?`, id, id)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var doc []byte
			if err := rows.Scan(&doc); err != nil {
				t.Fatal(err)
			}
			n++
			for _, name := range householdSensitive {
				if bytes.Contains(doc, []byte(name)) {
					t.Errorf("a stored copy holds %s in clear", name)
				}
			}
		}
		if n < 6 {
			t.Errorf("%d stored copies", n)
		}
	})

	t.Run("a manager replaces everything", func(t *testing.T) {
		e, etag := readAs(t, mgr, env)
		c := child(e, 0)
		c["special_circumstances"] = []any{}
		delete(c, "receiving_support")
		delete(c, "support_types")
		if r := edit(mgr, e, etag); r.status != http.StatusOK {
			t.Fatalf("manager's edit: %d %s", r.status, r.body)
		}
		got := childSensitive(t, mgr, path)[child(e, 0)["child_id"].(string)]
		if d := cmp.Diff(map[string]any{"special_circumstances": []any{}}, got); d != "" {
			t.Errorf("after the manager's edit (-want +got):\n%s", d)
		}
	})
}

// TestConcurrentEditsKeepWithheld races ten edits of one revision by
// editors who may not see the sensitive answers (the collector and a
// supervisor, both leaving them out): exactly one wins, the others get
// 412, and the sensitive answers are intact.
func TestConcurrentEditsKeepWithheld(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	sup := newUser(t, shared, "supervisor", "00004")
	mgr := newUser(t, shared, "manager", "00004")
	env := submitOne(t, col)
	path := subsPath + env["id"].(string)
	want := childSensitive(t, mgr, path)
	e, etag := readAs(t, col, env)
	body, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for g := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine map[string]any
			if err := json.Unmarshal(body, &mine); err != nil {
				t.Error(err)
				return
			}
			mine["data"].(map[string]any)["members_total"] = 10 + g
			c := col
			if g%2 == 1 {
				c = sup
			}
			s := c.do("PUT", path, mine, "If-Match", etag).status
			mu.Lock()
			statuses[s]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if d := cmp.Diff(map[int]int{200: 1, 412: 9}, statuses); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want, childSensitive(t, mgr, path)); d != "" {
		t.Errorf("sensitive answers after the race (-want +got):\n%s", d)
	}
}
