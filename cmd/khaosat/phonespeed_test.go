package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// shellFiles are the URLs the service worker precaches (web/app/sw.js).
func shellFiles(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "web", "app", "sw.js"))
	if err != nil {
		t.Fatal(err)
	}
	list := regexp.MustCompile(`(?s)const SHELL = \[(.*?)\];`).FindSubmatch(b)
	if list == nil {
		t.Fatal("no SHELL list in sw.js")
	}
	var urls []string
	for _, m := range regexp.MustCompile(`'([^']+)'`).FindAllSubmatch(list[1], -1) {
		urls = append(urls, string(m[1]))
	}
	return urls
}

func stats(xs []float64) (median, worst float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2], s[len(s)-1]
}

// TestPhoneSpeed measures, and reports without asserting: the compressed
// size of the app shell and its libraries, opening a household with 10
// children and each keystroke's validation with the CPU throttled 4× (a
// cheap phone), and syncing 100 queued submissions over loopback.
func TestPhoneSpeed(t *testing.T) {
	// The shell as a phone downloads it: gzip, over HTTP from the real server.
	var total, qr int64
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, u := range shellFiles(t) {
		req, _ := http.NewRequest("GET", shared.base+u, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", u, res.StatusCode)
		}
		total += n
		if u == "/vendor/jsqr.js" {
			qr = n
		}
	}
	t.Logf("METRIC shell+libraries compressed: %.1f KB (%d files; of which jsqr %.1f KB, loaded only to scan a QR code)", float64(total)/1024, len(shellFiles(t)), float64(qr)/1024)

	p := newPhone(t)
	p.enrol()

	// Syncing 100 queued submissions.
	p.ns.setDown(true)
	p.queueHouseholds(100)
	p.ns.setDown(false)
	ms := evalIn[float64](p.tab, `(async () => {
		const { createClient } = await import('/shared/api.js'), { session } = await import('/app/db.js'), { syncOutbox } = await import('/app/sync.js');
		const s = await session.load(), t0 = performance.now();
		await syncOutbox(createClient({ session }), s.user.id);
		return performance.now() - t0;
	})()`)
	if w := evalIn[int](p.tab, `(async () => { const {waiting} = await import('/app/db.js'); const {session} = await import('/app/db.js'); return waiting((await session.load()).user.id); })()`); w != 0 {
		t.Fatalf("%d still waiting after the sync", w)
	}
	// The baseline in the same run: the same 100 households sent straight from Go in one request.
	var example0 map[string]any
	readJSON(t, "forms/testdata/household/valid/three_children.json", &example0)
	batch := make([]map[string]any, 100)
	for i := range batch {
		e := envelope(example0)
		e["form"] = "household"
		e["survey_date"] = time.Now().Format(time.DateOnly)
		delete(e, "started_at")
		delete(e, "ended_at")
		batch[i] = e
	}
	t0 := time.Now()
	if r := p.col.do("POST", "/api/v1/sync", map[string]any{"submissions": batch}); r.status != http.StatusOK || strings.Count(string(r.body), `"status":201`) != 100 {
		t.Fatalf("baseline sync: %d %.300s", r.status, r.body)
	}
	direct := time.Since(t0)
	t.Logf("METRIC sync of 100 queued household submissions (3 children each) from the phone: %.0f ms; the same 100 sent straight from Go in one request: %.0f ms (phone/direct %.2f)",
		ms, float64(direct.Microseconds())/1000, ms/(float64(direct.Microseconds())/1000))

	// A household with 10 children, opened and typed into on a 4× slower CPU.
	var example map[string]any
	readJSON(t, "forms/testdata/household/valid/three_children.json", &example)
	id := evalIn[string](p.tab, fmt.Sprintf(`(async () => {
		const data = await import('/app/data.js'), { session, deviceID } = await import('/app/db.js');
		const s = await session.load(), form = (await data.listForms()).find(f => f.id === 'household');
		const ex = %s, children = [];
		for (let i = 0; i < 10; i++) children.push({ ...ex.children[i %% 3], child_id: crypto.randomUUID() });
		const d = await data.newDraft({ form, user: s.user, unit: '00004', deviceId: await deviceID(), data: { ...ex, children } });
		return d.id;
	})()`, mustJSON(t, example)))
	p.tab.do(chromedp.Navigate(p.ns.URL + "/#/"))
	p.tab.waitFor(`!!document.querySelector('#forms .card')`)
	p.tab.throttleCPU(4)
	defer p.tab.throttleCPU(1)
	p.js(`location.hash = '#/fill/%s'`, id)
	p.tab.waitFor(`!!document.querySelector('#q-children-9-toggle')`)
	open := evalIn[[]float64](p.tab, `__khaosatMetrics.open`)
	painted := evalIn[[]float64](p.tab, `__khaosatMetrics.painted`)
	expand := evalIn[float64](p.tab, `new Promise(done => { const t0 = performance.now(); document.querySelector('#q-children-9-toggle').click();
		requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0))); })`)
	p.tab.waitFor(`!!document.querySelector('#q-children-9-full_name')`)
	before := evalIn[int](p.tab, `__khaosatMetrics.validate.length`)
	p.tab.do(chromedp.Click(chromedp.CSS("#q-children-9-full_name")), chromedp.SendKeys(chromedp.CSS("#q-children-9-full_name"), " Phương Thảo"))
	p.tab.waitFor(`document.querySelector('#q-children-9-full_name').value.endsWith('Phương Thảo')`)
	validate := evalIn[[]float64](p.tab, `__khaosatMetrics.validate`)[before:]
	change := evalIn[[]float64](p.tab, fmt.Sprintf(`__khaosatMetrics.change.slice(-%d)`, len(validate)))
	vm, vw := stats(validate)
	cm, cw := stats(change)
	t.Logf("METRIC open household with 10 children, CPU 4x slower: %.1f ms to the form in the page, %.1f ms to the frame after its paint (from the route change, storage reads included, the children folded)", open[len(open)-1], painted[len(painted)-1])
	t.Logf("METRIC unfold one child, CPU 4x slower: %.1f ms (to the next frame)", expand)
	t.Logf("METRIC per-keystroke validation (JSON Schema + age rules), CPU 4x slower, %d keystrokes: median %.2f ms, worst %.2f ms", len(validate), vm, vw)
	t.Logf("METRIC per-keystroke change to drawn form (validation + redraw), CPU 4x slower: median %.1f ms, worst %.1f ms", cm, cw)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
