package main

// The browser test harness, shared by the phone app's and the console's
// tests: one headless Chromium per test binary, a fresh isolated browser
// context (own storage, service workers and caches) per test, a switchable
// network in front of the real server, screenshots and page errors.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

var browserOnce struct {
	sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	err    error
}

// chromiumPath finds the browser: KHAOSAT_CHROMIUM, or chromium on PATH.
func chromiumPath() string {
	if p := os.Getenv("KHAOSAT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// sharedBrowser starts the one Chromium of this test binary. Without a
// browser the test is skipped, except in CI (CI=true), where it fails.
func sharedBrowser(tb testing.TB) context.Context {
	tb.Helper()
	path := chromiumPath()
	if path == "" {
		const msg = "browser tests need Chromium (apt-get install chromium, or set KHAOSAT_CHROMIUM)"
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg + "; CI=true, so this is a failure")
		}
		tb.Skip(msg)
	}
	browserOnce.Do(func() {
		dir, err := os.MkdirTemp("", "khaosat-chromium-")
		if err != nil {
			browserOnce.err = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.UserDataDir(dir),
			chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
			chromedp.Flag("no-first-run", true), chromedp.Flag("disable-background-networking", true),
		)
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		if err := chromedp.Do(ctx); err != nil { // starts the browser, with no deadline
			cancelCtx()
			cancelAlloc()
			browserOnce.err = fmt.Errorf("start %s: %w", path, err)
			return
		}
		browserOnce.ctx = ctx
		browserOnce.cancel = func() { cancelCtx(); cancelAlloc(); os.RemoveAll(dir) }
	})
	if browserOnce.err != nil {
		tb.Fatal(browserOnce.err)
	}
	return browserOnce.ctx
}

// stopBrowser ends the shared Chromium (from TestMain).
func stopBrowser() {
	if browserOnce.cancel != nil {
		browserOnce.cancel()
	}
}

// tab is one page of an isolated browser context, the size of a phone.
type tab struct {
	tb      testing.TB
	ctx     context.Context
	cancel  context.CancelFunc
	base    string
	mu      sync.Mutex
	errs    []string
	browser cdp.BrowserContextID
}

// phone is the viewport of the tests and the screenshots: 360×640 CSS px.
var phone = chromedp.EmulateViewport(360, 640, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)

// newTab opens a page of the shared browser and fails the test at its end
// if the page threw or broke its Content-Security-Policy. base is the
// origin the page talks to. opts may ask for a browser context of its own
// (chromedp.WithNewBrowserContext: storage apart from every other tab).
func newTab(tb testing.TB, base string, opts ...chromedp.ContextOption) *tab {
	tb.Helper()
	root := sharedBrowser(tb)
	ctx, cancel := chromedp.NewContext(root, opts...)
	t := &tab{tb: tb, ctx: ctx, cancel: cancel, base: base}
	t.attach()
	t.browser = chromedp.FromContext(ctx).BrowserContextID
	tb.Cleanup(func() {
		t.cancel()
		t.mu.Lock()
		defer t.mu.Unlock()
		for _, e := range t.errs {
			tb.Errorf("page: %s", e)
		}
	})
	return t
}

// attach starts the page, sets the phone viewport and collects its errors.
func (t *tab) attach() {
	t.tb.Helper()
	messages := chromedp.Console(t.ctx)
	if err := chromedp.Do(t.ctx, phone); err != nil {
		t.tb.Fatalf("open tab: %v", err)
	}
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			text := m.Text
			if m.IsException() || strings.Contains(text, "Content Security Policy") || strings.Contains(text, "Content-Security-Policy") {
				t.mu.Lock()
				t.errs = append(t.errs, fmt.Sprintf("%s %s:%d %s", m.Type, m.URL, m.Line+1, text))
				t.mu.Unlock()
			}
		}
	}()
}

// reopen closes the page and opens a new one in the same browser context
// (the same storage), as a collector closing and reopening the app.
func (t *tab) reopen() {
	t.tb.Helper()
	t.cancel()
	root := sharedBrowser(t.tb)
	t.ctx, t.cancel = chromedp.NewContext(root, chromedp.WithExistingBrowserContext(t.browser))
	t.attach()
}

// closePage closes the page at once, as the system killing the app would.
func (t *tab) closePage() { t.cancel() }

// do runs steps with a deadline.
func (t *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	t.tb.Helper()
	ctx, cancel := context.WithTimeout(t.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.tb.Fatalf("browser: %v%s", err, t.pageText())
	}
}

// pageText is the visible text of the page, for failure messages.
func (t *tab) pageText() string {
	ctx, cancel := context.WithTimeout(t.ctx, 3*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return ""
	}
	return "\npage text:\n" + s
}

// eval evaluates a JavaScript expression (awaiting a promise) into T.
func evalIn[T any](t *tab, expr string) T {
	t.tb.Helper()
	ctx, cancel := context.WithTimeout(t.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.tb.Fatalf("evaluate %.80s: %v%s", expr, err, t.pageText())
	}
	return v
}

// waitFor polls a JavaScript expression until it is truthy.
func (t *tab) waitFor(expr string) {
	t.tb.Helper()
	ctx, cancel := context.WithTimeout(t.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.tb.Fatalf("wait for %s: %v%s", expr, err, t.pageText())
	}
}

// offline turns the page's network emulation on or off: the page sees
// navigator.onLine change and its online/offline events.
func (t *tab) offline(off bool) {
	t.tb.Helper()
	if _, err := chromedp.Call(t.ctx, network.Enable, network.EnableParams{}); err != nil {
		t.tb.Fatal(err)
	}
	_, err := chromedp.Call(t.ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
		Offline: off, Latency: 0, DownloadThroughput: -1, UploadThroughput: -1})
	if err != nil {
		t.tb.Fatal(err)
	}
}

// throttleCPU slows the page's CPU rate times (1 = normal).
func (t *tab) throttleCPU(rate float64) {
	t.tb.Helper()
	if _, err := chromedp.Call(t.ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: rate}); err != nil {
		t.tb.Fatal(err)
	}
}

// screenshot writes the viewport as a PNG to $KHAOSAT_SCREENSHOTS/name.png
// when that variable names a directory (it refreshes docs/screenshots).
func (t *tab) screenshot(name string) {
	t.tb.Helper()
	dir := os.Getenv("KHAOSAT_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(t.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.tb.Fatal(err)
	}
}

// netSwitch is a reverse proxy in front of a test server whose network can
// be cut: the page's origin is the proxy, so with the network off every
// request of the page and of its service worker fails as on a phone without
// signal (the connection is closed without an answer).
type netSwitch struct {
	URL  string
	down atomic.Bool
	// hold, when set, is called before a request is forwarded; it may block.
	hold atomic.Pointer[func(*http.Request)]
	// after, when set, is called after the server answered and before the
	// answer is passed on; it may block (an answer lost in transit).
	after atomic.Pointer[func(*http.Request)]
	srv   *http.Server
}

// newNetSwitch starts a proxy to target (a base URL) on a loopback port.
func newNetSwitch(tb testing.TB, target string) *netSwitch {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ns := &netSwitch{URL: "http://" + ln.Addr().String()}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = nil
	rp.ModifyResponse = func(res *http.Response) error {
		if f := ns.after.Load(); f != nil {
			(*f)(res.Request)
		}
		if ns.down.Load() {
			return errors.New("network off")
		}
		return nil
	}
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { cut(w) }
	ns.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ns.down.Load() {
			cut(w)
			return
		}
		if f := ns.hold.Load(); f != nil {
			(*f)(r)
		}
		rp.ServeHTTP(w, r)
	})}
	go ns.srv.Serve(ln)
	tb.Cleanup(func() { ns.srv.Close() })
	return ns
}

// cut closes the connection without an answer.
func cut(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// setDown cuts or restores the network.
func (ns *netSwitch) setDown(down bool) { ns.down.Store(down) }

// geolocation grants the page's origin the location and fixes it.
func (t *tab) geolocation(lat, lon, accuracy float64) {
	t.tb.Helper()
	if _, err := chromedp.CallBrowser(t.ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: browser.PermissionSettingGranted,
		Origin: t.base, BrowserContextID: t.browser}); err != nil {
		t.tb.Fatal(err)
	}
	if _, err := chromedp.Call(t.ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{
		Latitude: &lat, Longitude: &lon, Accuracy: &accuracy}); err != nil {
		t.tb.Fatal(err)
	}
}
