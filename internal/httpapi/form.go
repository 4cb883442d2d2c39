package httpapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

type labelJSON struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

type formSummaryJSON struct {
	ID      string    `json:"id"`
	Title   labelJSON `json:"title"`
	Version int       `json:"version"`
	Status  string    `json:"status"`
	// Hash is the current version's content hash: a phone fetches a form
	// again only when it changes.
	Hash string `json:"hash,omitempty"`
}

type formVersionJSON struct {
	ID          string          `json:"id"`
	Title       labelJSON       `json:"title"`
	Version     int             `json:"version"`
	Status      string          `json:"status"`
	Hash        string          `json:"hash"`
	PublishedAt time.Time       `json:"published_at"`
	Notes       string          `json:"notes,omitempty"`
	Schema      json.RawMessage `json:"schema"`
}

func (s *Server) listForms(c *gin.Context) error {
	forms, err := s.Catalog.Forms(c.Request.Context(), actor(c))
	if err != nil {
		return err
	}
	items := make([]formSummaryJSON, len(forms))
	for i, f := range forms {
		v, err := s.Catalog.Version(c.Request.Context(), f.ID, f.CurrentVersion)
		if err != nil {
			return err
		}
		items[i] = formSummaryJSON{ID: f.ID, Title: labelJSON(f.Title), Version: f.CurrentVersion, Status: string(f.Status), Hash: v.Hash}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}

// writeVersion answers with a form version, honouring If-None-Match.
func (s *Server) writeVersion(c *gin.Context, f *survey.Form, v *survey.FormVersion) {
	etag := `"` + strconv.Itoa(v.Version) + "-" + v.Hash[:16] + "-" + string(f.Status) + `"`
	c.Header("ETag", etag)
	c.Header("Cache-Control", "private, no-cache")
	for _, t := range strings.Split(c.GetHeader("If-None-Match"), ",") {
		if t = strings.TrimSpace(t); t == etag || t == "W/"+etag || t == "*" {
			c.Status(http.StatusNotModified)
			return
		}
	}
	writeJSONMaybeGzip(c, http.StatusOK, formVersionJSON{ID: f.ID, Title: labelJSON(v.Title), Version: v.Version, Status: string(f.Status),
		Hash: v.Hash, PublishedAt: v.PublishedAt, Notes: v.Notes, Schema: json.RawMessage(v.Schema)})
}

// writeJSONMaybeGzip writes v as JSON, gzipped when the client accepts it:
// form bodies are tens of kilobytes of repetitive text and phones fetch
// them over slow mobile links.
func writeJSONMaybeGzip(c *gin.Context, status int, v any) {
	c.Header("Vary", "Accept-Encoding")
	if !acceptsGzip(c.GetHeader("Accept-Encoding")) {
		c.JSON(status, v)
		return
	}
	body, err := json.Marshal(v)
	if err != nil {
		c.JSON(status, v) // cannot happen for these types; let Gin report it
		return
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(body)
	_ = zw.Close()
	c.Header("Content-Encoding", "gzip")
	c.Data(status, "application/json; charset=utf-8", buf.Bytes())
}

// acceptsGzip reads an Accept-Encoding header: gzip listed without q=0.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

func (s *Server) getForm(c *gin.Context) error {
	f, v, err := s.Catalog.CurrentFor(c.Request.Context(), actor(c), c.Param("form"))
	if err != nil {
		return err
	}
	s.writeVersion(c, f, v)
	return nil
}

func (s *Server) getFormVersion(c *gin.Context) error {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 {
		return malformed(msg.VersionPositive)
	}
	f, err := s.Catalog.FormFor(c.Request.Context(), actor(c), c.Param("form"))
	if err != nil {
		return err
	}
	v, err := s.Catalog.Version(c.Request.Context(), f.ID, n)
	if err != nil {
		return err
	}
	s.writeVersion(c, f, v)
	return nil
}
