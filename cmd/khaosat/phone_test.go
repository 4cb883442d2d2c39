package main

// Browser tests of the collectors' phone app (web/app): real Chromium, the
// real server, journeys as a collector lives them.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
)

// phone is a collector of ward 00004 with a phone (a fresh browser context)
// that reaches the shared server through a network switch.
type phoneEnv struct {
	t      *testing.T
	ns     *netSwitch
	tab    *tab
	admin  *client
	col    *client
	userID string
}

func newPhone(t *testing.T) *phoneEnv {
	t.Helper()
	col := newUser(t, shared, "collector", "00004")
	var me struct {
		ID string `json:"id"`
	}
	col.do("GET", "/api/v1/me", nil).json(t, &me)
	ns := newNetSwitch(t, shared.base)
	return &phoneEnv{t: t, ns: ns, tab: newTab(t, ns.URL), admin: adminClient(t, shared), col: col, userID: me.ID}
}

// js runs a statement or expression in the page (promises awaited).
func (p *phoneEnv) js(expr string, args ...any) {
	p.t.Helper()
	evalIn[chromedp.Void](p.tab, fmt.Sprintf(expr, args...))
}

// q is a JSON-quoted string for JavaScript.
func q(s string) string { b, _ := json.Marshal(s); return string(b) }

// set gives a text, number or date input a value as typing would.
func (p *phoneEnv) set(sel, value string) {
	p.t.Helper()
	p.tab.waitFor(fmt.Sprintf(`!!document.querySelector(%s)`, q(sel)))
	p.js(`(() => { const el = document.querySelector(%s); el.focus(); el.value = %s;
		el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); el.blur(); })()`, q(sel), q(value))
}

// click clicks the element a selector finds, once it exists.
func (p *phoneEnv) click(sel string) {
	p.t.Helper()
	p.tab.waitFor(fmt.Sprintf(`!!document.querySelector(%s)`, q(sel)))
	p.js(`document.querySelector(%s).click()`, q(sel))
}

// clickText clicks the button or link whose text is exactly text.
func (p *phoneEnv) clickText(text string) {
	p.t.Helper()
	find := fmt.Sprintf(`[...document.querySelectorAll('button, a')].find(b => b.textContent.trim() === %s)`, q(text))
	p.tab.waitFor("!!" + find)
	p.js("%s.click()", find)
}

// choose picks a choice of a single or multiple choice question.
func (p *phoneEnv) choose(path, value string) {
	p.t.Helper()
	p.click(fmt.Sprintf(`#%s input[value=%s]`, fieldDOMID(path), q(value)))
}

// fieldDOMID is the renderer's id of a question (web/shared/form.js fieldID).
func fieldDOMID(path string) string {
	var b strings.Builder
	b.WriteString("q")
	for _, r := range path {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	return b.String()
}

// text is the visible text of the page.
func (p *phoneEnv) text() string { return evalIn[string](p.tab, `document.body.innerText`) }

// waitText waits until the page shows s.
func (p *phoneEnv) waitText(s string) {
	p.t.Helper()
	p.tab.waitFor(fmt.Sprintf(`document.body.innerText.includes(%s)`, q(s)))
}

// enrol opens the app and enrols the phone with a fresh one-time code.
func (p *phoneEnv) enrol() {
	p.t.Helper()
	e := createEnrollment(p.t, p.admin, p.userID)
	p.tab.do(chromedp.Navigate(p.ns.URL + "/"))
	p.set("#code", e.Code)
	p.click("#signin-form button[type=submit]")
	p.tab.waitFor(`document.querySelectorAll('#forms .card').length >= 4`)
	p.tab.waitFor(`!!navigator.serviceWorker.controller`) // the shell is cached: the app opens offline
}

// waiting is the outbox count in the top bar.
func (p *phoneEnv) waiting() string {
	return evalIn[string](p.tab, `document.querySelector('#waiting').dataset.count`)
}

// fillHousehold answers the household form's questions for n children.
func (p *phoneEnv) fillHousehold(children int) {
	p.t.Helper()
	p.set("#q-address", "Số 12 ngõ 34 phố Đội Cấn")
	p.set("#q-head_name", "Nguyễn Văn Hùng")
	p.set("#q-members_total", "6")
	p.choose("/poverty_status", "near_poor")
	p.choose("/housing", "permanent")
	for i := 0; i < children; i++ {
		p.click("#q-children > button.add")
		c := fmt.Sprintf("/children/%d", i)
		p.set("#"+fieldDOMID(c+"/full_name"), fmt.Sprintf("Nguyễn Thị Lan %d", i+1))
		p.choose(c+"/sex", "female")
		p.set("#"+fieldDOMID(c+"/date_of_birth"), fmt.Sprintf("201%d-02-14", i%10))
		p.choose(c+"/birth_registered", "yes")
		p.set("#"+fieldDOMID(c+"/lives_with"), "both_parents")
		p.choose(c+"/mother_alive", "yes")
		p.choose(c+"/father_alive", "yes")
		p.choose(c+"/in_school", "yes")
		p.choose(c+"/health_insurance", "yes")
	}
}

// serverSubmission reads a stored submission as the collector.
func serverSubmission(t *testing.T, c *client, form, id string) (int, map[string]any) {
	t.Helper()
	r := c.do("GET", "/api/v1/forms/"+form+"/submissions/"+id, nil)
	var m map[string]any
	if r.status == http.StatusOK {
		r.json(t, &m)
	}
	return r.status, m
}

// TestPhoneOfflineJourney: enrol with a code, forms downloaded, the network
// goes off, a household with two children is filled (an error seen and
// fixed) and finalised, the app reopens offline with 1 waiting, the network
// returns and the server holds exactly that submission.
func TestPhoneOfflineJourney(t *testing.T) {
	p := newPhone(t)
	p.enrol()
	p.tab.screenshot("form-list")

	p.ns.setDown(true)
	p.tab.offline(true)
	p.click(`button.new-submission[data-form=household]`)
	p.tab.waitFor(`!!document.querySelector('#q-address')`)
	p.fillHousehold(2)

	// A wrong answer is shown beside its question as it is typed, then fixed.
	p.set("#q-members_total", "40")
	p.tab.waitFor(`!!document.querySelector('#q-members_total-err')`)
	if got := evalIn[string](p.tab, `document.querySelector('#q-members_total-err').textContent`); !strings.Contains(got, "30") {
		t.Errorf("error beside members_total: %q", got)
	}
	p.js(`document.querySelector('#q-members_total').scrollIntoView({block: 'center'})`)
	p.tab.screenshot("question-error")
	p.set("#q-members_total", "6")
	p.tab.waitFor(`!document.querySelector('#q-members_total-err')`)
	p.click("#finalise")
	p.tab.waitFor(`!!document.querySelector('#outbox .card[data-state=waiting]')`)
	id := evalIn[string](p.tab, `document.querySelector('#outbox .card').dataset.id`)
	want := evalIn[map[string]any](p.tab, `(async () => { const {db} = await import('/app/db.js'); return (await (await db()).get('outbox', `+q(id)+`)).submission.data })()`)

	// Reloaded with no network: the service worker opens the app, 1 waits.
	p.tab.do(chromedp.Reload())
	p.tab.waitFor(`document.querySelector('#waiting') && document.querySelector('#waiting').dataset.count === '1'`)
	p.tab.waitFor(`!!document.querySelector('#outbox .card[data-state=waiting]')`)
	p.tab.screenshot("outbox")
	if status, _ := serverSubmission(t, p.col, "household", id); status != http.StatusNotFound {
		t.Fatalf("offline, the server already has the submission: %d", status)
	}

	// The network returns: the outbox empties and the server holds exactly that submission.
	p.ns.setDown(false)
	p.tab.offline(false)
	p.tab.waitFor(`document.querySelector('#waiting').dataset.count === '0'`)
	status, got := serverSubmission(t, p.admin, "household", id) // the admin reads sensitive answers too
	if status != http.StatusOK {
		t.Fatalf("stored submission: %d", status)
	}
	if diff := cmp.Diff(want, got["data"]); diff != "" {
		t.Errorf("stored answers (-phone +server):\n%s", diff)
	}
	if got["device_id"] == "" || got["started_at"] == nil || got["ended_at"] == nil || got["unit"] != "00004" {
		t.Errorf("envelope not filled: %v", got)
	}
	if kids, _ := got["data"].(map[string]any)["children"].([]any); len(kids) != 2 {
		t.Errorf("children stored: %d, want 2", len(kids))
	}
	var mine struct{ Items []map[string]any }
	p.col.do("GET", "/api/v1/me/submissions", nil).json(t, &mine)
	if len(mine.Items) != 1 {
		t.Errorf("the collector has %d submissions on the server, want exactly 1", len(mine.Items))
	}
}
