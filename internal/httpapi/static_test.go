package httpapi_test

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/khaosat/khaosat/internal/httpapi"
)

func TestStaticSite(t *testing.T) {
	page := "<!doctype html><title>app</title>" + strings.Repeat("<p>khảo sát</p>", 50)
	root := fstest.MapFS{
		"app/index.html":           {Data: []byte(page)},
		"app/sw.js":                {Data: []byte("self.addEventListener('fetch', () => {});")},
		"app/manifest.webmanifest": {Data: []byte(`{"name":"x"}`)},
		"console/index.html":       {Data: []byte("<!doctype html><title>console</title>")},
		"shared/api.js":            {Data: []byte("export const x = 1;")},
		"vendor/preact.js":         {Data: []byte("export const h = 1;")},
	}
	srv := httptest.NewServer(httpapi.NewRouter(httpapi.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Web: root}))
	defer srv.Close()
	// A client that neither follows redirects nor decompresses on its own.
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(path string, headers ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	for _, tc := range []struct{ path, ctype, cache string }{
		{"/", "text/html; charset=utf-8", "no-cache"},
		{"/sw.js", "text/javascript; charset=utf-8", "no-cache"},
		{"/manifest.webmanifest", "application/manifest+json; charset=utf-8", "no-cache"},
		{"/console/", "text/html; charset=utf-8", "no-cache"},
		{"/shared/api.js", "text/javascript; charset=utf-8", "no-cache"},
		{"/vendor/preact.js", "text/javascript; charset=utf-8", "public, max-age=86400, must-revalidate"},
	} {
		res := get(tc.path)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != tc.ctype || res.Header.Get("Cache-Control") != tc.cache {
			t.Errorf("GET %s: %d %q %q, want 200 %q %q", tc.path, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"), tc.ctype, tc.cache)
		}
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self';", "connect-src 'self'", "img-src 'self' data: blob:", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", tc.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("GET %s: CSP allows %q", tc.path, csp)
		}
	}

	// Revalidation: the ETag answers 304 with no body.
	etag := get("/").Header.Get("ETag")
	if res := get("/", "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: %d, want 304", etag, res.StatusCode)
	}
	// Compression: the page comes gzipped to a client that accepts it, and unzips to itself.
	res := get("/", "Accept-Encoding", "gzip")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Accept-Encoding gzip: Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); string(b) != page {
		t.Errorf("gzipped page differs")
	}
	// API paths are never pages: an unknown route stays the API's JSON 404, and so does a missing file.
	for _, p := range []string{"/api/v1/nothing", "/api/", "/app/missing.js", "/../web.go"} {
		res := get(p)
		if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s: %d %s, want a JSON 404", p, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	// Writes are not served from the web root.
	req, _ := http.NewRequest("POST", srv.URL+"/", nil)
	if res, err := hc.Do(req); err != nil || res.StatusCode != 404 {
		t.Errorf("POST /: %v %v, want 404", res.StatusCode, err)
	}
}
