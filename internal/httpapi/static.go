package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// webCSP is the Content-Security-Policy of every page and file of the web
// root: scripts, styles, fonts and API calls from this origin only, no
// inline script or style element, no eval, no framing. Images may also be
// data: or blob: URLs (photos taken on the phone, QR codes drawn locally).
const webCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"media-src 'self' blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// staticFile is one file of the web root, ready to serve: its type, its
// strong ETag (a hash of the content) and, once first asked for, a gzip
// copy when that is smaller.
type staticFile struct {
	body  []byte
	ctype string
	etag  string

	zip sync.Once
	gz  []byte // nil: not smaller (or not compressible); set by zip
}

// gzipped returns the gzip copy of a compressible file, or nil. It is made
// on the first request for the file, not at start-up: compressing the
// whole web root at the best level was half of what `serve` did before
// listening.
func (f *staticFile) gzipped() []byte {
	f.zip.Do(func() {
		if !compressible(f.ctype) {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(f.body)
		zw.Close()
		if buf.Len() < len(f.body) {
			f.gz = buf.Bytes()
		}
	})
	return f.gz
}

// staticSite serves the web root embedded in the binary. URL paths are the
// file paths, with three additions: "/" is the phone app (app/index.html),
// "/sw.js" is its service worker (served from the root so that its scope is
// the whole origin without a Service-Worker-Allowed header) and
// "/console/" is the console (console/index.html).
type staticSite struct {
	files map[string]*staticFile
}

// aliases map a URL path to a file of the web root.
var aliases = map[string]string{
	"/":                     "app/index.html",
	"/index.html":           "app/index.html",
	"/sw.js":                "app/sw.js",
	"/manifest.webmanifest": "app/manifest.webmanifest",
	"/console":              "console/index.html",
	"/console/":             "console/index.html",
}

// newStaticSite reads the whole web root once: it is a few hundred KB.
// Files are compressed later, each when first asked for (gzipped).
func newStaticSite(root fs.FS) (*staticSite, error) {
	site := &staticSite{files: map[string]*staticFile{}}
	if root == nil {
		return site, nil
	}
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		site.files[p] = &staticFile{body: body, ctype: contentType(p), etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	return site, err
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".webmanifest":
		return "application/manifest+json; charset=utf-8"
	case ".json":
		return "application/json; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".md", ".txt":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "json") || strings.Contains(ctype, "svg")
}

// lookup finds the file of a URL path, or nil.
func (site *staticSite) lookup(urlPath string) (*staticFile, string) {
	name, ok := aliases[urlPath]
	if !ok {
		name = strings.TrimPrefix(path.Clean(urlPath), "/")
		if strings.HasSuffix(urlPath, "/") {
			name += "/index.html"
		}
	}
	f := site.files[name]
	return f, name
}

// serve answers GET and HEAD of the web root, and reports whether it did.
// API paths are never answered here, so an unknown API route stays a JSON 404.
func (site *staticSite) serve(c *gin.Context) bool {
	p := c.Request.URL.Path
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		return false
	}
	if p == "/api" || strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz" {
		return false
	}
	f, name := site.lookup(p)
	if f == nil {
		return false
	}
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", webCSP)
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", f.etag)
	h.Set("Vary", "Accept-Encoding")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
	// Every file is revalidated (a 304 costs a few bytes): pages and the
	// service worker must never be stale, and the service worker, not the
	// HTTP cache, is what keeps the app available offline.
	h.Set("Cache-Control", "no-cache")
	if strings.HasPrefix(name, "vendor/") {
		// Vendored libraries change only with a new release of khaosat.
		h.Set("Cache-Control", "public, max-age=86400, must-revalidate")
	}
	if inm := c.GetHeader("If-None-Match"); inm != "" && etagMatch(inm, f.etag) {
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		return true
	}
	body := f.body
	if acceptsGzip(c.GetHeader("Accept-Encoding")) {
		if gz := f.gzipped(); gz != nil {
			h.Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		c.Writer.WriteHeaderNow()
		return true
	}
	c.Writer.Write(body)
	return true
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/"))
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// noRoute serves the web root, and otherwise the API's JSON 404.
func (s *Server) noRoute(site *staticSite) gin.HandlerFunc {
	return s.h(func(c *gin.Context) error {
		if site.serve(c) {
			return nil
		}
		return survey.Errorf(survey.CodeNotFound, msg.RouteNotFound)
	})
}
