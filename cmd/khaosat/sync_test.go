package main

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type itemResult struct {
	ID       string `json:"id"`
	Status   int    `json:"status"`
	Revision int    `json:"revision"`
	Error    *struct {
		Code   string `json:"code"`
		Fields []struct {
			Path string `json:"path"`
			Code string `json:"code"`
		} `json:"fields"`
	} `json:"error"`
}

func syncBatch(t *testing.T, c *client, items []map[string]any) []itemResult {
	t.Helper()
	r := c.do("POST", "/api/v1/sync", map[string]any{"submissions": items})
	if r.status != http.StatusOK {
		t.Fatalf("sync: %d %.300s", r.status, r.body)
	}
	var res struct {
		Results []itemResult `json:"results"`
	}
	r.json(t, &res)
	if len(res.Results) != len(items) {
		t.Fatalf("sync: %d results for %d items", len(res.Results), len(items))
	}
	return res.Results
}

func syncItem(form string, env map[string]any) map[string]any {
	it := map[string]any{"form": form}
	for k, v := range env {
		it[k] = v
	}
	return it
}

// TestSyncBatch sends a 500-item batch mixing valid, invalid, malformed,
// duplicate and conflicting items, checks each result, then sends the
// same batch again and checks that nothing new is stored.
func TestSyncBatch(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	other := newUser(t, shared, "collector", "00004")
	taken := envelope(householdData(t)) // stored by another user before the batch
	if r := other.do("POST", "/api/v1/forms/household/submissions", taken); r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}

	type want struct {
		status int
		code   string
		field  string // path of an expected field error
	}
	var items []map[string]any
	var wants []want
	add := func(it map[string]any, w want) { items = append(items, it); wants = append(wants, w) }
	firstValid := envelope(householdData(t))
	add(syncItem("household", firstValid), want{201, "", ""})
	for i := 0; len(items) < 500; i++ {
		switch i % 10 {
		case 0: // invalid answers
			d := householdData(t)
			d["members_total"] = "many"
			add(syncItem("household", envelope(d)), want{422, "invalid", "/data/members_total"})
		case 1: // no form
			add(envelope(householdData(t)), want{400, "malformed", "/form"})
		case 2: // unknown form
			add(syncItem("nosuchform", envelope(householdData(t))), want{404, "not_found", ""})
		case 3: // another user's id
			add(syncItem("household", taken), want{409, "conflict", "/id"})
		case 4: // the first valid item again, identical: a retry inside the batch
			add(syncItem("household", firstValid), want{200, "", ""})
		case 5: // the first valid item's id with other content
			e := envelope(householdData(t))
			e["id"], e["device_id"] = firstValid["id"], "another-phone"
			add(syncItem("household", e), want{409, "conflict", "/id"})
		default:
			add(syncItem("household", envelope(householdData(t))), want{201, "", ""})
		}
	}
	check := func(t *testing.T, got []itemResult, retry bool) {
		for i, g := range got {
			w := wants[i]
			if retry && w.status == 201 {
				w.status = 200
			}
			if id, _ := items[i]["id"].(string); g.ID != id {
				t.Errorf("item %d: id %q, want %q", i, g.ID, id)
			}
			if g.Status != w.status {
				t.Errorf("item %d: status %d, want %d (%+v)", i, g.Status, w.status, g.Error)
				continue
			}
			if w.code == "" {
				if g.Error != nil || g.Revision != 1 {
					t.Errorf("item %d: stored, want no error and revision 1, got %+v rev %d", i, g.Error, g.Revision)
				}
				continue
			}
			if g.Error == nil || g.Error.Code != w.code {
				t.Errorf("item %d: error %+v, want code %s", i, g.Error, w.code)
				continue
			}
			if w.field != "" {
				found := false
				for _, f := range g.Error.Fields {
					found = found || f.Path == w.field
				}
				if !found {
					t.Errorf("item %d: want a field error at %s, got %+v", i, w.field, g.Error.Fields)
				}
			}
		}
	}
	check(t, syncBatch(t, col, items), false)
	stored := 0
	for _, w := range wants {
		if w.status == 201 {
			stored++
		}
	}
	if n := countSubmissions(t, col, "household", ""); n != stored {
		t.Fatalf("after the batch the collector has %d submissions, want %d", n, stored)
	}
	t.Run("the same batch again stores nothing", func(t *testing.T) {
		check(t, syncBatch(t, col, items), true)
		if n := countSubmissions(t, col, "household", ""); n != stored {
			t.Fatalf("after resending the collector has %d submissions, want %d", n, stored)
		}
	})
	t.Run("limits", func(t *testing.T) {
		for _, n := range []int{0, 501} {
			batch := make([]map[string]any, n)
			for i := range batch {
				batch[i] = syncItem("household", envelope(householdData(t)))
			}
			r := col.do("POST", "/api/v1/sync", map[string]any{"submissions": batch})
			if r.status != http.StatusUnprocessableEntity || !r.errorBody(t).hasField("/submissions", "size") {
				t.Errorf("%d items: %d %.200s, want 422 /submissions size", n, r.status, r.body)
			}
		}
		r := col.do("POST", "/api/v1/sync", map[string]any{"submissions": []any{}, "extra": 1})
		if r.status != http.StatusBadRequest {
			t.Errorf("unknown field: %d, want 400", r.status)
		}
		designer := newUser(t, shared, "designer")
		r = designer.do("POST", "/api/v1/sync", map[string]any{"submissions": []any{syncItem("household", envelope(householdData(t)))}})
		if r.status != http.StatusForbidden {
			t.Errorf("designer: %d, want 403", r.status)
		}
	})
}

// TestSyncConcurrentSameID has 50 goroutines send the same submission at
// once, half through /sync and half one by one: exactly one is stored
// (201), every other gets 200. Run it under -race.
func TestSyncConcurrentSameID(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	env := envelope(householdData(t))
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var status int
			if g%2 == 0 {
				r := col.do("POST", "/api/v1/sync", map[string]any{"submissions": []any{syncItem("household", env)}})
				var res struct {
					Results []itemResult `json:"results"`
				}
				r.json(t, &res)
				status = res.Results[0].Status
			} else {
				status = col.do("POST", "/api/v1/forms/household/submissions", env).status
			}
			mu.Lock()
			statuses[status]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if diff := cmp.Diff(map[int]int{201: 1, 200: 49}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if n := countSubmissions(t, col, "household", ""); n != 1 {
		t.Fatalf("%d documents, want 1", n)
	}
	r := col.do("GET", fmt.Sprintf("/api/v1/forms/household/submissions/%s", env["id"]), nil)
	if r.status != http.StatusOK || r.header.Get("ETag") != `"1"` {
		t.Fatalf("read: %d %s", r.status, r.header.Get("ETag"))
	}
}
