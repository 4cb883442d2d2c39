package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// marker is the distinctive text the answers of these tests carry: a
// child's name no app file, form or list contains.
const marker = "Zyxwvu Marker"

// phoneDump serialises everything the page's origin keeps: every record of
// every store of every IndexedDB database (ArrayBuffers and typed arrays as
// their bytes, one character a byte, Blobs as their text), every entry of
// every cache, localStorage and sessionStorage. JSON, with the stores of
// form definitions apart (they hold no answer but name every code).
const phoneDump = `(async () => {
	const bytes = b => { const u = new Uint8Array(b.buffer ? b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) : b); let s = ''; for (const x of u) s += String.fromCharCode(x); return s; };
	const walk = async v => {
		if (v instanceof Blob) return await v.text();
		if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return bytes(v);
		if (Array.isArray(v)) return Promise.all(v.map(walk));
		if (v && typeof v === 'object') { const o = {}; for (const [k, x] of Object.entries(v)) o[k] = await walk(x); return o; }
		return v;
	};
	const out = { idb: {}, forms: {}, caches: {}, local: { ...localStorage }, session: { ...sessionStorage } };
	for (const { name } of await indexedDB.databases()) {
		const d = await new Promise((ok, no) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
		for (const store of d.objectStoreNames) {
			const recs = await new Promise((ok, no) => {
				const tx = d.transaction(store), st = tx.objectStore(store), keys = st.getAllKeys(), vals = st.getAll();
				tx.oncomplete = () => ok(keys.result.map((k, i) => ({ key: k, value: vals.result[i] })));
				tx.onerror = () => no(tx.error);
			});
			(store === 'forms' || store === 'versions' ? out.forms : out.idb)[name + '/' + store] = await walk(recs);
		}
		d.close();
	}
	for (const c of await caches.keys()) {
		const cache = await caches.open(c);
		out.caches[c] = {};
		for (const req of await cache.keys()) out.caches[c][req.url] = await (await cache.match(req)).text();
	}
	return JSON.stringify(out);
})()`

// dump is what the phone keeps, as phoneDump writes it.
type dump struct {
	IDB     map[string][]struct{ Key, Value any } `json:"idb"`
	Forms   map[string]any                        `json:"forms"`
	Caches  map[string]map[string]string          `json:"caches"`
	Local   map[string]string                     `json:"local"`
	Session map[string]string                     `json:"session"`
}

func (p *phoneEnv) dump() (string, dump) {
	p.t.Helper()
	raw := evalIn[string](p.tab, phoneDump)
	var d dump
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		p.t.Fatal(err)
	}
	return raw, d
}

// records is the records of one store of the app's database.
func (d dump) records(store string) []map[string]any {
	var out []map[string]any
	for _, r := range d.IDB["khaosat/"+store] {
		m, _ := r.Value.(map[string]any)
		out = append(out, m)
	}
	return out
}

// noAnswers fails when the dump holds the marker anywhere, or the HIV code
// outside the form definitions.
func noAnswers(t *testing.T, when, raw string, d dump) {
	t.Helper()
	if strings.Contains(raw, "Zyxwvu") {
		i := strings.Index(raw, "Zyxwvu")
		t.Errorf("%s: the answers' text is stored: …%s…", when, raw[max(0, i-200):min(len(raw), i+100)])
	}
	rest, _ := json.Marshal(map[string]any{"idb": d.IDB, "local": d.Local, "session": d.Session})
	if strings.Contains(string(rest), `"hiv"`) {
		t.Errorf("%s: an HIV answer is stored in the clear", when)
	}
}

// queueMarked puts a household whose children are named after the marker
// and one of them with the HIV circumstance into the outbox (finalise:
// true) or the drafts, with the app's own code, and returns its id.
func (p *phoneEnv) queueMarked(label string, finalise bool) string {
	p.t.Helper()
	var example map[string]any
	readJSON(p.t, "forms/testdata/household/valid/three_children.json", &example)
	for i, c := range example["children"].([]any) {
		c.(map[string]any)["full_name"] = fmt.Sprintf("%s %s %d", marker, label, i+1)
	}
	if sc := example["children"].([]any)[0].(map[string]any)["special_circumstances"]; !strings.Contains(fmt.Sprint(sc), "hiv") {
		p.t.Fatalf("the example's first child has no HIV circumstance: %v", sc)
	}
	return evalIn[string](p.tab, fmt.Sprintf(`(async () => {
		const data = await import('/app/data.js'), { session, deviceID } = await import('/app/db.js');
		const s = await session.load(), form = (await data.listForms()).find(f => f.id === 'household');
		const d = await data.newDraft({ form, user: s.user, unit: '00004', deviceId: await deviceID(), data: %s });
		if (%t) await data.finalise(d);
		return d.id;
	})()`, mustJSON(p.t, example), finalise))
}

// sendNow opens the outbox and sends what waits, unless the app's own
// sync (on unlocking, every minute) was first, until id is sent.
func (p *phoneEnv) sendNow(id string) {
	p.t.Helper()
	p.click(`a[href="#/outbox"]`)
	p.tab.waitFor(fmt.Sprintf(`!!document.querySelector('#outbox .card[data-id=%s]')`, q(id)))
	p.js(`document.querySelector('#send-now') && document.querySelector('#send-now').click()`)
	p.tab.waitFor(fmt.Sprintf(`!!document.querySelector('#outbox .card[data-id=%s][data-state=sent]')`, q(id)))
}

// TestPhoneLockAndWipe: a phone with one sent, one draft and one waiting
// household whose answers name a marker child with HIV. With the PIN set,
// nothing the origin stores (IndexedDB, caches, local and session storage)
// holds the answers' text, and the sent one is a receipt. The app locks
// when idle; a wrong PIN is counted. Signing out sends the waiting work
// first and erases the rest only once its loss is confirmed; a revoked
// phone keeps its unsent work sealed until its loss is confirmed; after
// each, no answer remains.
func TestPhoneLockAndWipe(t *testing.T) {
	t.Parallel()
	p := newPhone(t)
	p.enrol()

	// The work factor's cost in this browser.
	ms := evalIn[float64](p.tab, `(async () => {
		const { ITERATIONS } = await import('/app/vault.js');
		const base = await crypto.subtle.importKey('raw', new TextEncoder().encode('246810'), 'PBKDF2', false, ['deriveKey']);
		const times = [];
		for (let i = 0; i < 3; i++) {
			const t0 = performance.now();
			await crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: crypto.getRandomValues(new Uint8Array(16)), iterations: ITERATIONS },
				base, { name: 'AES-GCM', length: 256 }, false, ['wrapKey']);
			times.push(performance.now() - t0);
		}
		return times.sort((a, b) => a - b)[1];
	})()`)
	t.Logf("METRIC pin_derive_ms=%.0f (PBKDF2-SHA-256, the app's work factor, median of 3)", ms)

	// One sent (and returned by a supervisor: feedback kept offline), one
	// waiting, one draft.
	sent := p.queueMarked("sent", true)
	p.sendNow(sent)
	sup := newUser(t, shared, "supervisor", "00004")
	wantStatus(t, sup.do("POST", subsPath+sent+"/review", map[string]any{"state": "has_issues", "comment": "Kiểm tra lại."}), http.StatusOK, "review")
	p.click(`a[href="#/feedback"]`)
	p.tab.waitFor(fmt.Sprintf(`!!document.querySelector('#feedback .card[data-id=%s]')`, q(sent)))
	p.waitStored(`data.cachedFeedback({ id: ` + q(p.userID) + ` }).then(l => l.some(s => s.id === ` + q(sent) + `))`)
	p.ns.setDown(true)
	waiting := p.queueMarked("waiting", true)
	draft := p.queueMarked("draft", false)

	// The app reads its answers back (so the dump would show them were
	// they kept in the clear) ...
	if got := evalIn[string](p.tab, `(async () => { const data = await import('/app/data.js');
		return (await data.getOutbox(`+q(waiting)+`)).submission.data.children[0].full_name + '|' + (await data.getDraft(`+q(draft)+`)).data.children[0].full_name; })()`); got != marker+" waiting 1|"+marker+" draft 1" {
		t.Fatalf("the app reads back %q", got)
	}
	// ... but the stored bytes are ciphertext.
	raw, d := p.dump()
	noAnswers(t, "PIN set", raw, d)
	if !strings.Contains(raw, waiting) || !strings.Contains(raw, draft) {
		t.Fatal("the dump misses the records it should search")
	}
	for _, r := range d.IDB["khaosat/kv"] {
		if v, _ := r.Value.(map[string]any); r.Key == "session" && (v["sealed"] == nil || v["refresh_token"] != nil || v["access_token"] != nil) {
			t.Errorf("the session's tokens are kept in the clear: %v", v)
		}
	}
	for _, r := range d.records("outbox") {
		switch r["id"] {
		case sent:
			if r["submission"] != nil || r["sealed"] != nil || r["unit"] != "00004" || r["survey_date"] == nil || r["review_state"] != "has_issues" || r["state"] != "sent" {
				t.Errorf("the sent submission is kept as %v, want a receipt (id, form, date, commune, review state) without answers", r)
			}
		case waiting:
			if r["submission"] != nil || r["sealed"] == nil {
				t.Errorf("the waiting submission is not sealed: %v", r)
			}
		}
	}

	// A new PIN re-wraps the data key: the old one no longer opens, the
	// sealed work opens with the new one.
	if got := evalIn[string](p.tab, `(async () => {
		const v = await import('/app/vault.js'), data = await import('/app/data.js');
		await v.changePIN('246810', '97531864');
		v.lock();
		const old = (await v.unlock('246810')).result, now = (await v.unlock('97531864')).result;
		const name = (await data.getOutbox(`+q(waiting)+`)).submission.data.children[0].full_name;
		await v.changePIN('97531864', '246810');
		return [old, now, name].join('|');
	})()`); got != "wrong|open|"+marker+" waiting 1" {
		t.Errorf("changing the PIN: %q", got)
	}

	// Idle, the app locks: the key leaves memory, the PIN is asked.
	p.js(`(async () => { (await import('/app/lock.js')).limits.IDLE_MS = 1000; })()`)
	p.tab.waitFor(`!!document.querySelector('#lock-screen')`)
	if evalIn[bool](p.tab, `(async () => (await import('/app/vault.js')).isOpen())()`) {
		t.Error("locked, the data key is still in memory")
	}
	p.tab.screenshot("pin-lock")
	p.set("#lock-pin", "135790")
	p.click("#unlock")
	p.tab.waitFor(`!!document.querySelector('#lock-error')`)
	if msg := evalIn[string](p.tab, `document.querySelector('#lock-error').textContent`); !strings.Contains(msg, "9") {
		t.Errorf("after a wrong PIN: %q, want 9 attempts left", msg)
	}
	p.click("#lang-switch")
	p.tab.waitFor(`document.querySelector('#lock-h').textContent === 'The app is locked'`)
	if msg := evalIn[string](p.tab, `document.querySelector('#lock-error').textContent`); !strings.Contains(msg, "9 attempts left") {
		t.Errorf("the wrong PIN's message in English: %q", msg)
	}
	p.tab.screenshot("pin-lock-en")
	p.click("#lang-switch")
	p.js(`(async () => { (await import('/app/lock.js')).limits.IDLE_MS = 5 * 60 * 1000; })()`)
	p.pin()

	// Signing out offline: nothing can be sent, the loss of both is asked.
	p.tab.offline(true)
	p.click(`a[href="#/"]`)
	p.click("#sign-out")
	p.tab.waitFor(`!!document.querySelector('#confirm-loss')`)
	if n := evalIn[string](p.tab, `document.querySelector('#confirm-loss-text').dataset.count`); n != "2" {
		t.Errorf("signing out offline asks about %s unsent, want 2 (the draft and the waiting one)", n)
	}
	p.click("#wipe-cancel")
	p.tab.waitFor(`!!document.querySelector('#sign-out')`)
	// Online: the waiting one goes first, then only the draft is lost, once confirmed.
	p.ns.setDown(false)
	p.tab.offline(false)
	p.click("#sign-out")
	p.tab.waitFor(`!!document.querySelector('#confirm-loss')`)
	if n := evalIn[string](p.tab, `document.querySelector('#confirm-loss-text').dataset.count`); n != "1" {
		t.Errorf("signing out online asks about %s unsent, want 1 (the draft)", n)
	}
	if got := countOnServer(t, p.col, []string{waiting}); got[waiting] != 1 {
		t.Errorf("the waiting submission was not sent before signing out: %v", got)
	}
	p.click("#wipe-confirm")
	p.tab.waitFor(`!!document.querySelector('#signin-form')`)
	raw, d = p.dump()
	noAnswers(t, "signed out", raw, d)
	for _, s := range []string{"drafts", "outbox", "photos"} {
		if n := len(d.records(s)); n != 0 {
			t.Errorf("signed out, %s holds %d records", s, n)
		}
	}
	for _, r := range d.IDB["khaosat/kv"] {
		if k := fmt.Sprint(r.Key); k != "device_id" && k != "lang" {
			t.Errorf("signed out, kv keeps %q", k)
		}
	}

	// Enrolled again: a PIN is set anew.
	e := createEnrollment(t, p.admin, p.userID)
	p.set("#code", e.Code)
	p.click("#signin-form button[type=submit]")
	p.tab.waitFor(`!!document.querySelector('#pin-setup')`)
	p.tab.screenshot("pin-setup")
	p.click("#lang-switch")
	p.tab.waitFor(`document.querySelector('#pin-h').textContent === 'Set a PIN'`)
	p.set("#pin-new", "12345")
	p.set("#pin-repeat", "12345")
	p.click("#pin-set")
	p.tab.waitFor(`!!document.querySelector('#pin-error')`)
	p.tab.screenshot("pin-setup-en")
	p.click("#lang-switch")
	p.pin()
	p.tab.waitFor(`document.querySelectorAll('#forms .card').length >= 4`)

	// Revoked with a sent receipt and a waiting submission on the phone.
	again := p.queueMarked("again", true)
	p.sendNow(again)
	p.ns.setDown(true)
	kept := p.queueMarked("kept", true)
	device := evalIn[string](p.tab, `(async () => (await import('/app/db.js')).deviceID())()`)
	p.tab.closePage()
	wantStatus(t, p.admin.do("DELETE", "/api/v1/users/"+p.userID+"/devices/"+device, nil), http.StatusNoContent, "revoke")
	p.ns.setDown(false)
	p.tab.reopen()
	p.tab.do(chromedp.Navigate(p.ns.URL + "/"))
	p.pin()
	p.tab.waitFor(`!!document.querySelector('#notice') && !!document.querySelector('#kept-notice')`)
	if n := evalIn[string](p.tab, `document.querySelector('#kept-notice').dataset.count`); n != "1" {
		t.Errorf("revoked: %s unsent kept, want 1", n)
	}
	raw, d = p.dump()
	noAnswers(t, "revoked", raw, d)
	if recs := d.records("outbox"); len(recs) != 1 || recs[0]["id"] != kept || recs[0]["sealed"] == nil {
		t.Errorf("revoked, the outbox keeps %v, want only the unsent one, sealed", recs)
	}
	// Its loss confirmed, nothing of it remains.
	p.click("#erase-kept")
	p.tab.waitFor(`!!document.querySelector('#confirm-loss')`)
	p.click("#wipe-confirm")
	p.tab.waitFor(`!document.querySelector('#kept-notice') && !!document.querySelector('#signin-form')`)
	raw, d = p.dump()
	noAnswers(t, "revoked, loss confirmed", raw, d)
	if n := len(d.records("outbox")) + len(d.records("drafts")); n != 0 {
		t.Errorf("after the loss was confirmed %d records remain", n)
	}
	for _, r := range d.IDB["khaosat/kv"] {
		if k := fmt.Sprint(r.Key); k != "device_id" && k != "lang" {
			t.Errorf("after the loss was confirmed kv keeps %q", k)
		}
	}
}

// TestPhoneForgotPIN: ten wrong PINs end the session (the unsent work
// stays sealed, the PIN still opens it after a fresh sign-in); a forgotten
// PIN erases the unsent work only once its loss, its count shown, is
// confirmed.
func TestPhoneForgotPIN(t *testing.T) {
	t.Parallel()
	p := newPhone(t)
	p.enrol()
	p.ns.setDown(true)
	waiting := p.queueMarked("waiting", true)
	p.queueMarked("draft", false)

	p.js(`(async () => (await import('/app/vault.js')).lock())()`)
	p.tab.waitFor(`!!document.querySelector('#lock-screen')`)
	for i := 1; i < 10; i++ {
		p.set("#lock-pin", "000000")
		p.click("#unlock")
		p.tab.waitFor(fmt.Sprintf(`(document.querySelector('#lock-error') || {}).textContent === 'Sai mã PIN. Còn %d lần thử trước khi phải đăng nhập lại.'`, 10-i))
	}
	p.set("#lock-pin", "000000")
	p.click("#unlock")
	p.tab.waitFor(`!!document.querySelector('#signin-form') && !!document.querySelector('#kept-notice')`)
	if n := evalIn[string](p.tab, `document.querySelector('#kept-notice').dataset.count`); n != "2" {
		t.Errorf("after ten wrong PINs %s unsent are kept, want 2", n)
	}
	raw, d := p.dump()
	noAnswers(t, "ten wrong PINs", raw, d)

	// Signed in again, the PIN is asked; forgotten, the loss is asked first.
	p.ns.setDown(false)
	e := createEnrollment(t, p.admin, p.userID)
	p.set("#code", e.Code)
	p.click("#signin-form button[type=submit]")
	p.tab.waitFor(`!!document.querySelector('#lock-screen') && !document.querySelector('#lock-error')`)
	p.click("#forgot-pin")
	p.tab.waitFor(`!!document.querySelector('#confirm-loss')`)
	if n := evalIn[string](p.tab, `document.querySelector('#confirm-loss-text').dataset.count`); n != "2" {
		t.Errorf("a forgotten PIN would erase %s, want 2 shown", n)
	}
	p.click("#wipe-cancel")
	p.pin() // remembered after all: the waiting one is opened and sent
	p.tab.waitFor(`document.querySelector('#waiting').dataset.count === '0'`)
	if got := countOnServer(t, p.col, []string{waiting}); got[waiting] != 1 {
		t.Errorf("unlocked after ten wrong PINs and a sign-in, the waiting one is on the server %d times, want 1", got[waiting])
	}
	p.js(`(async () => (await import('/app/vault.js')).lock())()`)
	p.click("#forgot-pin")
	p.tab.waitFor(`(document.querySelector('#confirm-loss-text') || {dataset: {}}).dataset.count === '1'`) // the draft
	p.click("#wipe-confirm")
	p.tab.waitFor(`!!document.querySelector('#signin-form') && !document.querySelector('#kept-notice')`)
	raw, d = p.dump()
	noAnswers(t, "PIN forgotten", raw, d)
	if n := len(d.records("outbox")) + len(d.records("drafts")); n != 0 {
		t.Errorf("after the PIN was forgotten %d records remain", n)
	}
}
