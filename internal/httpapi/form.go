package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

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
}

type formVersionJSON struct {
	ID          string          `json:"id"`
	Title       labelJSON       `json:"title"`
	Version     int             `json:"version"`
	Status      string          `json:"status"`
	Hash        string          `json:"hash"`
	PublishedAt time.Time       `json:"published_at"`
	Schema      json.RawMessage `json:"schema"`
}

func (s *Server) listForms(c *gin.Context) {
	forms, err := s.Catalog.Forms(c.Request.Context(), actor(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	items := make([]formSummaryJSON, len(forms))
	for i, f := range forms {
		items[i] = formSummaryJSON{ID: f.ID, Title: labelJSON(f.Title), Version: f.CurrentVersion, Status: string(f.Status)}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
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
	c.JSON(http.StatusOK, formVersionJSON{ID: f.ID, Title: labelJSON(v.Title), Version: v.Version, Status: string(f.Status),
		Hash: v.Hash, PublishedAt: v.PublishedAt, Schema: json.RawMessage(v.Schema)})
}

func (s *Server) getForm(c *gin.Context) {
	f, v, err := s.Catalog.Current(c.Request.Context(), c.Param("form"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeVersion(c, f, v)
}

func (s *Server) getFormVersion(c *gin.Context) {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 {
		s.writeError(c, malformed("Số phiên bản phải là số nguyên dương.", "The version must be a positive integer."))
		return
	}
	f, err := s.Catalog.Form(c.Request.Context(), c.Param("form"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	v, err := s.Catalog.Version(c.Request.Context(), f.ID, n)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeVersion(c, f, v)
}
