package httpapi

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
	"github.com/khaosat/khaosat/internal/xlsform"
)

// xlsxType is the media type of an XLSX workbook, which an XLSForm is.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// isXLSX reports whether the request body is sent as an XLSX workbook.
func isXLSX(c *gin.Context) bool {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	return err == nil && mt == xlsxType
}

// putDraftXLSForm saves a draft sent as an XLSForm workbook; a form that
// does not exist yet is created with it (201). A workbook with problems
// changes nothing and gets the list, each problem placed on its sheet,
// row and column.
func (s *Server) putDraftXLSForm(c *gin.Context) error {
	if !actor(c).CanDesign() {
		return errDesignOnly
	}
	body, err := readBody(c, s.MaxBody)
	if err != nil {
		return err
	}
	res, err := xlsform.Read(bytes.NewReader(body), xlsform.Options{FormID: c.Param("form")})
	if err != nil {
		return workbookError(err)
	}
	ctx, a := c.Request.Context(), actor(c)
	status := http.StatusOK
	d, warnings, err := s.Catalog.SaveDraft(ctx, a, c.Param("form"), res.Schema)
	if survey.ErrorCode(err) == survey.CodeNotFound {
		status = http.StatusCreated
		d, warnings, err = s.Catalog.CreateForm(ctx, a, res.Schema)
	}
	if err != nil {
		return err
	}
	j := toDraftJSON(c, d, warnings)
	for _, p := range res.Warnings {
		msg := survey.Label{VI: p.In("vi"), EN: p.In("en")}
		j.Warnings = append(j.Warnings, problemJSON{Path: p.Pointer(), Code: p.Code, Message: pick(msg, lang(c)), Messages: messagesJSON(msg)})
	}
	if status == http.StatusCreated {
		c.Header("Location", "/api/v1/forms/"+d.FormID+"/draft")
	}
	c.JSON(status, j)
	return nil
}

// workbookError turns the problems of a workbook into the API's error:
// each field's path is /sheet/row/column.
func workbookError(err error) error {
	var xe *xlsform.Errors
	if !errors.As(err, &xe) {
		return err
	}
	e := survey.Errorf(survey.CodeInvalid, msg.XLSFormWorkbookErrors)
	for _, p := range xe.Problems {
		e.Fields = append(e.Fields, survey.FieldError{Path: p.Pointer(), Code: p.Code, Message: survey.Label{VI: p.In("vi"), EN: p.In("en")}})
	}
	return e
}

// formVersionXLSForm downloads a published version as an XLSForm workbook.
func (s *Server) formVersionXLSForm(c *gin.Context) error {
	n, err := versionNumber(c.Param("n"), "n")
	if err != nil {
		return err
	}
	f, err := s.Catalog.FormFor(c.Request.Context(), actor(c), c.Param("form"))
	if err != nil {
		return err
	}
	v, err := s.Catalog.Version(c.Request.Context(), f.ID, n)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := xlsform.Write(&buf, v.Schema, xlsform.WriteOptions{Version: n}); err != nil {
		var xe *xlsform.Errors
		if !errors.As(err, &xe) {
			return err
		}
		e := survey.Errorf(survey.CodeInvalid, msg.XLSFormVersionNotExpressible)
		for _, p := range xe.Problems {
			e.Fields = append(e.Fields, survey.FieldError{Path: p.Column, Code: p.Code, Message: survey.Label(p.Message)})
		}
		return e
	}
	c.Header("Content-Disposition", `attachment; filename="`+f.ID+"-v"+strconv.Itoa(n)+`.xlsx"`)
	c.Data(http.StatusOK, xlsxType, buf.Bytes())
	return nil
}
