package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebPagesLoadUnderCSP opens the phone app and the console from the real
// binary: every module loads under the Content-Security-Policy, and an
// unknown API route stays JSON.
func TestWebPagesLoadUnderCSP(t *testing.T) {
	tb := newTab(t, shared.base)
	tb.do(chromedp.Navigate(shared.base + "/console/"))
	tb.waitFor(`document.readyState === "complete"`)
	tb.do(chromedp.Navigate(shared.base + "/"))
	tb.waitFor(`document.readyState === "complete"`)
	ct := evalIn[string](tb, `fetch("/api/v1/nothing").then(r => r.headers.get("content-type"))`)
	if !strings.HasPrefix(ct, "application/json") {
		t.Errorf("unknown API route from the page: %q", ct)
	}
}
