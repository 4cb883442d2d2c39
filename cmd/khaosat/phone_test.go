package main

// Browser tests of the collectors' phone app (web/app): real Chromium, the
// real server, journeys as a collector lives them.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
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

// testPIN is the PIN the tests' collectors set on their phones.
const testPIN = "246810"

// enrol opens the app and enrols the phone with a fresh one-time code.
func (p *phoneEnv) enrol() {
	p.t.Helper()
	e := createEnrollment(p.t, p.admin, p.userID)
	p.tab.do(chromedp.Navigate(p.ns.URL + "/"))
	p.set("#code", e.Code)
	p.click("#signin-form button[type=submit]")
	p.pin()
	p.tab.waitFor(`document.querySelectorAll('#forms .card').length >= 4`)
	p.tab.waitFor(`!!navigator.serviceWorker.controller`) // the shell is cached: the app opens offline
}

// pin answers the lock once the app has opened: it sets testPIN on a phone
// without a PIN, or unlocks with it; an app already open is left as it is.
// Unlocked, the app is open, or signed out if its device was revoked.
func (p *phoneEnv) pin() {
	p.t.Helper()
	p.tab.waitFor(`!!document.querySelector('#pin-setup, #lock-screen, #waiting')`)
	switch evalIn[string](p.tab, `(document.querySelector('#pin-setup, #lock-screen') || {}).id || ''`) {
	case "pin-setup":
		p.set("#pin-new", testPIN)
		p.set("#pin-repeat", testPIN)
		p.click("#pin-set")
	case "lock-screen":
		p.set("#lock-pin", testPIN)
		p.click("#unlock")
	default:
		return
	}
	p.tab.waitFor(`!!document.querySelector('#waiting, #signin-form')`)
}

// waitStored polls an expression over the phone's IndexedDB (db() and the
// app's data.js as data in scope, awaited) until it is true: what the app
// wrote has landed.
func (p *phoneEnv) waitStored(expr string) {
	p.t.Helper()
	for i := 0; i < 300; i++ {
		if evalIn[bool](p.tab, `(async () => { const {db} = await import('/app/db.js'), data = await import('/app/data.js'); return !!(await `+expr+`); })()`) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("never stored: %s", expr)
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
	t.Parallel()
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
	p.js(`document.querySelector('#q-head_name').closest('.q').scrollIntoView({block: 'start'})`)
	p.tab.screenshot("question-error")
	p.set("#q-members_total", "6")
	p.tab.waitFor(`!document.querySelector('#q-members_total-err')`)

	// The app is closed and reopened, still offline: the draft resumes where it was.
	p.set("#"+fieldDOMID("/children/1/full_name"), "Nguyễn Thị Lan 2")
	p.waitStored(`data.getDraft(location.hash.split('/').pop()).then(d => d.at === '/children/1/full_name' && d.data.children[1].full_name === 'Nguyễn Thị Lan 2')`)
	p.tab.do(chromedp.Reload())
	p.pin()
	p.tab.waitFor(`!!document.querySelector('#q-children-1-full_name')`)
	if !evalIn[bool](p.tab, `(() => { const r = document.querySelector('#q-children-1-full_name').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`) {
		t.Error("the reopened draft is not at the question last answered")
	}
	if v := evalIn[string](p.tab, `document.querySelector('#q-members_total').value`); v != "6" {
		t.Errorf("members_total after reopening: %q", v)
	}
	p.click("#finalise")
	p.tab.waitFor(`!!document.querySelector('#outbox .card[data-state=waiting]')`)
	id := evalIn[string](p.tab, `document.querySelector('#outbox .card').dataset.id`)
	want := evalIn[map[string]any](p.tab, `(async () => { const data = await import('/app/data.js'); return (await data.getOutbox(`+q(id)+`)).submission.data })()`)

	// Reloaded with no network: the service worker opens the app, 1 waits.
	p.tab.do(chromedp.Reload())
	p.pin()
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

// sendHousehold fills and sends a household with n children from the
// phone, online, and returns its id once the server has it.
func (p *phoneEnv) sendHousehold(n int) string {
	p.t.Helper()
	p.tab.do(chromedp.Navigate(p.ns.URL + "/#/"))
	p.click(`button.new-submission[data-form=household]`)
	p.tab.waitFor(`!!document.querySelector('#q-address')`)
	p.fillHousehold(n)
	p.click("#finalise")
	p.tab.waitFor(`!!document.querySelector('#outbox .card[data-state=sent]')`)
	return evalIn[string](p.tab, `document.querySelector('#outbox .card[data-state=sent]').dataset.id`)
}

// TestPhoneReviewFeedback: a supervisor marks a submission has_issues with
// a comment; the phone shows the comment, the collector corrects the answer
// and resends it as an edit, and the server has revision 2.
func TestPhoneReviewFeedback(t *testing.T) {
	t.Parallel()
	p := newPhone(t)
	p.enrol()
	id := p.sendHousehold(1)

	sup := newUser(t, shared, "supervisor", "00004")
	comment := "Tên chủ hộ viết sai, hãy kiểm tra lại."
	if r := sup.do("POST", "/api/v1/forms/household/submissions/"+id+"/review", map[string]any{"state": "has_issues", "comment": comment}); r.status != http.StatusOK {
		t.Fatalf("review: %d %s", r.status, r.body)
	}

	p.click(`a[href="#/feedback"]`)
	p.waitText(comment)
	p.click(fmt.Sprintf(`#feedback .card[data-id=%s] button.correct`, q(id)))
	p.tab.waitFor(`!!document.querySelector('#review-comment')`)
	if got := evalIn[string](p.tab, `document.querySelector('#review-comment').textContent`); !strings.Contains(got, comment) {
		t.Errorf("comment on the correction: %q", got)
	}
	p.set("#q-head_name", "Nguyễn Văn Hưng")
	p.click("#finalise")
	p.tab.waitFor(fmt.Sprintf(`!!document.querySelector('#outbox .card[data-id=%s][data-state=sent]')`, q(id)))
	if got := evalIn[string](p.tab, fmt.Sprintf(`document.querySelector('#outbox .card[data-id=%s] .state').textContent`, q(id))); !strings.Contains(got, "2") {
		t.Errorf("outbox after the correction: %q, want revision 2", got)
	}
	status, sub := serverSubmission(t, p.col, "household", id)
	if status != http.StatusOK || sub["revision"] != float64(2) || sub["data"].(map[string]any)["head_name"] != "Nguyễn Văn Hưng" {
		t.Fatalf("server after the correction: %d revision %v head_name %v", status, sub["revision"], sub["data"].(map[string]any)["head_name"])
	}
	// The feedback list no longer asks for it.
	p.click(`a[href="#/feedback"]`)
	p.tab.waitFor(fmt.Sprintf(`!document.querySelector('#feedback .card[data-id=%s]')`, q(id)))
}

// queueHouseholds puts n finalised households (the three-children example,
// each with its own id) into the phone's outbox with the app's own code, as
// if filled in one by one, and returns their ids.
func (p *phoneEnv) queueHouseholds(n int) []string {
	p.t.Helper()
	var example map[string]any
	readJSON(p.t, "forms/testdata/household/valid/three_children.json", &example)
	b, _ := json.Marshal(example)
	return evalIn[[]string](p.tab, fmt.Sprintf(`(async () => {
		const data = await import('/app/data.js'), { session, deviceID } = await import('/app/db.js');
		const s = await session.load(), form = (await data.listForms()).find(f => f.id === 'household');
		const example = %s, ids = [];
		for (let i = 0; i < %d; i++) {
			const answers = { ...example, children: example.children.map(c => ({ ...c, child_id: crypto.randomUUID() })) };
			const d = await data.newDraft({ form, user: s.user, unit: '00004', deviceId: await deviceID(), data: answers });
			await data.finalise(d);
			ids.push(d.id);
		}
		return ids;
	})()`, b, n))
}

// countOnServer returns how many of ids the server lists for the collector.
func countOnServer(t *testing.T, c *client, ids []string) map[string]int {
	t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	seen := map[string]int{}
	cursor := ""
	for {
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		c.do("GET", "/api/v1/me/submissions?limit=100&cursor="+cursor, nil).json(t, &page)
		for _, it := range page.Items {
			if want[it.ID] {
				seen[it.ID]++
			}
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			return seen
		}
		cursor = *page.NextCursor
	}
}

// TestPhoneClosedMidSync: the app is closed while a sync of 20 submissions
// is on the wire (the server stored them, the answer never arrives);
// reopened, it sends them again and the server holds each exactly once, and
// the outbox is empty.
func TestPhoneClosedMidSync(t *testing.T) {
	t.Parallel()
	p := newPhone(t)
	p.enrol()
	p.ns.setDown(true) // queue while offline, so that nothing leaves early
	ids := p.queueHouseholds(20)
	p.ns.setDown(false)

	reached, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hold := func(r *http.Request) {
		if r.URL.Path == "/api/v1/sync" {
			once.Do(func() { close(reached) })
			<-release
		}
	}
	p.ns.after.Store(&hold)
	p.tab.do(chromedp.Navigate(p.ns.URL + "/#/outbox"))
	p.click("#send-now")
	select {
	case <-reached:
	case <-time.After(30 * time.Second):
		t.Fatal("the sync never reached the server")
	}
	p.tab.closePage() // the answer is on its way: the app is gone
	if got := countOnServer(t, p.col, ids); len(got) != 20 {
		t.Fatalf("the server stored %d of the 20 before the page closed, want all", len(got))
	}
	p.ns.after.Store(nil)
	close(release)

	p.tab.reopen()
	p.tab.do(chromedp.Navigate(p.ns.URL + "/#/outbox"))
	p.pin()
	p.tab.waitFor(`document.querySelector('#waiting') && document.querySelector('#waiting').dataset.count === '0'`)
	// The list reloads after the count in the header: wait for it to have
	// settled (no card still waiting), then every card must say sent.
	p.tab.waitFor(`document.querySelectorAll('#outbox .card').length === 20 && !document.querySelector('#outbox .card[data-state=waiting]')`)
	if n := evalIn[int](p.tab, `document.querySelectorAll('#outbox .card[data-state=sent]').length`); n != 20 {
		t.Errorf("outbox: %d sent, want 20%s", n, p.tab.pageText())
	}
	got := countOnServer(t, p.col, ids)
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("submission %s is on the server %d times", id, got[id])
		}
	}
}

// TestPhoneSessions: the sign-in screen; a wrong password said plainly; a
// password session and signing out; enrolling by scanning the QR code the
// admin prints; the session surviving the app's restart; a revoked device
// signed out at its next contact with a clear message, its waiting
// submission kept and sent after enrolling again.
func TestPhoneSessions(t *testing.T) {
	t.Parallel()
	p := newPhone(t)
	p.tab.do(chromedp.Navigate(p.ns.URL + "/"))
	p.tab.waitFor(`!!document.querySelector('#code')`)
	p.tab.screenshot("sign-in")

	// Password: wrong, then right, then signing out.
	name := newUserNamed(t, "collector", "00004")
	p.click("#tab-password")
	p.set("#username", name)
	p.set("#password", "not-the-password")
	p.click("#signin-form button[type=submit]")
	p.tab.waitFor(`!!document.querySelector('#signin-error')`)
	p.set("#password", "password-"+name)
	p.click("#signin-form button[type=submit]")
	p.pin()
	p.tab.waitFor(`document.querySelectorAll('#forms .card').length >= 4`)
	p.click("#sign-out")
	p.tab.waitFor(`!!document.querySelector('#signin-form')`)

	// Enrolling by scanning the QR code: a photo of it fills the code in.
	e := createEnrollment(t, p.admin, p.userID)
	png := p.admin.do("GET", e.QRPNG, nil)
	qrFile := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(qrFile, png.body, 0o600); err != nil {
		t.Fatal(err)
	}
	p.tab.do(chromedp.SetUploadFiles(chromedp.CSS("#qr-file"), []string{qrFile}))
	p.tab.waitFor(fmt.Sprintf(`document.querySelector('#code').value === %s`, q(e.Code)))
	p.click("#signin-form button[type=submit]")
	p.pin()
	p.tab.waitFor(`document.querySelectorAll('#forms .card').length >= 4`)

	// The phone restarts: still signed in.
	p.tab.reopen()
	p.tab.do(chromedp.Navigate(p.ns.URL + "/"))
	p.pin()
	p.tab.waitFor(`document.querySelectorAll('#forms .card').length >= 4`)

	// A submission waits offline, the app is closed; the admin revokes the device.
	p.ns.setDown(true)
	ids := p.queueHouseholds(1)
	device := evalIn[string](p.tab, `(async () => (await import('/app/db.js')).deviceID())()`)
	p.tab.closePage()
	wantStatus(t, p.admin.do("DELETE", "/api/v1/users/"+p.userID+"/devices/"+device, nil), http.StatusNoContent, "revoke")
	p.ns.setDown(false)
	p.tab.reopen()
	p.tab.do(chromedp.Navigate(p.ns.URL + "/"))
	p.pin() // locked, the phone holds no usable token: it learns of the revoke once unlocked
	p.tab.waitFor(`!!document.querySelector('#notice') && !!document.querySelector('#signin-form')`)
	if msg := evalIn[string](p.tab, `document.querySelector('#notice').textContent`); !strings.Contains(msg, "thu hồi") {
		t.Errorf("revoked device message: %q", msg)
	}
	if got := countOnServer(t, p.col, ids); len(got) != 0 {
		t.Fatalf("sent by a revoked device: %v", got)
	}

	// Enrolled again: the waiting submission goes, once.
	p.enrol()
	p.tab.waitFor(`document.querySelector('#waiting').dataset.count === '0'`)
	if got := countOnServer(t, p.col, ids); got[ids[0]] != 1 {
		t.Errorf("after enrolling again the server has %v, want the waiting submission once", got)
	}
}

// newUserNamed creates an account whose password is "password-" + its name.
func newUserNamed(t *testing.T, role string, units ...string) string {
	t.Helper()
	name := role + "-" + strings.ReplaceAll(uuid.NewString()[:13], "-", "")
	r := adminClient(t, shared).do("POST", "/api/v1/users", map[string]any{
		"username": name, "password": "password-" + name, "display_name": "Người dùng thử", "role": role, "units": units})
	if r.status != http.StatusCreated {
		t.Fatalf("create user: %d %s", r.status, r.body)
	}
	return name
}

// TestPhoneRefusedSubmissions: what the server refuses comes back to the
// collector: a 422 with its field errors on the questions, fixed and sent;
// a 409 (the same id with other answers) shown plainly; the valid one of
// the same batch stored.
func TestPhoneRefusedSubmissions(t *testing.T) {
	t.Parallel()
	p := newPhone(t)
	p.enrol()
	taken := p.sendHousehold(1)
	p.ns.setDown(true)
	ids := p.queueHouseholds(3)
	// An older app let a wrong answer through, and another phone reused an id.
	p.js(`(async () => { const {db} = await import('/app/db.js'), data = await import('/app/data.js'); const d = await db();
		const bad = await data.getOutbox(%s); bad.submission.data.members_total = 99; await data.putOutbox(bad);
		const dup = await data.getOutbox(%s); await d.delete('outbox', dup.id); dup.id = dup.submission.id = %s; await data.putOutbox(dup); })()`,
		q(ids[0]), q(ids[1]), q(taken))
	p.ns.setDown(false)
	p.tab.do(chromedp.Navigate(p.ns.URL+"/#/outbox"), chromedp.Reload()) // opening the app sends the outbox
	p.pin()
	p.tab.waitFor(fmt.Sprintf(`!!document.querySelector('#outbox .card[data-id=%s][data-state=rejected]') && !!document.querySelector('#outbox .card[data-id=%s][data-state=conflict]') && !!document.querySelector('#outbox .card[data-id=%s][data-state=sent]')`,
		q(ids[0]), q(taken), q(ids[2])))
	if msg := evalIn[string](p.tab, fmt.Sprintf(`document.querySelector('#outbox .card[data-id=%s] .item-error').textContent`, q(taken))); msg == "" {
		t.Error("the conflict is shown without the server's message")
	}

	// The refused one opens with the server's error beside its question; fixed, it goes.
	p.click(fmt.Sprintf(`#outbox .card[data-id=%s] button`, q(ids[0])))
	p.tab.waitFor(`!!document.querySelector('#q-members_total-err')`)
	if got := evalIn[string](p.tab, `document.querySelector('#q-members_total-err').textContent`); !strings.Contains(got, "30") {
		t.Errorf("server error beside members_total: %q", got)
	}
	p.set("#q-members_total", "6")
	p.tab.waitFor(`!document.querySelector('#q-members_total-err')`)
	p.click("#finalise")
	p.tab.waitFor(fmt.Sprintf(`!!document.querySelector('#outbox .card[data-id=%s][data-state=sent]')`, q(ids[0])))
	if status, _ := serverSubmission(t, p.col, "household", ids[0]); status != http.StatusOK {
		t.Errorf("the corrected submission: %d", status)
	}
}

// TestPhoneEditReplyLost: a correction reached the server but its reply
// never reached the phone (here: the same edit stored by another way while
// the phone is offline), so the phone's own send of it meets 412 and the
// phone reads the stored submission. A phone that corrected without its
// own copy left the withheld answers out: it finds its answers there and
// marks the correction sent. A phone that sent withheld answers cannot see
// them in the read, so its correction stays in conflict rather than be
// called sent unseen (the rule checked in the app's own code).
func TestPhoneEditReplyLost(t *testing.T) {
	t.Parallel()
	p := newPhone(t)
	p.enrol()
	sup := newUser(t, shared, "supervisor", "00004")
	correctOffline := func(id string) {
		t.Helper()
		if r := sup.do("POST", subsPath+id+"/review", map[string]any{"state": "has_issues", "comment": "Kiểm tra lại."}); r.status != http.StatusOK {
			t.Fatalf("review: %d %s", r.status, r.body)
		}
		p.tab.do(chromedp.Reload())
		p.pin()
		p.click(`a[href="#/feedback"]`)
		p.click(fmt.Sprintf(`#feedback .card[data-id=%s] button.correct`, q(id)))
		p.tab.waitFor(`!!document.querySelector('#review-comment')`)
		p.ns.setDown(true)
		p.tab.offline(true)
		p.set("#q-head_phone", "+849123456789")
		p.click("#finalise")
		p.tab.waitFor(`document.querySelector('#waiting').dataset.count === '1'`)
		queued := evalIn[string](p.tab, fmt.Sprintf(`(async () => {
			const data = await import('/app/data.js');
			return JSON.stringify((await data.getOutbox(%s)).submission);
		})()`, q(id)))
		var env map[string]any
		if err := json.Unmarshal([]byte(queued), &env); err != nil {
			t.Fatal(err)
		}
		rev := evalIn[float64](p.tab, fmt.Sprintf(`(async () => {
			const data = await import('/app/data.js');
			return (await data.getOutbox(%s)).base_revision;
		})()`, q(id)))
		if r := p.col.do("PUT", subsPath+id, env, "If-Match", fmt.Sprintf(`"%d"`, int(rev))); r.status != http.StatusOK {
			t.Fatalf("the same correction stored first: %d %s", r.status, r.body)
		}
		p.ns.setDown(false)
		p.tab.offline(false)
		p.tab.waitFor(`document.querySelector('#waiting').dataset.count === '0'`)
	}
	state := func(id string) string {
		t.Helper()
		p.click(`a[href="#/outbox"]`)
		p.tab.waitFor(fmt.Sprintf(`!!document.querySelector('#outbox .card[data-id=%s]:is([data-state=sent], [data-state=conflict])')`, q(id)))
		return evalIn[string](p.tab, fmt.Sprintf(`document.querySelector('#outbox .card[data-id=%s]').dataset.state`, q(id)))
	}

	// Sent from elsewhere: this phone corrects from the server's copy.
	env := envelope(householdData(t))
	other := env["id"].(string)
	if r := p.col.do("POST", "/api/v1/forms/household/submissions", env); r.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	correctOffline(other)
	if s := state(other); s != "sent" {
		t.Errorf("the correction without a copy whose reply was lost is %q, want sent", s)
	}

	// A phone that sent withheld answers cannot see them in the read: its
	// correction is not called sent unseen. The rule itself, in the app's
	// code: keys in any order match, a withheld answer the read lacks and
	// the phone did not send is no difference, one the phone sent is.
	got := evalIn[[]bool](p.tab, `(async () => {
		const { sameAnswers } = await import('/app/sync.js');
		const stored = { a: 1, children: [{ name: 'Lan', sex: 'female' }] };
		const redacted = ['/children/0/special_circumstances'];
		return [
			sameAnswers(stored, { children: [{ sex: 'female', name: 'Lan' }], a: 1 }, redacted),
			sameAnswers(stored, { a: 1, children: [{ name: 'Lan', sex: 'female', special_circumstances: [] }] }, redacted),
			sameAnswers(stored, { a: 2, children: [{ name: 'Lan', sex: 'female' }] }, redacted),
		];
	})()`)
	if !cmp.Equal(got, []bool{true, false, false}) {
		t.Errorf("sameAnswers: %v, want [true false false]", got)
	}
}
