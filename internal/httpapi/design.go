package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
	"github.com/khaosat/khaosat/internal/survey"
)

// designRoutes are the form design lifecycle: drafts, test submissions,
// publishing, closing, codebooks and version diffs.
func (s *Server) designRoutes(a *gin.RouterGroup) {
	a.POST("/forms", s.h(s.createForm))
	a.GET("/forms/:form/draft", s.h(s.getDraft))
	a.PUT("/forms/:form/draft", s.h(s.putDraft))
	a.DELETE("/forms/:form/draft", s.h(s.deleteDraft))
	a.POST("/forms/:form/draft/submissions", s.h(s.testDraft))
	a.POST("/forms/:form/publish", s.h(s.publishForm))
	a.POST("/forms/:form/close", s.h(s.closeForm))
	a.POST("/forms/:form/reopen", s.h(s.reopenForm))
	a.GET("/forms/:form/versions/:n/codebook", s.h(s.codebook))
	a.GET("/forms/:form/diff", s.h(s.formDiff))
	a.GET("/forms/:form/versions/:n/xlsform", s.h(s.formVersionXLSForm))
}

type problemJSON struct {
	Path     string       `json:"path"`
	Code     string       `json:"code"`
	Message  string       `json:"message"`
	Messages messagesJSON `json:"messages"`
}

type draftJSON struct {
	ID        string          `json:"id"`
	Title     labelJSON       `json:"title"`
	Hash      string          `json:"hash"`
	UpdatedAt time.Time       `json:"updated_at"`
	Schema    json.RawMessage `json:"schema"`
	Warnings  []problemJSON   `json:"warnings"`
}

func toDraftJSON(c *gin.Context, d *survey.Draft, warnings []schema.Problem) draftJSON {
	j := draftJSON{ID: d.FormID, Title: labelJSON(d.Title), Hash: d.Hash, UpdatedAt: d.UpdatedAt,
		Schema: json.RawMessage(d.Schema), Warnings: []problemJSON{}}
	for _, p := range warnings {
		j.Warnings = append(j.Warnings, problemJSON{Path: p.Path, Code: p.Code, Message: pick(p.Message, lang(c)), Messages: messagesJSON(p.Message)})
	}
	return j
}

var errDesignOnly = survey.Errorf(survey.CodeForbidden, msg.DesignersOnly)

// readSchema reads a form document sent as the request body.
func (s *Server) readSchema(c *gin.Context) ([]byte, error) {
	if !actor(c).CanDesign() {
		return nil, errDesignOnly
	}
	body, err := readJSON(c, s.MaxBody)
	if err != nil {
		return nil, err
	}
	if !json.Valid(body) || len(bytes.TrimSpace(body)) == 0 || bytes.TrimSpace(body)[0] != '{' {
		return nil, malformed(msg.BodyNotForm)
	}
	return body, nil
}

func (s *Server) createForm(c *gin.Context) error {
	body, err := s.readSchema(c)
	if err != nil {
		return err
	}
	d, warnings, err := s.Catalog.CreateForm(c.Request.Context(), actor(c), body)
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/forms/"+d.FormID+"/draft")
	c.JSON(http.StatusCreated, toDraftJSON(c, d, warnings))
	return nil
}

func (s *Server) putDraft(c *gin.Context) error {
	if isXLSX(c) {
		return s.putDraftXLSForm(c)
	}
	body, err := s.readSchema(c)
	if err != nil {
		return err
	}
	d, warnings, err := s.Catalog.SaveDraft(c.Request.Context(), actor(c), c.Param("form"), body)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toDraftJSON(c, d, warnings))
	return nil
}

func (s *Server) getDraft(c *gin.Context) error {
	d, warnings, err := s.Catalog.Draft(c.Request.Context(), actor(c), c.Param("form"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toDraftJSON(c, d, warnings))
	return nil
}

func (s *Server) deleteDraft(c *gin.Context) error {
	if err := s.Catalog.DeleteDraft(c.Request.Context(), actor(c), c.Param("form")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) testDraft(c *gin.Context) error {
	if !actor(c).CanDesign() {
		return errDesignOnly
	}
	body, err := readJSON(c, s.MaxBody)
	if err != nil {
		return err
	}
	data, err := s.Intake.TestDraft(c.Request.Context(), actor(c), c.Param("form"), body)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"valid": true, "data": data})
	return nil
}

type publishRequest struct {
	Notes string `json:"notes"`
}

func (s *Server) publishForm(c *gin.Context) error {
	var req publishRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		return err
	}
	v, err := s.Catalog.Publish(c.Request.Context(), actor(c), c.Param("form"), req.Notes)
	if err != nil {
		return err
	}
	f, err := s.Catalog.Form(c.Request.Context(), v.FormID)
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/forms/"+v.FormID+"/versions/"+strconv.Itoa(v.Version))
	c.JSON(http.StatusCreated, formVersionJSON{ID: v.FormID, Title: labelJSON(v.Title), Version: v.Version, Status: string(f.Status),
		Hash: v.Hash, PublishedAt: v.PublishedAt, Notes: v.Notes, Schema: json.RawMessage(v.Schema)})
	return nil
}

func (s *Server) setStatus(c *gin.Context, status survey.FormStatus) error {
	f, err := s.Catalog.SetStatus(c.Request.Context(), actor(c), c.Param("form"), status)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, formSummaryJSON{ID: f.ID, Title: labelJSON(f.Title), Version: f.CurrentVersion, Status: string(f.Status)})
	return nil
}

func (s *Server) closeForm(c *gin.Context) error  { return s.setStatus(c, survey.FormClosed) }
func (s *Server) reopenForm(c *gin.Context) error { return s.setStatus(c, survey.FormOpen) }

// versionNumber reads a positive version number from v, naming it in errors.
func versionNumber(v, name string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		e := survey.Errorf(survey.CodeMalformed, msg.ParamVersionNumber, name)
		e.Fields = []survey.FieldError{{Path: name, Code: "type", Message: e.Message}}
		return 0, e
	}
	return n, nil
}

func (s *Server) codebook(c *gin.Context) error {
	n, err := versionNumber(c.Param("n"), "n")
	if err != nil {
		return err
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		e := survey.Errorf(survey.CodeMalformed, msg.ParamFormatJSONOrCSV)
		e.Fields = []survey.FieldError{{Path: "?format", Code: "enum", Message: e.Message}}
		return e
	}
	rows, err := s.Catalog.Codebook(c.Request.Context(), actor(c), c.Param("form"), n)
	if err != nil {
		return err
	}
	if format == "json" {
		c.JSON(http.StatusOK, gin.H{"form": c.Param("form"), "version": n, "fields": rows})
		return nil
	}
	var buf bytes.Buffer
	if err := schema.WriteCodebookCSV(&buf, rows); err != nil {
		return err
	}
	c.Header("Content-Disposition", `attachment; filename="`+c.Param("form")+"-v"+strconv.Itoa(n)+`-codebook.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	return nil
}

func (s *Server) formDiff(c *gin.Context) error {
	from, err := versionNumber(c.Query("from"), "?from")
	if err != nil {
		return err
	}
	var to any = "draft"
	var changes []schema.Change
	if c.Query("to") == "draft" {
		changes, err = s.Catalog.DiffDraft(c.Request.Context(), actor(c), c.Param("form"), from)
	} else {
		var n int
		if n, err = versionNumber(c.Query("to"), "?to"); err != nil {
			return err
		}
		to = n
		changes, err = s.Catalog.Diff(c.Request.Context(), actor(c), c.Param("form"), from, n)
	}
	if err != nil {
		return err
	}
	if changes == nil {
		changes = []schema.Change{}
	}
	c.JSON(http.StatusOK, gin.H{"form": c.Param("form"), "from": from, "to": to, "changes": changes})
	return nil
}
