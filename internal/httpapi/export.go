package httpapi

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

func (s *Server) exportRoutes(a *gin.RouterGroup) {
	a.GET("/forms/:form/export", s.h(s.export))
}

// boolParam reads an optional true/false query parameter.
func boolParam(c *gin.Context, name string) (bool, error) {
	switch c.Query(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	e := survey.Errorf(survey.CodeMalformed, msg.ParamBool, name)
	e.Fields = []survey.FieldError{{Path: "?" + name, Code: "type", Message: e.Message}}
	return false, e
}

func exportOptions(c *gin.Context) (survey.ExportOptions, error) {
	o := survey.ExportOptions{Format: c.DefaultQuery("format", "csv"), Labels: c.Query("labels"),
		Unit: c.Query("unit"), ReviewState: c.Query("review_state")}
	var err error
	if o.From, err = dateParam(c, "from"); err != nil {
		return o, err
	}
	if o.To, err = dateParam(c, "to"); err != nil {
		return o, err
	}
	if o.Split, err = boolParam(c, "split"); err != nil {
		return o, err
	}
	if o.IncludeDeleted, err = boolParam(c, "include_deleted"); err != nil {
		return o, err
	}
	if o.RawText, err = boolParam(c, "raw_text"); err != nil {
		return o, err
	}
	switch c.Query("header") {
	case "", "names":
	case "labels":
		o.HeaderLabels = true
	default:
		e := survey.Errorf(survey.CodeMalformed, msg.ParamHeader)
		e.Fields = []survey.FieldError{{Path: "?header", Code: "enum", Message: e.Message}}
		return o, e
	}
	if v := c.Query("version"); v != "" {
		if o.Version, err = strconv.Atoi(v); err != nil || o.Version < 1 {
			e := survey.Errorf(survey.CodeMalformed, msg.ParamVersion)
			e.Fields = []survey.FieldError{{Path: "?version", Code: "type", Message: e.Message}}
			return o, e
		}
	}
	return o, nil
}

// export streams a form's submissions as a file. Rows are flushed as they
// are written, so the first bytes leave before the query has finished; a
// client that goes away cancels the request context and with it the
// database cursor.
func (s *Server) export(c *gin.Context) error {
	o, err := exportOptions(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	job, err := s.Exports.Prepare(ctx, actor(c), c.Param("form"), o)
	if err != nil {
		return err
	}
	c.Header("Content-Type", job.ContentType)
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": job.Filename}))
	c.Status(http.StatusOK)
	start := time.Now()
	rows, err := job.Run(ctx, c.Writer)
	s.obs().Export(o.Format, outcome(err), rows, time.Since(start))
	if err != nil {
		// Once rows are out the file is incomplete and the status sent:
		// fail then breaks the connection, so that the client cannot take
		// a truncated file for a whole one.
		return fmt.Errorf("export %s after %d rows: %w", c.Param("form"), rows, err)
	}
	return nil
}
