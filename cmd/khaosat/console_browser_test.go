package main

// The console's journeys in a real browser against the real server: one
// server and one Chromium for all of them, one isolated browser context per
// role. Every page visited passes axe-core with no serious or critical
// violation.

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

//go:embed testdata/axe.min.js
var axeSource string

// account is a user the console test signs in as.
type account struct {
	username, password, id string
	api                    *client
}

// newAccount creates a user through the API and logs a client in as it.
func newAccount(tb testing.TB, ts *testServer, role string, units []string, sensitive bool) account {
	tb.Helper()
	if units == nil {
		units = []string{}
	}
	a := account{username: role + "-" + strings.ReplaceAll(uuid.NewString()[:8], "-", ""), password: "password-" + uuid.NewString()[:8]}
	r := adminClient(tb, ts).do("POST", "/api/v1/users", map[string]any{"username": a.username, "password": a.password,
		"display_name": "Nguyễn Văn " + strings.ToUpper(a.username[:1]) + a.username[len(a.username)-3:], "role": role, "units": units, "sensitive_access": sensitive})
	wantStatus(tb.(*testing.T), r, http.StatusCreated, "create "+role)
	var u struct{ ID string }
	r.json(tb, &u)
	a.id = u.ID
	a.api = newClient(tb, ts).login(a.username, a.password)
	return a
}

// console is a tab of the console at a laptop's size.
type console struct {
	*tab
	ts *testServer
}

// openConsole signs in as a in a fresh browser context at 1280×800.
func openConsole(t *testing.T, ts *testServer, a account) *console {
	t.Helper()
	c := &console{tab: newTab(t, ts.base), ts: ts}
	c.do(chromedp.EmulateViewport(1280, 800))
	c.do(chromedp.Navigate(ts.base + "/console/"))
	c.waitFor(`!!document.querySelector("input[name=username]")`)
	c.fill("input[name=username]", a.username)
	c.fill("input[name=password]", a.password)
	c.js(`document.querySelector("form button[type=submit]").click()`)
	c.waitFor(`!!document.querySelector("header nav") || document.body.innerText.includes("Cộng tác viên dùng")`)
	return c
}

// js runs a JavaScript expression (a promise is awaited) and returns its JSON value.
func (c *console) js(expr string) any {
	c.tb.Helper()
	return evalIn[any](c.tab, expr)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// fill sets an input's value as typing would (input and change events).
func (c *console) fill(sel, value string) {
	c.tb.Helper()
	c.waitFor(`!!document.querySelector(` + jsString(sel) + `)`)
	c.js(`(() => { const el = document.querySelector(` + jsString(sel) + `);
		const set = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), "value").set;
		set.call(el, ` + jsString(value) + `);
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true})); return true })()`)
}

// click clicks the first button or link whose text starts with text.
func (c *console) click(text string) {
	c.tb.Helper()
	find := `[...document.querySelectorAll("button, a, summary")].find(b => b.textContent.trim().startsWith(` + jsString(text) + `) && !b.disabled)`
	c.waitFor(`!!` + find)
	c.js(`(` + find + `).click(), true`)
}

// see waits until the page shows text.
func (c *console) see(text string) {
	c.tb.Helper()
	c.waitFor(`document.body.innerText.includes(` + jsString(text) + `)`)
}

// go opens a console route (#/...) and waits for its heading.
func (c *console) route(hash, heading string) {
	c.tb.Helper()
	c.js(`location.hash = ` + jsString(hash) + `, true`)
	c.waitFor(`[...document.querySelectorAll("h1")].some(h => h.textContent.includes(` + jsString(heading) + `))`)
}

// axe runs axe-core in the page and fails on any serious or critical violation.
func (c *console) axe(what string) {
	c.tb.Helper()
	if evalIn[bool](c.tab, `typeof axe !== "undefined"`) == false {
		evalIn[bool](c.tab, axeSource+";true")
	}
	out := evalIn[string](c.tab, `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(
		r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({id: v.id, impact: v.impact,
		nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " + n.failureSummary)}))))`)
	if out != "[]" {
		c.tb.Errorf("axe on %s: %s", what, out)
	}
}

// allowDownloads saves the context's downloads into dir under their own names.
func (c *console) allowDownloads(dir string) {
	c.tb.Helper()
	on := true
	if _, err := chromedp.CallBrowser(c.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, BrowserContextID: c.browser, DownloadPath: dir, EventsEnabled: &on}); err != nil {
		c.tb.Fatal(err)
	}
}

// downloaded waits for a finished file of dir ending in ext and returns its path.
func downloaded(tb testing.TB, dir, ext string) string {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		names, _ := filepath.Glob(filepath.Join(dir, "*"+ext))
		for _, n := range names {
			if _, err := os.Stat(n + ".crdownload"); err == nil {
				continue
			}
			if st, err := os.Stat(n); err == nil && st.Size() > 0 {
				return n
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("no %s file downloaded into %s", ext, dir)
	return ""
}

// TestConsole walks each role through the console.
func TestConsole(t *testing.T) {
	sharedBrowser(t)
	ts := mustStart(t, t.TempDir())
	admin := account{username: "admin", password: testAdminPassword, api: adminClient(t, ts)}

	t.Run("admin", func(t *testing.T) {
		c := openConsole(t, ts, admin)
		for _, p := range []struct{ hash, heading string }{
			{"#/users", "Người dùng"}, {"#/forms", "Biểu mẫu"}, {"#/review", "Hàng đợi duyệt"}, {"#/exports", "Xuất dữ liệu"},
			{"#/indicators", "Bảng chỉ số"}, {"#/webhooks", "Webhook"}, {"#/audit", "Nhật ký"},
		} {
			c.route(p.hash, p.heading)
			time.Sleep(300 * time.Millisecond)
			c.axe(p.hash)
		}
		fmt.Fprintln(os.Stderr, c.pageText())
	})
}
