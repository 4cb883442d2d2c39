package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsolePlan: a manager imports targets for two communes from a CSV
// file (a file with a bad row first, which changes nothing); the status
// view shows one commune on track and one off; the commune's officer
// submits the quarter's report; a late submission arrives; the report
// still shows its frozen figures and lists the changed cell; the city's
// supervisor returns it, the officer resubmits, the supervisor approves;
// the status view shows the state; every step is audited and sent to a
// webhook receiver.
func TestConsolePlan(t *testing.T) {
	t.Parallel() // its own server and browser context: it overlaps the phone's journeys
	sharedBrowser(t)
	var mu sync.Mutex
	var events []map[string]any
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			Event map[string]any `json:"event"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &p)
		mu.Lock()
		events = append(events, p.Event)
		mu.Unlock()
	}))
	defer recv.Close()
	ts := mustStart(t, t.TempDir(), append([]string{"--webhook-poll", "50ms"}, localHooks...)...)
	admin := account{username: "admin", password: testAdminPassword, api: adminClient(t, ts)}
	manager := newAccount(t, ts, admin.api, "manager", []string{"01"}, false)
	officer := newAccount(t, ts, admin.api, "supervisor", []string{"00004"}, false)
	city := newAccount(t, ts, admin.api, "supervisor", []string{"01"}, false)
	col4 := newAccount(t, ts, admin.api, "collector", []string{"00004"}, false)
	col70 := newAccount(t, ts, admin.api, "collector", []string{"00070"}, false)
	wantStatus(t, manager.api.do("POST", "/api/v1/webhooks", map[string]any{"url": recv.URL, "events": []string{"report"}}), http.StatusCreated, "webhook")
	submitFile(t, col4, "household", "three_children.json", "00004")
	submitFile(t, col70, "household", "three_children.json", "00070")

	dir := t.TempDir()
	const header = "indicator,unit,period,value,better,baseline_value,baseline_period\n"
	bad := filepath.Join(dir, "bad.csv")
	good := filepath.Join(dir, "plan.csv")
	if err := os.WriteFile(bad, []byte(header+"CHILD_POP,00004,2026Q2,1,more,,\nCHILD_POP,00070,2026Q2,5x,,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte(header+"CHILD_POP,00004,2026Q2,1,more,0,2025\nCHILD_POP,00070,2026Q2,50,more,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	m := openConsole(t, ts, manager)
	m.route("#/targets", "Mục tiêu kế hoạch")
	m.tab.do(chromedp.SetUploadFiles(chromedp.CSS("input[name=targets-file]"), []string{bad}))
	m.click("Nhập tệp")
	m.see("/rows/3/value")
	m.see("«5x» không phải là số.")
	var list struct{ Items []any }
	manager.api.do("GET", "/api/v1/plan/targets?period=2026Q2", nil).json(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("a file with a bad row stored %d targets", len(list.Items))
	}
	m.tab.do(chromedp.SetUploadFiles(chromedp.CSS("input[name=targets-file]"), []string{good}))
	m.click("Nhập tệp")
	m.see("Đã nhập 2 mục tiêu.")
	m.axe("targets")
	m.route("#/indicators/plan/2026Q2", "Kế hoạch và báo cáo")
	m.waitFor(`!!document.querySelector("table[data-testid=status] tr[data-unit='00070']")`)
	row := func(c *console, unit string) string {
		return c.js(`document.querySelector("table[data-testid=status] tr[data-unit='` + unit + `']").innerText`).(string)
	}
	if r := row(m, "00004"); !strings.Contains(r, "Chưa gửi\t1\t0\t0") {
		t.Errorf("00004 in the status view: %q", r)
	}
	if r := row(m, "00070"); !strings.Contains(r, "Chưa gửi\t0\t1\t0") {
		t.Errorf("00070 in the status view: %q", r)
	}
	m.axe("plan")
	m.screenshot("console-manager-plan")

	o := openConsole(t, ts, officer)
	o.route("#/indicators/plan/2026Q2", "Kế hoạch và báo cáo")
	o.waitFor(`!!document.querySelector("[data-testid=reminders]")`)
	o.see("Cần gửi")
	o.route("#/indicators/report/2026Q2/00004", "Báo cáo 00004")
	o.click("Gửi báo cáo (chốt số liệu)")
	o.see("Đã chốt và gửi báo cáo.")
	o.waitFor(`document.querySelector("[data-testid=report-state]")?.innerText.includes("Chờ duyệt")`)
	if o.js(`!!document.querySelector("textarea[name=report-comment]")`).(bool) {
		t.Error("the commune's officer is offered the decision on their own report")
	}
	frozen := o.js(`document.querySelector("table[data-testid=frozen] tbody tr").innerText`).(string)
	hash := o.js(`document.querySelector("[data-testid=report-hash]").textContent`).(string)

	submitFile(t, col4, "household", "three_children.json", "00004") // a late submission
	o.route("#/indicators/plan/2026Q2", "Kế hoạch và báo cáo")
	o.route("#/indicators/report/2026Q2/00004", "Báo cáo 00004")
	o.waitFor(`!!document.querySelector("table[data-testid=changes]")`)
	if got := o.js(`document.querySelector("table[data-testid=frozen] tbody tr").innerText`).(string); got != frozen {
		t.Errorf("the frozen row moved: %q, was %q", got, frozen)
	}
	changes := o.js(`document.querySelector("table[data-testid=changes]").innerText`).(string)
	if !strings.Contains(changes, "CHILD_POP") || !strings.Contains(changes, "+3") {
		t.Errorf("the changes: %q", changes)
	}
	o.axe("report")
	o.screenshot("console-officer-report")

	c := openConsole(t, ts, city)
	c.route("#/indicators/plan/2026Q2", "Kế hoạch và báo cáo")
	c.see("Chờ bạn duyệt")
	c.route("#/indicators/report/2026Q2/00004", "Báo cáo 00004")
	c.fill("textarea[name=report-comment]", "Kiểm tra lại số trẻ")
	c.click("Trả lại kèm nhận xét")
	c.see("Đã trả lại báo cáo.")
	c.waitFor(`document.querySelector("[data-testid=report-state]")?.innerText.includes("Bị trả lại")`)

	o.route("#/indicators/plan/2026Q2", "Kế hoạch và báo cáo")
	o.see("Kiểm tra lại số trẻ")
	o.route("#/indicators/report/2026Q2/00004", "Báo cáo 00004")
	o.click("Gửi lại báo cáo")
	o.see("Đã chốt và gửi báo cáo.")
	o.waitFor(`document.querySelector("[data-testid=report-state]")?.innerText.includes("phiên bản 2/2")`)
	if h := o.js(`document.querySelector("[data-testid=report-hash]").textContent`).(string); h == hash {
		t.Error("the resubmitted version has the first one's hash")
	}

	c.route("#/indicators/plan/2026Q2", "Kế hoạch và báo cáo")
	c.route("#/indicators/report/2026Q2/00004", "Báo cáo 00004")
	c.click("Duyệt báo cáo")
	c.see("Đã duyệt báo cáo.")
	c.route("#/indicators/plan/2026Q2", "Kế hoạch và báo cáo")
	c.waitFor(`!!document.querySelector("table[data-testid=status] tr[data-unit='00004']")`)
	if r := row(c, "00004"); !strings.Contains(r, "Đã duyệt") {
		t.Errorf("00004 after approval: %q", r)
	}
	c.see("Đã duyệt: 1")

	var audit struct {
		Items []struct{ Action, Target string }
	}
	admin.api.do("GET", "/api/v1/audit?limit=100", nil).json(t, &audit)
	var steps []string
	for _, e := range audit.Items {
		if e.Target == "2026Q2/00004" || e.Action == "target.import" {
			steps = append(steps, e.Action)
		}
	}
	slices.Reverse(steps)
	want := []string{"target.import", "report.submit", "report.return", "report.submit", "report.approve"}
	if !slices.Equal(steps, want) {
		t.Errorf("audited %v, want %v", steps, want)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(events)
		var states []string
		for _, e := range events {
			states = append(states, e["review_state"].(string))
		}
		mu.Unlock()
		if n >= 4 {
			if !slices.Equal(states, []string{"submitted", "returned", "submitted", "approved"}) {
				t.Errorf("webhook events %v", states)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d webhook events after 10 s: %v", n, states)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
