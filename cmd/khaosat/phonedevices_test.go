package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPhoneToldOfNewDevice: when the account is enrolled on another
// phone, the collector's phone says so at its next open or sync, once:
// a device already told of is not told again.
func TestPhoneToldOfNewDevice(t *testing.T) {
	p := newPhone(t)
	p.enrol()
	notice := func(device string) string {
		t.Helper()
		p.tab.do(chromedp.Navigate(p.ns.URL + "/"))
		p.pin() // reopened, the app is locked
		sel := `document.querySelector('[data-notice=new-device]')`
		p.tab.waitFor(`!!` + sel + ` && ` + sel + `.textContent.includes(` + q(device) + `)`)
		return evalIn[string](p.tab, sel+`.textContent`)
	}
	if st, _ := redeem(t, shared, createEnrollment(t, p.admin, p.userID).Code, "phone-other"); st != 200 {
		t.Fatalf("redeem: %d", st)
	}
	if msg := notice("phone-other"); !strings.Contains(msg, "thiết bị khác") {
		t.Errorf("the notice: %q", msg)
	}
	p.tab.screenshot("new-device")
	if st, _ := redeem(t, shared, createEnrollment(t, p.admin, p.userID).Code, "phone-third"); st != 200 {
		t.Fatalf("redeem: %d", st)
	}
	if msg := notice("phone-third"); strings.Contains(msg, "phone-other") {
		t.Errorf("a device already told of is told again: %q", msg)
	}
}
