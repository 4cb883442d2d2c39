package main

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type feedEvent struct {
	Kind     string `json:"kind"`
	ID       string `json:"id"`
	Form     string `json:"form"`
	Revision int    `json:"revision"`
	By       string `json:"by"`
}

type feedPage struct {
	Items      []feedEvent `json:"items"`
	NextCursor string      `json:"next_cursor"`
}

func readFeed(t *testing.T, c *client, cursor, query string) feedPage {
	t.Helper()
	r := c.do("GET", "/api/v1/changes?cursor="+url.QueryEscape(cursor)+query, nil)
	if r.status != http.StatusOK {
		t.Fatalf("changes: %d %s", r.status, r.body)
	}
	var p feedPage
	r.json(t, &p)
	return p
}

// feedEnd reads the feed to its current end and returns the cursor there.
func feedEnd(t *testing.T, c *client) string {
	t.Helper()
	cursor := ""
	for {
		p := readFeed(t, c, cursor, "&limit=1000")
		if len(p.Items) == 0 && p.NextCursor == cursor {
			return cursor
		}
		cursor = p.NextCursor
	}
}

func (e feedEvent) key() string { return fmt.Sprintf("%s/%d/%s", e.ID, e.Revision, e.Kind) }

// TestChangeFeedWhileWriting reads the feed in small pages while 8
// goroutines create, edit, review, delete and restore submissions: the
// union of the pages is exactly the set of changes made, without
// duplicates, each submission's changes in the order they were made; a
// second reader with another page size sees the same sequence.
func TestChangeFeedWhileWriting(t *testing.T) {
	admin := adminClient(t, shared)
	start := feedEnd(t, admin)
	sup := newUser(t, shared, "supervisor", "00004")
	mgr := newUser(t, shared, "manager", "00004")

	const writers, perWriter = 8, 4
	var mu sync.Mutex
	made := map[string][]string{} // submission id → its change keys in order
	owner := map[string]int{}     // submission id → writer
	record := func(id string, keys ...string) {
		mu.Lock()
		made[id] = append(made[id], keys...)
		mu.Unlock()
	}
	cols := make([]*client, writers)
	for g := range cols {
		cols[g] = newUser(t, shared, "collector", "00004")
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			col := cols[g]
			for i := 0; i < perWriter; i++ {
				env := envelope(householdData(t))
				id := env["id"].(string)
				path := subsPath + id
				if r := col.do("POST", "/api/v1/forms/household/submissions", env); r.status != http.StatusCreated {
					t.Errorf("create: %d", r.status)
					return
				}
				record(id, id+"/1/create")
				mu.Lock()
				owner[id] = g
				mu.Unlock()
				if r := col.do("PUT", path, env, "If-Match", `"1"`); r.status != http.StatusOK {
					t.Errorf("edit: %d %s", r.status, r.body)
					return
				}
				record(id, id+"/2/edit")
				if r := sup.do("POST", path+"/review", map[string]any{"state": "approved"}); r.status != http.StatusOK {
					t.Errorf("review: %d", r.status)
					return
				}
				record(id, id+"/2/review")
				if i%2 == 0 {
					if r := sup.do("DELETE", path, nil); r.status != http.StatusNoContent {
						t.Errorf("delete: %d", r.status)
						return
					}
					record(id, id+"/2/delete")
					if r := mgr.do("POST", path+"/restore", nil); r.status != http.StatusOK {
						t.Errorf("restore: %d", r.status)
						return
					}
					record(id, id+"/2/restore")
				}
			}
		}()
	}
	// Meanwhile a phone syncs batches (their feed numbers are taken in blocks).
	const batches, perBatch = 2, 60
	wg.Add(1)
	go func() {
		defer wg.Done()
		phone := cols[0]
		for b := 0; b < batches; b++ {
			items := make([]map[string]any, perBatch)
			for i := range items {
				items[i] = syncItem("household", envelope(householdData(t)))
			}
			items[7] = syncItem("household", map[string]any{"id": "bad"}) // a failing item uses no number
			for i, res := range syncBatch(t, phone, items) {
				if i != 7 && res.Status != http.StatusCreated {
					t.Errorf("sync item %d: %+v", i, res)
				} else if i != 7 {
					record(res.ID, res.ID+"/1/create")
					mu.Lock()
					owner[res.ID] = 0
					mu.Unlock()
				}
			}
		}
	}()
	t0 := time.Now()
	go func() { wg.Wait(); t.Logf("writers took %v", time.Since(t0)); close(done) }()

	read := func(c *client, limit int, stopWhenDone <-chan struct{}) []feedEvent {
		var got []feedEvent
		cursor := start
		finished := false
		for {
			select {
			case <-stopWhenDone:
				finished = true
			default:
			}
			p := readFeed(t, c, cursor, fmt.Sprintf("&limit=%d&form=household", limit))
			got = append(got, p.Items...)
			caughtUp := len(p.Items) == 0 && p.NextCursor == cursor
			cursor = p.NextCursor
			if caughtUp && finished {
				return got
			}
			if caughtUp {
				time.Sleep(5 * time.Millisecond)
			}
		}
	}
	got := read(admin, 7, done)
	<-done

	seen := map[string]bool{}
	perSub := map[string][]string{}
	for _, e := range got {
		if _, ours := made[e.ID]; !ours {
			continue
		}
		if seen[e.key()] {
			t.Errorf("event %s read twice", e.key())
		}
		seen[e.key()] = true
		perSub[e.ID] = append(perSub[e.ID], e.key())
	}
	if d := cmp.Diff(made, perSub); d != "" {
		t.Errorf("events per submission (-made +read):\n%s", d)
	}
	total := 0
	for _, keys := range made {
		total += len(keys)
	}
	if want := writers*perWriter*4 + batches*(perBatch-1); total != want {
		t.Errorf("made %d changes, want %d", total, want)
	}

	// A second reader, other page size, after the fact: the same sequence.
	again := read(admin, 50, done)
	if d := cmp.Diff(got, again); d != "" {
		t.Errorf("second reading differs (-first +second):\n%s", d)
	}

	t.Run("scoped", func(t *testing.T) {
		var mine []string
		for _, e := range read(cols[0], 100, done) {
			if g, ok := owner[e.ID]; !ok || g != 0 {
				t.Errorf("collector sees a foreign event %+v", e)
			}
			mine = append(mine, e.key())
		}
		var want []string
		for _, e := range got {
			if owner[e.ID] == 0 && made[e.ID] != nil {
				want = append(want, e.key())
			}
		}
		if d := cmp.Diff(want, mine); d != "" {
			t.Errorf("collector's own events (-want +got):\n%s", d)
		}
		other := newUser(t, shared, "collector", "00008")
		if p := readFeed(t, other, start, "&limit=1000"); len(p.Items) != 0 {
			t.Errorf("a collector of another commune sees %d events", len(p.Items))
		} else if p.NextCursor != start {
			// A cursor that moved would tell them others' submissions came in.
			t.Errorf("the cursor moved over events the reader may not see: %q → %q", start, p.NextCursor)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, q := range []string{"?cursor=nope", "?limit=0", "?limit=1001", "?cursor=YzEuLTE"} {
			if r := admin.do("GET", "/api/v1/changes"+q, nil); r.status != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", q, r.status)
			}
		}
		if r := admin.do("GET", "/api/v1/changes?form=nosuch", nil); r.status != http.StatusNotFound {
			t.Errorf("unknown form: %d, want 404", r.status)
		}
	})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
