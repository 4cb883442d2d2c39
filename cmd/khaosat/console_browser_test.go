package main

// The console's journeys in a real browser against the real server: one
// server and one Chromium for all of them, one isolated browser context per
// role. Every page visited passes axe-core with no serious or critical
// violation.

import (
	"archive/zip"
	"bufio"
	_ "embed"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"
)

//go:embed testdata/axe.min.js
var axeSource string

// account is a user the console test signs in as.
type account struct {
	username, password, id string
	api                    *client
}

// newAccount creates a user through the API and logs a client in as it.
func newAccount(tb testing.TB, ts *testServer, admin *client, role string, units []string, sensitive bool) account {
	tb.Helper()
	if units == nil {
		units = []string{}
	}
	a := account{username: role + "-" + strings.ReplaceAll(uuid.NewString()[:8], "-", ""), password: "password-" + uuid.NewString()[:8]}
	r := admin.do("POST", "/api/v1/users", map[string]any{"username": a.username, "password": a.password,
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
	c := &console{tab: newIsolatedTab(t, ts.base), ts: ts}
	c.do(chromedp.EmulateViewport(1280, 800))
	c.do(chromedp.Navigate(ts.base + "/console/"))
	c.waitFor(`!!document.querySelector("input[name=username]")`)
	c.fill("input[name=username]", a.username)
	c.fill("input[name=password]", a.password)
	c.js(`document.querySelector("form button[type=submit]").click()`)
	c.waitFor(`!!document.querySelector("header nav") || document.body.innerText.includes("Cộng tác viên dùng")`)
	return c
}

// newIsolatedTab opens a page in a browser context of its own: each role's
// session and storage apart from the others'.
func newIsolatedTab(tb testing.TB, base string) *tab {
	tb.Helper()
	return newTab(tb, base, chromedp.WithNewBrowserContext())
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

// submitFile sends a testdata example of form for unit as a.
func submitFile(tb testing.TB, a account, form, file, unit string) string {
	tb.Helper()
	var data map[string]any
	readJSON(tb, "forms/testdata/"+form+"/valid/"+file, &data)
	e := envelope(data)
	e["unit"] = unit
	r := a.api.do("POST", "/api/v1/forms/"+form+"/submissions", e)
	if r.status != http.StatusCreated {
		tb.Fatalf("submit %s: %d %s", form, r.status, r.body)
	}
	return e["id"].(string)
}

// editorText replaces the draft editor's whole document as the designer
// would: select all (Ctrl+A) and paste.
func (c *console) editorText(text string) {
	c.tb.Helper()
	c.waitFor(`!!document.querySelector(".editor-host") && !!` + cm + `?.querySelector(".cm-content")`)
	c.js(`(() => { const el = ` + cm + `?.querySelector(".cm-content"); el.focus();
		el.dispatchEvent(new KeyboardEvent("keydown", {key: "a", code: "KeyA", keyCode: 65, ctrlKey: true, bubbles: true, cancelable: true}));
		const dt = new DataTransfer(); dt.setData("text/plain", ` + jsString(text) + `);
		el.dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true})); return true })()`)
}

// cm is the editor's shadow root, where CodeMirror draws.
const cm = `document.querySelector(".editor-host")?.shadowRoot`

// formDoc is the published document of a form, indented as the editor shows it.
func formDoc(tb testing.TB, a account, form string) map[string]any {
	tb.Helper()
	var v struct{ Schema map[string]any }
	a.api.do("GET", "/api/v1/forms/"+form, nil).json(tb, &v)
	return v.Schema
}

func indent(tb testing.TB, v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// TestConsole walks each role through the console.
func TestConsole(t *testing.T) {
	sharedBrowser(t)
	ts := mustStart(t, t.TempDir())
	admin := account{username: "admin", password: testAdminPassword, api: adminClient(t, ts)}
	designer := newAccount(t, ts, admin.api, "designer", nil, false)
	collector := newAccount(t, ts, admin.api, "collector", []string{"00004"}, false)
	otherCollector := newAccount(t, ts, admin.api, "collector", []string{"00070"}, false)
	supervisor := newAccount(t, ts, admin.api, "supervisor", []string{"00004"}, false)
	granted := newAccount(t, ts, admin.api, "supervisor", []string{"00004"}, true)
	otherSupervisor := newAccount(t, ts, admin.api, "supervisor", []string{"00070"}, false)
	manager := newAccount(t, ts, admin.api, "manager", []string{"01"}, false)
	// The manager's journey reads the names in its exports: the personal grant.
	wantStatus(t, admin.api.do("PATCH", "/api/v1/users/"+manager.id, map[string]any{"personal_access": true}), http.StatusOK, "grant personal_access")

	mine := submitFile(t, collector, "labour", "hazardous_construction.json", "00004")
	theirs := submitFile(t, otherCollector, "labour", "no_work.json", "00070")
	hiv := submitFile(t, collector, "hiv", "positive_on_art.json", "00004")
	// The collector corrects the hours once: the submission has two revisions.
	edit := map[string]any{}
	r := collector.api.do("GET", "/api/v1/forms/labour/submissions/"+mine, nil)
	r.json(t, &edit)
	env := map[string]any{"id": mine, "form_version": edit["form_version"], "unit": edit["unit"], "survey_date": edit["survey_date"], "data": edit["data"]}
	env["data"].(map[string]any)["econ_hours"] = 40
	wantStatus(t, collector.api.do("PUT", "/api/v1/forms/labour/submissions/"+mine, env, "If-Match", `"1"`), http.StatusOK, "edit")
	bulk := []string{submitFile(t, collector, "labour", "no_work.json", "00004"), submitFile(t, collector, "labour", "age_5_exactly_some_work.json", "00004")}

	if os.Getenv("SKIPD") == "" {
		t.Run("designer", func(t *testing.T) { designerJourney(t, ts, designer) })
	}
	t.Run("supervisor", func(t *testing.T) { supervisorJourney(t, ts, supervisor, granted, mine, theirs, hiv, bulk) })
	t.Run("manager", func(t *testing.T) { managerJourney(t, ts, manager) })
	t.Run("admin", func(t *testing.T) { adminJourney(t, ts, admin) })
	t.Run("refused", func(t *testing.T) { refusedJourney(t, ts, collector, otherSupervisor, supervisor, mine, theirs, hiv) })
}

// designerJourney: copy the labour form into a draft, add a question, see
// the lint error of its missing label on its line, fix it, preview, see the
// diff, publish v2; then a breaking change is refused with its explanation.
func designerJourney(t *testing.T, ts *testServer, des account) {
	c := openConsole(t, ts, des)
	c.route("#/forms", "Biểu mẫu")
	c.see("labour")
	c.axe("forms")
	c.screenshot("console-designer-forms")
	c.route("#/forms/labour", "Bản nháp")
	c.click("Tạo bản nháp từ phiên bản 1")
	c.waitFor(`!!document.querySelector(".editor-host") && !!` + cm + `?.querySelector(".cm-content")`)

	doc := formDoc(t, des, "labour")
	props := doc["properties"].(map[string]any)
	props["helper_note"] = map[string]any{"type": "string", "maxLength": 200}
	doc["x-order"] = append(doc["x-order"].([]any), "helper_note")
	c.editorText(indent(t, doc))
	c.waitFor(`document.querySelector("[data-testid=lint-status]").textContent.includes("lỗi")`)
	// The error is on the line of the question without a label, in the gutter and in the list.
	line := 1 + strings.Count(strings.Split(indent(t, doc), `"helper_note": {`)[0], "\n")
	c.see(fmt.Sprintf("dòng %d", line))
	c.click(fmt.Sprintf("dòng %d", line)) // the problem's line takes the cursor there
	c.waitFor(`!!` + cm + `?.querySelector(".cm-lint-marker-error")`)
	got := c.js(`[...` + cm + `?.querySelectorAll(".cm-lintRange-error")].map(e => e.closest(".cm-line").textContent).join("|")`).(string)
	if !strings.Contains(got, "helper_note") {
		t.Errorf("error range on %q, want the helper_note line", got)
	}
	c.see("/properties/helper_note")
	c.axe("editor with errors")

	props["helper_note"] = map[string]any{"type": "string", "maxLength": 200,
		"x-label": map[string]any{"vi": "Ghi chú của người hỗ trợ", "en": "Helper's note"}}
	c.editorText(indent(t, doc))
	c.waitFor(`document.querySelector("[data-testid=lint-status]").textContent.startsWith("Không có lỗi")`)
	c.waitFor(`!` + cm + `?.querySelector(".cm-lint-marker-error")`)
	// The preview is the phone's renderer drawing the draft.
	c.waitFor(`!!document.querySelector("[data-testid=preview]") && document.querySelector("[data-testid=preview]").textContent.includes("Ghi chú của người hỗ trợ")`)
	c.click("Thử một phiếu với bản nháp")
	var answers map[string]any
	readJSON(t, "forms/testdata/labour/valid/no_work.json", &answers)
	answers["helper_note"] = "Gia đình hợp tác tốt"
	c.fill("input[name=test-unit]", "00004")
	c.fill("input[name=test-date]", "2026-06-15")
	c.fill("textarea[name=test-data]", indent(t, answers))
	c.click("Kiểm tra")
	c.see("Phiếu hợp lệ với bản nháp.")
	c.click("Xem khác biệt")
	c.waitFor(`document.querySelector("[data-testid=diff]") && document.querySelector("[data-testid=diff]").textContent.includes("/helper_note")`)
	c.screenshot("console-designer-editor")
	c.fill("textarea[name=notes]", "Thêm câu hỏi ghi chú")
	c.click("Phát hành phiên bản mới")
	c.see("Đã phát hành phiên bản 2.")
	if v := formDoc(t, des, "labour"); v["properties"].(map[string]any)["helper_note"] == nil {
		t.Fatal("published labour has no helper_note")
	}

	// A breaking change: a choice code removed.
	c.click("Tạo bản nháp từ phiên bản 2")
	c.waitFor(`!!document.querySelector(".editor-host") && !!` + cm + `?.querySelector(".cm-content")`)
	doc = formDoc(t, des, "labour")
	sector := doc["properties"].(map[string]any)["sector"].(map[string]any)
	sector["enum"] = sector["enum"].([]any)[:len(sector["enum"].([]any))-1]
	sector["x-choices"] = sector["x-choices"].([]any)[:len(sector["x-choices"].([]any))-1]
	c.editorText(indent(t, doc))
	c.waitFor(`document.querySelector("[data-testid=lint-status]").textContent.startsWith("Không có lỗi")`)
	c.click("Phát hành phiên bản mới")
	c.waitFor(`!!document.querySelector("[data-testid=breaking]")`)
	c.see("Không thể phát hành")
	c.see("Giữ lại mã đó")
	c.see("/sector")
	var v struct{ Version int }
	des.api.do("GET", "/api/v1/forms/labour", nil).json(t, &v)
	if v.Version != 2 {
		t.Fatalf("labour is at version %d after a refused publish, want 2", v.Version)
	}
}

// supervisorJourney: the commune's queue, a review with has_issues and a
// comment, labels in both languages, and the hiv form only with the grant.
func supervisorJourney(t *testing.T, ts *testServer, sup, granted account, mine, theirs, hiv string, bulk []string) {
	c := openConsole(t, ts, sup)
	c.route("#/review/labour", "Hàng đợi duyệt")
	c.waitFor(`!!document.querySelector("tr[data-id=\"` + mine + `\"]")`)
	// A tablet held upright: the same queue, folded.
	c.do(chromedp.EmulateViewport(768, 1024))
	c.screenshot("console-supervisor-queue-tablet")
	c.do(chromedp.EmulateViewport(1280, 800))
	if c.js(`!!document.querySelector("tr[data-id=\"` + theirs + `\"]")`).(bool) {
		t.Error("the queue shows a submission of another commune")
	}
	c.axe("review queue")
	c.screenshot("console-supervisor-queue")
	// Bulk review: two approved at once.
	for _, id := range bulk {
		c.js(`document.querySelector("tr[data-id=\"` + id + `\"] input[type=checkbox]").click(), true`)
	}
	c.see("Duyệt 2 phiếu đã chọn")
	c.click("Lưu")
	c.see("Đã duyệt 2/2 phiếu.")
	for _, id := range bulk {
		var sub struct {
			ReviewState string `json:"review_state"`
		}
		sup.api.do("GET", "/api/v1/forms/labour/submissions/"+id, nil).json(t, &sub)
		if sub.ReviewState != "approved" {
			t.Errorf("bulk-approved %s is %q", id, sub.ReviewState)
		}
	}
	c.waitFor(`!document.querySelector("tr[data-id=\"` + bulk[0] + `\"]")`) // the queue shows what is still to review
	c.js(`document.querySelector("tr[data-id=\"` + mine + `\"] a").click(), true`)
	c.see("Hoàng Văn Sơn")
	c.see("Giới tính")
	c.see("Xây dựng")  // the sector's Vietnamese label, not its code
	c.click("So sánh") // the two revisions
	c.see("/data/econ_hours")
	c.js(`document.querySelector("input[name=decision][value=has_issues]").click(), true`)
	c.fill("textarea[name=comment]", "Số giờ làm việc cần kiểm tra lại.")
	c.click("Lưu")
	c.waitFor(`document.querySelector("[data-testid=state]").textContent === "Cần sửa"`)
	c.see("Số giờ làm việc cần kiểm tra lại.")
	c.axe("submission")
	var sub struct {
		ReviewState string `json:"review_state"`
		Review      struct{ Comment string }
	}
	sup.api.do("GET", "/api/v1/forms/labour/submissions/"+mine, nil).json(t, &sub)
	if sub.ReviewState != "has_issues" || sub.Review.Comment != "Số giờ làm việc cần kiểm tra lại." {
		t.Fatalf("after the review: %+v", sub)
	}
	c.click("English")
	c.see("Sex")
	c.see("Construction")
	c.see("Has issues")
	c.screenshot("console-supervisor-submission-en")
	c.click("Tiếng Việt")
	c.see("Giới tính")

	// hiv: nothing without the grant, the answers with it.
	c.route("#/review/hiv", "Hàng đợi duyệt")
	c.js(`(() => { const s = document.querySelector("select[name=review_state]"); s.value = ""; s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`)
	c.click("Lọc")
	c.waitFor(`!!document.querySelector("[data-testid=empty]")`)
	c.route("#/review/hiv/"+hiv, "Phiếu")
	c.waitFor(`!!document.querySelector(".error")`)
	if c.js(`document.body.innerText.includes("Nguyễn Thị Lan")`).(bool) {
		t.Error("a supervisor without the grant sees an hiv submission")
	}
	g := openConsole(t, ts, granted)
	g.route("#/review/hiv/"+hiv, "Phiếu")
	g.see("Nguyễn Thị Lan")
	g.see("Dương tính")
}

// managerJourney: ZIP and XLSX exports opened and checked, the indicator
// dashboard equal to the API's table cell for cell, its charts drawn.
func managerJourney(t *testing.T, ts *testServer, mgr account) {
	c := openConsole(t, ts, mgr)
	dir := t.TempDir()
	c.allowDownloads(dir)
	c.route("#/indicators", "Bảng chỉ số")
	c.waitFor(`!!document.querySelector("[data-testid=indicator-table] tbody tr")`)
	year := time.Now().Format("2006")
	// The city's 16 indicators, then one indicator by commune with its chart.
	compareDashboard(t, c, mgr, "period="+year+"&level=city&unit=01", "")
	c.axe("indicators")
	c.fill("select[name=level]", "commune")
	c.click("Xem")
	c.fill("select[name=indicator]", "CHILD_LABOUR")
	compareDashboard(t, c, mgr, "period="+year+"&level=commune&unit=01&codes=CHILD_LABOUR", "CHILD_LABOUR")
	c.waitFor(`(() => { const cv = document.querySelector("[data-testid=chart-bar] canvas"); if (!cv || !cv.width) return false;
		const d = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height).data; for (let i = 3; i < d.length; i += 4) if (d[i]) return true; return false })()`)
	c.waitFor(`!!document.querySelector("[data-testid=chart-line] canvas")`)
	c.screenshot("console-manager-indicators")

	// The 16 with the sex and age-group breakdowns, for the city.
	c.fill("select[name=level]", "city")
	c.fill("select[name=indicator]", "")
	c.js(`document.querySelector("input[name=by-sex]").click(), document.querySelector("input[name=by-age]").click(), true`)
	c.click("Xem")
	c.waitFor(`[...document.querySelectorAll("[data-testid=indicator-table] th")].some(th => th.textContent === "Nhóm tuổi")`)
	compareDashboard(t, c, mgr, "period="+year+"&level=city&unit=01&by=sex,age_group", "")
	c.click("Tải XLSX")
	if got, want := len(xlsxRows(t, downloaded(t, dir, ".xlsx"), ""))-1, len(apiTable(t, mgr, "period="+year+"&level=city&unit=01&by=sex,age_group").Rows); got != want {
		t.Errorf("the dashboard's XLSX has %d rows, the API's table %d", got, want)
	}
	os.RemoveAll(dir)
	os.MkdirAll(dir, 0o755)

	c.route("#/exports", "Xuất dữ liệu")
	c.fill("select[name=form]", "labour")
	c.fill("select[name=format]", "zip")
	c.click("Tải xuống")
	c.see("Đã tải")
	// Four labour submissions in the manager's city: three of 00004, one of 00070.
	if rows := zipCSVRows(t, downloaded(t, dir, ".zip"), "labour.csv"); len(rows) != 5 || rows[0][0] != "id" || rows[1][10] != "Hoàng Văn Sơn" {
		t.Errorf("labour.csv of the ZIP: %q", rows)
	}
	c.fill("select[name=format]", "xlsx")
	c.click("Tải xuống")
	c.waitFor(`document.querySelector("[data-testid=export-progress]").textContent.includes(".xlsx")`)
	if rows := xlsxRows(t, downloaded(t, dir, ".xlsx"), "labour"); len(rows) != 5 || rows[0][0] != "id" || rows[1][10] != "Hoàng Văn Sơn" {
		t.Errorf("labour sheet of the XLSX: %q", rows)
	}
	c.axe("exports")
}

// adminJourney: a collector created, an enrolment code issued, and the QR
// on screen decodes to it; every admin page passes axe.
func adminJourney(t *testing.T, ts *testServer, admin account) {
	c := openConsole(t, ts, admin)
	c.route("#/users", "Người dùng")
	c.click("Tạo người dùng")
	name := "ctv-" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	c.fill("input[name=username]", name)
	c.fill("input[name=password]", "mat-khau-"+uuid.NewString()[:8])
	c.fill("input[name=display_name]", "Trần Thị Hoa")
	c.fill("select[name=role]", "collector")
	c.fill("input[name=units]", "00004")
	c.js(`document.querySelector("input[name=personal_access]").click(), true`)
	c.js(`document.querySelector("form[data-testid=new-user] button[type=submit]").click(), true`)
	c.see("Đã tạo " + name)
	// The personal-data grant ticked in the form is on the account.
	var list struct {
		Items []struct {
			Username       string `json:"username"`
			PersonalAccess bool   `json:"personal_access"`
		} `json:"items"`
	}
	admin.api.do("GET", "/api/v1/users", nil).json(t, &list)
	granted := false
	for _, u := range list.Items {
		granted = granted || (u.Username == name && u.PersonalAccess)
	}
	if !granted {
		t.Errorf("the account %s created with the personal grant ticked does not have it", name)
	}
	c.waitFor(`!!document.querySelector("[data-testid=enrolment], button")`)
	c.click("Cấp mã ghi danh điện thoại")
	c.waitFor(`!!document.querySelector("[data-testid=enrol-qr]") && document.querySelector("[data-testid=enrol-qr]").complete`)
	code := c.js(`document.querySelector("[data-testid=enrol-code]").textContent`).(string)
	// The image as drawn on screen, read back through a canvas at its own size.
	b64 := c.js(`(() => { const img = document.querySelector("[data-testid=enrol-qr]"); const cv = document.createElement("canvas");
		cv.width = img.naturalWidth; cv.height = img.naturalHeight; cv.getContext("2d").drawImage(img, 0, 0);
		return cv.toDataURL("image/png").split(",")[1] })()`).(string)
	png, err := base64Decode(b64)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := decodeQR(png); err != nil || got != code {
		t.Fatalf("the QR on screen decodes to %q (%v), want the code %q", got, err, code)
	}
	c.axe("users with an enrolment")
	c.screenshot("console-admin-users")
	// The pages only admins have (the others are checked with their roles).
	for _, p := range []struct{ hash, heading string }{{"#/webhooks", "Webhook"}, {"#/audit", "Nhật ký"}} {
		c.route(p.hash, p.heading)
		c.waitFor(`!document.querySelector("[role=status].muted")`)
		c.axe(p.hash)
	}
	c.see("enrollment.create")

	// Session renewal: with a refused access token the console renews the
	// session with its refresh token and goes on; signing out revokes it.
	before := c.js(`(() => { const k = "khaosat.console.session"; const s = JSON.parse(sessionStorage.getItem(k));
		s.access_token = s.access_token.slice(0, -4) + "AAAA"; sessionStorage.setItem(k, JSON.stringify(s)); return s.refresh_token })()`).(string)
	c.do(chromedp.Reload())
	c.route("#/audit", "Nhật ký")
	c.see("enrollment.create")
	after := c.js(`JSON.parse(sessionStorage.getItem("khaosat.console.session")).refresh_token`).(string)
	if after == before {
		t.Error("the session was not renewed after its access token was refused")
	}
	c.click("Đăng xuất")
	c.see("Đã đăng xuất.")
	if c.js(`sessionStorage.getItem("khaosat.console.session")`) != nil {
		t.Error("the session is still stored after signing out")
	}
	if r := newClient(t, ts).do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": after}); r.status != http.StatusUnauthorized {
		t.Errorf("the refresh token after signing out: %d, want 401", r.status)
	}
}

// refusedJourney: what the API refuses a user, the console does not show.
func refusedJourney(t *testing.T, ts *testServer, collector, otherSup, sup account, mine, theirs, hiv string) {
	col := openConsole(t, ts, collector)
	col.see("Cộng tác viên dùng ứng dụng trên điện thoại")
	if n := col.js(`document.querySelectorAll("header nav a").length`).(float64); n != 0 {
		t.Errorf("a collector sees %v console sections", n)
	}
	for _, h := range []string{"#/users", "#/review/labour/" + mine, "#/exports", "#/indicators"} {
		col.js(`location.hash = ` + jsString(h) + `, true`)
		col.see("Cộng tác viên dùng ứng dụng trên điện thoại")
		if col.js(`document.querySelectorAll("main table, main form").length`).(float64) != 0 {
			t.Errorf("a collector sees a page at %s", h)
		}
	}
	col.axe("collector")

	o := openConsole(t, ts, otherSup)
	nav := o.js(`[...document.querySelectorAll("header nav a")].map(a => a.getAttribute("href")).join(" ")`).(string)
	if nav != "#/review #/indicators" {
		t.Errorf("a supervisor's sections: %q", nav)
	}
	for _, h := range []string{"#/users", "#/exports", "#/audit", "#/forms", "#/webhooks"} {
		o.js(`location.hash = ` + jsString(h) + `, true`)
		o.see("Vai trò của bạn không dùng được trang này.")
	}
	o.route("#/review/labour", "Hàng đợi duyệt")
	o.waitFor(`!!document.querySelector("tr[data-id=\"` + theirs + `\"]")`)
	if o.js(`!!document.querySelector("tr[data-id=\"` + mine + `\"]")`).(bool) {
		t.Error("a supervisor of another commune sees its submission in the queue")
	}
	for _, h := range []string{"#/review/labour/" + mine, "#/review/hiv/" + hiv} {
		o.route(h, "Phiếu")
		o.waitFor(`!!document.querySelector(".error")`)
		if o.js(`!!document.querySelector(".answers")`).(bool) {
			t.Errorf("a supervisor of another commune sees %s", h)
		}
	}
	// The dashboard of another commune is refused as the API refuses it.
	o.route("#/indicators", "Bảng chỉ số")
	o.fill("input[name=unit]", "00004")
	o.click("Xem")
	o.waitFor(`!!document.querySelector(".error")`)
	if o.js(`!!document.querySelector("[data-testid=indicator-table]")`).(bool) {
		t.Errorf("a supervisor sees the indicators of another commune%s", o.pageText())
	}
	if r := otherSup.api.do("GET", "/api/v1/indicators/table?unit=00004", nil); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
		t.Errorf("the API gives another commune's indicators: %d", r.status)
	}

	// Suppressed cells for a supervisor without the grant.
	s := openConsole(t, ts, sup)
	s.route("#/indicators", "Bảng chỉ số")
	s.waitFor(`!!document.querySelector("[data-testid=indicator-table] tbody tr")`)
	compareDashboard(t, s, sup, "period="+time.Now().Format("2006")+"&level=commune&unit=00004", "")
	s.fill("select[name=indicator]", "HIV_STATUS_KNOWN")
	s.waitFor(`document.querySelector("[data-testid=indicator-table] tbody tr [data-cell=numerator]").textContent === "ẩn"`)
	s.waitFor(`!!document.querySelector("[data-testid=chart-line] canvas")`)
	// Without the grant a sensitive indicator is given by year and quarter
	// only: its trend is by quarter, and no month is asked for.
	if got := s.js(`[...document.querySelectorAll(".chart figcaption")].map(f => f.textContent).join("|")`).(string); !strings.Contains(got, "Xu hướng theo quý") {
		t.Errorf("the trend of a sensitive indicator without the grant: %q, want by quarter", got)
	}
	s.screenshot("console-supervisor-indicators")
}

// indicatorTable is the API's indicator table.
type indicatorTable struct {
	Indicators []struct{ Code, Type string }
	Rows       []struct {
		Indicator, Unit, Sex string
		AgeGroup             string `json:"age_group"`
		Numerator            *int
		Denominator          *int
		Value                *float64
		Suppressed           bool
	}
}

func apiTable(tb testing.TB, a account, q string) indicatorTable {
	tb.Helper()
	var tbl indicatorTable
	r := a.api.do("GET", "/api/v1/indicators/table?"+q, nil)
	if r.status != http.StatusOK {
		tb.Fatalf("indicator table: %d %s", r.status, r.body)
	}
	r.json(tb, &tbl)
	return tbl
}

// compareDashboard checks the dashboard's table against the API's table for
// the same query, row for row and cell for cell.
func compareDashboard(t *testing.T, c *console, a account, q, code string) {
	t.Helper()
	tbl := apiTable(t, a, q)
	types := map[string]string{}
	for _, d := range tbl.Indicators {
		types[d.Code] = d.Type
	}
	var want [][]string
	for _, r := range tbl.Rows {
		num, den, val := "ẩn", "ẩn", "ẩn"
		if !r.Suppressed {
			num, den = strconv.Itoa(*r.Numerator), strconv.Itoa(*r.Denominator)
			switch {
			case r.Value == nil:
				val = "—"
			case types[r.Indicator] == "percent":
				val = strconv.FormatFloat(*r.Value, 'f', -1, 64) + " %"
			default:
				val = strconv.FormatFloat(*r.Value, 'f', -1, 64)
			}
		}
		want = append(want, []string{r.Indicator, r.Unit, r.Sex, r.AgeGroup, num, den, val})
	}
	c.waitFor(`document.querySelectorAll("[data-testid=indicator-table] tbody tr").length === ` + strconv.Itoa(len(want)) +
		` && [...document.querySelectorAll("[data-testid=indicator-table] tbody tr")].every(tr => ` + jsString(code) + ` === "" || tr.dataset.indicator === ` + jsString(code) + `)`)
	var got [][]string
	js := `JSON.stringify([...document.querySelectorAll("[data-testid=indicator-table] tbody tr")].map(tr => [tr.dataset.indicator, tr.dataset.unit,
		tr.dataset.sex, tr.dataset.age, ...["numerator", "denominator", "value"].map(k => tr.querySelector("[data-cell=" + k + "]").textContent)]))`
	if err := json.Unmarshal([]byte(evalIn[string](c.tab, js)), &got); err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatalf("the API's table for %s is empty", q)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("dashboard vs GET /api/v1/indicators/table?%s (-api +page):\n%s", q, d)
	}
}

// zipCSVRows reads one CSV member of a ZIP export.
func zipCSVRows(tb testing.TB, path, member string) [][]string {
	tb.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name != member {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		defer rc.Close()
		rows, err := csv.NewReader(bufio.NewReader(rc)).ReadAll()
		if err != nil {
			tb.Fatal(err)
		}
		if len(rows) > 0 && len(rows[0]) > 0 {
			rows[0][0] = strings.TrimPrefix(rows[0][0], "\ufeff")
		}
		return rows
	}
	tb.Fatalf("%s has no %s: %v", path, member, names)
	return nil
}

// xlsxRows reads a sheet (the first when sheet is "") of an XLSX file.
func xlsxRows(tb testing.TB, path, sheet string) [][]string {
	tb.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if sheet == "" {
		sheet = f.GetSheetName(0)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		tb.Fatalf("%s: sheet %q: %v (sheets %v)", path, sheet, err, f.GetSheetList())
	}
	return rows
}

func base64Decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
