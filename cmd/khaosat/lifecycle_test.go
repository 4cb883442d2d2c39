package main

import (
	"context"
	"github.com/khaosat/khaosat/internal/survey"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// auditCount counts the audit entries of an action on a target.
func auditCount(t *testing.T, action, target string) int {
	t.Helper()
	es, err := dbOf(t, shared).ListAudit(context.Background(), survey.AuditQuery{Action: action, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Target == target {
			n++
		}
	}
	return n
}

const subsPath = "/api/v1/forms/household/submissions/"

// submitOne stores a household submission as c and returns its envelope.
func submitOne(t *testing.T, c *client) map[string]any {
	t.Helper()
	env := envelope(householdData(t))
	if r := c.do("POST", "/api/v1/forms/household/submissions", env); r.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	return env
}

type subJSON struct {
	Revision    int            `json:"revision"`
	ReviewState string         `json:"review_state"`
	Data        map[string]any `json:"data"`
	Unit        string         `json:"unit"`
	Review      *struct {
		State   string `json:"state"`
		Comment string `json:"comment"`
		By      string `json:"by"`
	} `json:"review"`
}

// TestEditHistoryDiff edits a submission twice and reads its history and
// the diff between revisions; covers If-Match handling.
func TestEditHistoryDiff(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	env := submitOne(t, col)
	path := subsPath + env["id"].(string)

	t.Run("If-Match", func(t *testing.T) {
		if r := col.do("PUT", path, env); r.status != http.StatusPreconditionRequired || r.errorBody(t).Error.Code != "if_match_required" {
			t.Errorf("no If-Match: %d %s, want 428 if_match_required", r.status, r.body)
		}
		if r := col.do("PUT", path, env, "If-Match", `"7"`); r.status != http.StatusPreconditionFailed {
			t.Errorf("stale If-Match: %d, want 412", r.status)
		}
		if r := col.do("PUT", path, env, "If-Match", "abc"); r.status != http.StatusBadRequest {
			t.Errorf("garbage If-Match: %d, want 400", r.status)
		}
	})

	edit := func(rev string, change func(e map[string]any)) response {
		e := map[string]any{}
		for k, v := range env {
			e[k] = v
		}
		d := householdData(t)
		e["data"] = d
		change(e)
		return col.do("PUT", path, e, "If-Match", rev)
	}
	r := edit(`"1"`, func(e map[string]any) { e["data"].(map[string]any)["members_total"] = 7 })
	if r.status != http.StatusOK || r.header.Get("ETag") != `"2"` {
		t.Fatalf("edit 1: %d %s %s", r.status, r.header.Get("ETag"), r.body)
	}
	r = edit(`"2"`, func(e map[string]any) {
		d := e["data"].(map[string]any)
		d["members_total"] = 8
		delete(d, "head_phone")
		e["device_id"] = "test-phone-2"
	})
	if r.status != http.StatusOK {
		t.Fatalf("edit 2: %d %s", r.status, r.body)
	}
	if r := edit(`"2"`, func(map[string]any) {}); r.status != http.StatusPreconditionFailed {
		t.Errorf("edit with the revision just replaced: %d, want 412", r.status)
	}
	if r := edit(`"3"`, func(e map[string]any) { e["data"].(map[string]any)["members_total"] = "x" }); r.status != http.StatusUnprocessableEntity ||
		!r.errorBody(t).hasField("/data/members_total", "type") {
		t.Errorf("invalid edit: %d %s, want 422", r.status, r.body)
	}
	if r := edit(`"3"`, func(e map[string]any) { e["id"] = "3f1c2a9e-7b4d-4c1e-9a0b-5d6e7f8a9b0c" }); r.status != http.StatusUnprocessableEntity ||
		!r.errorBody(t).hasField("/id", "mismatch") {
		t.Errorf("edit naming another id: %d %s, want 422 /id mismatch", r.status, r.body)
	}

	db := dbOf(t, shared)
	if doc, err := db.Submission(context.Background(), env["id"].(string)); err != nil || doc.Revision != 3 {
		t.Errorf("stored after two edits: %v", err)
	}
	if h, _ := db.History(context.Background(), env["id"].(string)); len(h) != 2 {
		t.Errorf("%d kept revisions, want 2", len(h))
	}
	var hist struct {
		Revisions []struct {
			Revision  int    `json:"revision"`
			UpdatedBy string `json:"updated_by"`
		} `json:"revisions"`
	}
	r = col.do("GET", path+"/history", nil)
	r.json(t, &hist)
	if r.status != http.StatusOK || len(hist.Revisions) != 3 || hist.Revisions[0].Revision != 1 || hist.Revisions[2].Revision != 3 {
		t.Fatalf("history: %d %s", r.status, r.body)
	}
	var v1 subJSON
	r = col.do("GET", path+"/history/1", nil)
	r.json(t, &v1)
	if r.status != http.StatusOK || v1.Revision != 1 || v1.Data["members_total"] != float64(6) || v1.Data["head_phone"] == nil {
		t.Fatalf("revision 1: %d %s", r.status, r.body)
	}
	if r := col.do("GET", path+"/history/4", nil); r.status != http.StatusNotFound {
		t.Errorf("revision 4: %d, want 404", r.status)
	}

	var diff struct {
		Changes []map[string]any `json:"changes"`
	}
	r = col.do("GET", path+"/diff?from=1&to=3", nil)
	r.json(t, &diff)
	want := []map[string]any{
		{"path": "/data/head_phone", "op": "removed", "from": v1.Data["head_phone"]},
		{"path": "/data/members_total", "op": "changed", "from": float64(6), "to": float64(8)},
		{"path": "/device_id", "op": "changed", "from": "test-phone-1", "to": "test-phone-2"},
	}
	if d := cmp.Diff(want, diff.Changes); d != "" {
		t.Errorf("diff 1→3 (-want +got):\n%s", d)
	}
	if r := col.do("GET", path+"/diff?from=1", nil); r.status != http.StatusBadRequest {
		t.Errorf("diff without to: %d, want 400", r.status)
	}

	t.Run("others cannot read or edit", func(t *testing.T) {
		stranger := newUser(t, shared, "collector", "00004")
		if r := stranger.do("GET", path+"/history", nil); r.status != http.StatusNotFound {
			t.Errorf("another collector reads history: %d, want 404", r.status)
		}
		if r := stranger.do("PUT", path, env, "If-Match", `"3"`); r.status != http.StatusNotFound {
			t.Errorf("another collector edits: %d, want 404", r.status)
		}
	})
}

// TestConcurrentEditsOneWins sends 10 edits of the same revision at once:
// exactly one is stored, the others get 412, and history is consistent.
func TestConcurrentEditsOneWins(t *testing.T) {
	sup := newUser(t, shared, "supervisor", "00004")
	col := newUser(t, shared, "collector", "00004")
	env := submitOne(t, col)
	path := subsPath + env["id"].(string)
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for g := 0; g < 10; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := map[string]any{}
			for k, v := range env {
				e[k] = v
			}
			d := householdData(t)
			d["members_total"] = 10 + g
			e["data"] = d
			c := col
			if g%2 == 1 {
				c = sup // a supervisor correcting at the same time
				// who was shown it without the sensitive answers
				e["data"] = withoutSensitive(d)
			}
			s := c.do("PUT", path, e, "If-Match", `"1"`).status
			mu.Lock()
			statuses[s]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if d := cmp.Diff(map[int]int{200: 1, 412: 9}, statuses); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
	var hist struct {
		Revisions []struct {
			Revision int `json:"revision"`
		} `json:"revisions"`
	}
	col.do("GET", path+"/history", nil).json(t, &hist)
	if len(hist.Revisions) != 2 || hist.Revisions[0].Revision != 1 || hist.Revisions[1].Revision != 2 {
		t.Errorf("history after the race: %+v", hist.Revisions)
	}
}

// TestReviewFlow: a supervisor flags issues with a comment, the collector
// sees it in /me/submissions, answers, edits (back to received), the
// supervisor approves, and the collector can then no longer edit.
func TestReviewFlow(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	sup := newUser(t, shared, "supervisor", "00004")
	env := submitOne(t, col)
	id := env["id"].(string)
	path := subsPath + id

	if r := col.do("POST", path+"/review", map[string]any{"state": "approved"}); r.status != http.StatusForbidden {
		t.Errorf("collector reviews: %d, want 403", r.status)
	}
	if r := sup.do("POST", path+"/review", map[string]any{"state": "has_issues"}); r.status != http.StatusUnprocessableEntity ||
		!r.errorBody(t).hasField("/comment", "required") {
		t.Errorf("has_issues without comment: %d %s", r.status, r.body)
	}
	if r := sup.do("POST", path+"/review", map[string]any{"state": "done"}); r.status != http.StatusUnprocessableEntity ||
		!r.errorBody(t).hasField("/state", "enum") {
		t.Errorf("unknown state: %d %s", r.status, r.body)
	}
	if r := sup.do("POST", path+"/review", map[string]any{"state": "approved"}, "If-Match", `"5"`); r.status != http.StatusPreconditionFailed {
		t.Errorf("review with stale If-Match: %d, want 412", r.status)
	}
	r := sup.do("POST", path+"/review", map[string]any{"state": "has_issues", "comment": "Thiếu số điện thoại chủ hộ"})
	var s subJSON
	r.json(t, &s)
	if r.status != http.StatusOK || s.ReviewState != "has_issues" || s.Review == nil || s.Review.Comment != "Thiếu số điện thoại chủ hộ" {
		t.Fatalf("review: %d %s", r.status, r.body)
	}

	var todo struct {
		Items []subJSON `json:"items"`
	}
	r = col.do("GET", "/api/v1/me/submissions?review_state=has_issues", nil)
	r.json(t, &todo)
	if r.status != http.StatusOK || len(todo.Items) != 1 || todo.Items[0].Review == nil || todo.Items[0].Review.State != "has_issues" {
		t.Fatalf("to-do list: %d %s", r.status, r.body)
	}
	if r := col.do("GET", "/api/v1/me/submissions?review_state=bad", nil); r.status != http.StatusBadRequest {
		t.Errorf("bad review_state: %d, want 400", r.status)
	}
	if r := col.do("POST", path+"/comments", map[string]any{"text": "Đã bổ sung"}); r.status != http.StatusCreated {
		t.Fatalf("collector comments: %d %s", r.status, r.body)
	}
	if r := col.do("POST", path+"/comments", map[string]any{"text": "  "}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("empty comment: %d, want 422", r.status)
	}
	var thread struct {
		Items []struct {
			Text        string `json:"text"`
			ReviewState string `json:"review_state"`
			Role        string `json:"role"`
		} `json:"items"`
	}
	r = col.do("GET", path+"/comments", nil)
	r.json(t, &thread)
	if r.status != http.StatusOK || len(thread.Items) != 2 || thread.Items[0].ReviewState != "has_issues" ||
		thread.Items[0].Role != "supervisor" || thread.Items[1].Text != "Đã bổ sung" {
		t.Fatalf("thread: %d %s", r.status, r.body)
	}

	// The collector's edit sends it back to received.
	r = col.do("PUT", path, env, "If-Match", `"1"`)
	r.json(t, &s)
	if r.status != http.StatusOK || s.ReviewState != "received" || s.Revision != 2 {
		t.Fatalf("edit after has_issues: %d %s", r.status, r.body)
	}
	r = col.do("GET", "/api/v1/me/submissions?review_state=has_issues", nil)
	r.json(t, &todo)
	if len(todo.Items) != 0 {
		t.Errorf("to-do list after the fix: %d items", len(todo.Items))
	}
	if n := countSubmissions(t, sup, "household", "&review_state=received&unit=00004"); n < 1 {
		t.Errorf("supervisor's list of received: %d", n)
	}

	if r := sup.do("POST", path+"/review", map[string]any{"state": "approved"}, "If-Match", `"2"`); r.status != http.StatusOK {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	r = col.do("PUT", path, env, "If-Match", `"2"`)
	if r.status != http.StatusConflict || r.errorBody(t).Error.Code != "locked" {
		t.Errorf("collector edits an approved submission: %d %s, want 409 locked", r.status, r.body)
	}
	if r := sup.do("PUT", path, withSensitiveLeftOut(env), "If-Match", `"2"`); r.status != http.StatusOK {
		t.Errorf("supervisor corrects an approved submission: %d %s", r.status, r.body)
	}
	if r := col.do("DELETE", path, nil); r.status != http.StatusConflict {
		t.Errorf("collector deletes an approved submission: %d, want 409", r.status)
	}
}

// TestSoftDeleteAndRestore: a deleted submission disappears from reads
// and lists, its id cannot be sent again, and a manager restores it.
func TestSoftDeleteAndRestore(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	sup := newUser(t, shared, "supervisor", "00004")
	mgr := newUser(t, shared, "manager", "00004")
	env := submitOne(t, col)
	keep := submitOne(t, col)
	id := env["id"].(string)
	path := subsPath + id

	if r := col.do("DELETE", path, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := col.do("DELETE", path, nil); r.status != http.StatusNotFound {
		t.Errorf("delete again: %d, want 404", r.status)
	}
	for name, c := range map[string]*client{"collector": col, "supervisor": sup, "manager": mgr} {
		if r := c.do("GET", path, nil); r.status != http.StatusNotFound {
			t.Errorf("%s reads a deleted submission: %d, want 404", name, r.status)
		}
	}
	if n := countSubmissions(t, col, "household", ""); n != 1 {
		t.Errorf("collector's list after delete: %d, want 1", n)
	}
	var mine struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	col.do("GET", "/api/v1/me/submissions", nil).json(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].ID != keep["id"] {
		t.Errorf("/me/submissions after delete: %+v", mine.Items)
	}

	// Kept, marked and audited (TestIndicatorsFollowTheLifecycle checks
	// that the indicators drop it).
	doc, err := dbOf(t, shared).Submission(context.Background(), id)
	if err != nil {
		t.Fatalf("the deleted submission is not kept: %v", err)
	}
	if doc.DeletedAt == nil {
		t.Errorf("stored after delete: deleted_at=%v", doc.DeletedAt)
	}
	if n := auditCount(t, "submission.delete", id); n != 1 {
		t.Errorf("audit entries of the delete: %d, want 1", n)
	}

	r := col.do("POST", "/api/v1/forms/household/submissions", env)
	if r.status != http.StatusConflict || r.errorBody(t).Error.Code != "deleted" {
		t.Errorf("resubmit a deleted id: %d %s, want 409 deleted", r.status, r.body)
	}
	res := syncBatch(t, col, []map[string]any{syncItem("household", env)})
	if res[0].Status != http.StatusConflict || res[0].Error == nil || res[0].Error.Code != "deleted" {
		t.Errorf("sync a deleted id: %+v", res[0])
	}

	for name, c := range map[string]*client{"collector": col, "supervisor": sup} {
		if r := c.do("POST", path+"/restore", nil); r.status != http.StatusForbidden {
			t.Errorf("%s restores: %d, want 403", name, r.status)
		}
	}
	other := newUser(t, shared, "manager", "00008")
	if r := other.do("POST", path+"/restore", nil); r.status != http.StatusNotFound {
		t.Errorf("manager of another unit restores: %d, want 404", r.status)
	}
	if r := mgr.do("POST", path+"/restore", nil); r.status != http.StatusOK {
		t.Fatalf("restore: %d %s", r.status, r.body)
	}
	if r := mgr.do("POST", path+"/restore", nil); r.status != http.StatusConflict {
		t.Errorf("restore a live submission: %d, want 409", r.status)
	}
	if r := col.do("GET", path, nil); r.status != http.StatusOK {
		t.Errorf("read after restore: %d", r.status)
	}
	if n := auditCount(t, "submission.restore", id); n != 1 {
		t.Errorf("audit entries of the restore: %d, want 1", n)
	}
	if n := countSubmissions(t, col, "household", ""); n != 2 {
		t.Errorf("list after restore: %d, want 2", n)
	}
	if r := col.do("POST", "/api/v1/forms/household/submissions", env); r.status != http.StatusOK {
		t.Errorf("retry after restore: %d, want 200", r.status)
	}
}

// TestBulkReviewAndDelete reviews and deletes lists of ids, one result
// per id, a failing id not stopping the others.
func TestBulkReviewAndDelete(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	sup := newUser(t, shared, "supervisor", "00004")
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, submitOne(t, col)["id"].(string))
	}
	bulk := func(c *client, what string, body map[string]any) []itemResult {
		t.Helper()
		r := c.do("POST", "/api/v1/forms/household/bulk/"+what, body)
		if r.status != http.StatusOK {
			t.Fatalf("bulk %s: %d %s", what, r.status, r.body)
		}
		var out struct {
			Results []itemResult `json:"results"`
		}
		r.json(t, &out)
		return out.Results
	}
	missing := "3f1c2a9e-7b4d-4c1e-9a0b-5d6e7f8a9b0c"
	got := bulk(sup, "review", map[string]any{"ids": append([]string{missing}, ids...), "state": "approved"})
	statuses := []int{}
	for _, g := range got {
		statuses = append(statuses, g.Status)
	}
	if d := cmp.Diff([]int{404, 200, 200, 200}, statuses); d != "" {
		t.Errorf("bulk review statuses (-want +got):\n%s", d)
	}
	if n := countSubmissions(t, sup, "household", "&review_state=approved&unit=00004"); n < 3 {
		t.Errorf("approved after bulk review: %d", n)
	}
	if r := sup.do("POST", "/api/v1/forms/household/bulk/review", map[string]any{"ids": ids, "state": "rejected"}); r.status != http.StatusOK {
		t.Fatalf("bulk reject: %d", r.status)
	} else {
		var out struct {
			Results []itemResult `json:"results"`
		}
		r.json(t, &out)
		if out.Results[0].Status != http.StatusUnprocessableEntity {
			t.Errorf("reject without comment: %+v", out.Results[0])
		}
	}
	// The collector may not delete approved submissions; the supervisor may.
	if got := bulk(col, "delete", map[string]any{"ids": ids[:1]}); got[0].Status != http.StatusConflict {
		t.Errorf("collector bulk-deletes an approved one: %+v", got[0])
	}
	got = bulk(sup, "delete", map[string]any{"ids": ids})
	for i, g := range got {
		if g.Status != http.StatusNoContent {
			t.Errorf("bulk delete %d: %+v", i, g)
		}
	}
	if n := countSubmissions(t, col, "household", ""); n != 0 {
		t.Errorf("after bulk delete the collector sees %d", n)
	}
	if r := sup.do("POST", "/api/v1/forms/household/bulk/delete", map[string]any{"ids": []string{}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("empty id list: %d, want 422", r.status)
	}
}
