package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestPhoneCorrectsWithoutItsCopy: the phone that corrects a reviewed
// household does not hold the collector's copy (it was sent from another
// phone, or this one lost it), so it starts from the server's copy, which
// withholds the sensitive answers. Those questions are not asked again
// (a note says the stored answer is kept); the collector may still remove
// a child holding them. The correction is sent and the server still has
// the other children's.
func TestPhoneCorrectsWithoutItsCopy(t *testing.T) {
	t.Parallel()
	p := newPhone(t)
	p.enrol()
	env := envelope(householdData(t))
	id := env["id"].(string)
	if r := p.col.do("POST", "/api/v1/forms/household/submissions", env); r.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	mgr := newUser(t, shared, "manager", "00004")
	want := childSensitive(t, mgr, subsPath+id)
	sup := newUser(t, shared, "supervisor", "00004")
	comment := "Số điện thoại chủ hộ thiếu một chữ số."
	if r := sup.do("POST", subsPath+id+"/review", map[string]any{"state": "has_issues", "comment": comment}); r.status != http.StatusOK {
		t.Fatalf("review: %d %s", r.status, r.body)
	}

	p.click(`a[href="#/feedback"]`)
	p.waitText(comment)
	p.click(fmt.Sprintf(`#feedback .card[data-id=%s] button.correct`, q(id)))
	p.tab.waitFor(`!!document.querySelector('#review-comment')`)
	p.click(`#q-children-0-toggle`)
	p.tab.waitFor(`!!document.querySelector('.q.withheld[data-path="/children/0/special_circumstances"]')`)
	if n := evalIn[int](p.tab, `document.querySelectorAll('[id^="q-children-0-special_circumstances-"]').length`); n != 0 {
		t.Errorf("the withheld question is asked: %d inputs", n)
	}
	// The collector removes the first child, who holds withheld answers (the
	// server lets a submission's own collector do so): the withheld notes
	// of the others move up with them.
	withheld := `(async () => { const data = await import('/app/data.js'); return (await data.getDraft(` + q(id) + `)).withheld })()`
	var want2 []string
	for _, w := range evalIn[[]string](p.tab, withheld) {
		if rest, ok := strings.CutPrefix(w, "/children/"); ok && rest[0] != '0' {
			want2 = append(want2, fmt.Sprintf("/children/%c%s", rest[0]-1, rest[1:]))
		}
	}
	p.click(`[data-path="/children/0"] button.remove`)
	p.tab.waitFor(`document.querySelectorAll('section.item').length === 2`)
	// The draft is saved a moment after the change is drawn.
	got := evalIn[[]string](p.tab, withheld)
	for i := 0; i < 100 && !slices.Equal(got, want2); i++ {
		time.Sleep(50 * time.Millisecond)
		got = evalIn[[]string](p.tab, withheld)
	}
	if len(want2) < 2 || !slices.Equal(got, want2) {
		t.Errorf("withheld answers after removing the first child: %q, want %q", got, want2)
	}
	p.set("#q-head_phone", "+849123456789")
	p.click("#finalise")
	p.tab.waitFor(fmt.Sprintf(`!!document.querySelector('#outbox .card[data-id=%s][data-state=sent]')`, q(id)))

	status, sub := serverSubmission(t, mgr, "household", id)
	if status != http.StatusOK || sub["revision"] != float64(2) || sub["data"].(map[string]any)["head_phone"] != "+849123456789" {
		t.Fatalf("server after the correction: %d revision %v", status, sub["revision"])
	}
	first := householdData(t)["children"].([]any)[0].(map[string]any)["child_id"].(string)
	delete(want, first)
	if d := cmp.Diff(want, sensitiveByChild(sub["data"].(map[string]any))); d != "" {
		t.Errorf("sensitive answers after the correction (-want +got):\n%s", d)
	}
}
