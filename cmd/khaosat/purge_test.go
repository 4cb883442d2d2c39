package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// TestPurgedSubmission: once housekeeping has purged a deleted submission
// past the restore window, a restore finds nothing (404), nor do reads of
// it or of its attachment, and the change feed reads as before, its
// create and delete events still there. A server of its own: the purge
// takes every submission deleted before the given time.
func TestPurgedSubmission(t *testing.T) {
	t.Parallel()
	ts := mustStart(t, t.TempDir())
	col := newUser(t, ts, "collector", "00004")
	mgr := newUser(t, ts, "manager", "00004")
	env := submitOne(t, col)
	id := env["id"].(string)
	path := subsPath + id
	if r := col.raw("PUT", path+"/attachments/photo.png", testImage(t, "png", 10), "Content-Type", "image/png"); r.status != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	if r := col.do("DELETE", path, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	before := feedEnd(t, mgr)
	feed := readFeed(t, mgr, "", "&limit=1000").Items

	// As the hourly run does DeletedRetention after the deletion.
	p, err := dbOf(t, ts).PurgeDeleted(context.Background(), time.Now().Add(time.Second))
	if err != nil || p != (survey.Purged{Submissions: 1, Attachments: 1}) {
		t.Fatalf("purge: %+v, %v", p, err)
	}
	if r := mgr.do("POST", path+"/restore", nil); r.status != http.StatusNotFound {
		t.Errorf("restore of a purged submission: %d %s, want 404", r.status, r.body)
	}
	if r := mgr.do("GET", path, nil); r.status != http.StatusNotFound {
		t.Errorf("read of a purged submission: %d, want 404", r.status)
	}
	if r := col.raw("GET", path+"/attachments/photo.png", nil); r.status != http.StatusNotFound {
		t.Errorf("attachment of a purged submission: %d, want 404", r.status)
	}
	after := readFeed(t, mgr, "", "&limit=1000").Items
	if len(after) != len(feed) || len(after) < 2 || after[len(after)-1].Kind != "delete" || after[len(after)-1].ID != id {
		t.Errorf("the feed after the purge: %+v, before it: %+v", after, feed)
	}
	if end := feedEnd(t, mgr); end != before {
		t.Errorf("the feed's end moved with the purge: %q, was %q", end, before)
	}
	// The phone that kept it sends it again, alone or in a batch: refused,
	// and nothing comes back.
	r := col.do("POST", "/api/v1/forms/household/submissions", env)
	if r.status != http.StatusConflict || !r.errorBody(t).hasField("/id", "deleted") || !strings.Contains(string(r.body), "removed for good") {
		t.Errorf("a purged submission sent again: %d %s, want 409 deleted", r.status, r.body)
	}
	item := map[string]any{"form": "household"}
	for k, v := range env {
		item[k] = v
	}
	var res struct {
		Results []struct {
			Status int `json:"status"`
			Error  *struct {
				Code string `json:"code"`
			} `json:"error"`
		} `json:"results"`
	}
	col.do("POST", "/api/v1/sync", map[string]any{"submissions": []any{item}}).json(t, &res)
	if len(res.Results) != 1 || res.Results[0].Status != http.StatusConflict || res.Results[0].Error == nil || res.Results[0].Error.Code != "deleted" {
		t.Errorf("a purged submission synced again: %+v, want the error deleted", res.Results)
	}
	if r := mgr.do("GET", path, nil); r.status != http.StatusNotFound {
		t.Errorf("read after sending it again: %d, want 404", r.status)
	}
	if end := feedEnd(t, mgr); end != before {
		t.Errorf("sending it again moved the feed's end: %q, was %q", end, before)
	}
}
