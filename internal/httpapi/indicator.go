package httpapi

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// indicatorRoutes: the definitions, one indicator's table and the table of
// several. The table has its own path (/indicators/table) rather than a
// ?codes= variant of the definitions list, so that each path has one
// response shape; "table" can never be an indicator code (codes are
// upper-case).
func (s *Server) indicatorRoutes(a *gin.RouterGroup) {
	a.GET("/indicators", s.h(s.listIndicators))
	a.GET("/indicators/table", s.h(s.indicatorTable))
	a.GET("/indicators/:code", s.h(s.indicatorTable))
}

type indicatorJSON struct {
	Code        string       `json:"code"`
	Name        survey.Label `json:"name"`
	Rule        survey.Label `json:"rule"`
	Type        string       `json:"type"`
	Form        string       `json:"form"`
	Rows        string       `json:"rows,omitempty"`
	Denominator string       `json:"denominator,omitempty"`
	Numerator   string       `json:"numerator"`
	Sensitive   bool         `json:"sensitive"`
}

func toIndicatorJSON(ind *indicator.Indicator) indicatorJSON {
	d := ind.Definition
	return indicatorJSON{Code: d.Code, Name: d.Name, Rule: d.Rule, Type: d.Type, Form: d.Form, Rows: d.Rows,
		Denominator: d.Denominator, Numerator: d.Numerator, Sensitive: d.Sensitive}
}

func (s *Server) listIndicators(c *gin.Context) error {
	if !actor(c).CanReadIndicators() {
		return survey.Errorf(survey.CodeForbidden, msg.IndicatorsForbidden)
	}
	items := []indicatorJSON{}
	for _, ind := range s.Indicators.Set().Indicators {
		items = append(items, toIndicatorJSON(ind))
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}

type tableRowJSON struct {
	Indicator   string   `json:"indicator"`
	Unit        string   `json:"unit"`
	UnitName    string   `json:"unit_name"`
	Hierarchy   string   `json:"hierarchy,omitempty"`
	Sex         string   `json:"sex,omitempty"`
	AgeGroup    string   `json:"age_group,omitempty"`
	Numerator   *int     `json:"numerator"`
	Denominator *int     `json:"denominator"`
	Value       *float64 `json:"value"`
	Suppressed  bool     `json:"suppressed,omitempty"`
}

type tableJSON struct {
	Indicators []indicatorJSON `json:"indicators"`
	From       string          `json:"from"`
	To         string          `json:"to"`
	Unit       string          `json:"unit"`
	Level      string          `json:"level"`
	By         []string        `json:"by"`
	Rows       []tableRowJSON  `json:"rows"`
}

var tableParams = map[string]bool{"codes": true, "period": true, "from": true, "to": true, "unit": true, "level": true, "by": true, "format": true}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) indicatorTable(c *gin.Context) error {
	for k, v := range c.Request.URL.Query() {
		if !tableParams[k] || (k == "codes" && c.Param("code") != "") {
			e := survey.Errorf(survey.CodeMalformed, msg.ParamUnsupported, k)
			e.Fields = []survey.FieldError{{Path: "?" + k, Code: "unknown_parameter", Message: e.Message}}
			return e
		}
		if len(v) > 1 {
			e := survey.Errorf(survey.CodeMalformed, msg.ParamRepeated, k)
			e.Fields = []survey.FieldError{{Path: "?" + k, Code: "repeated", Message: e.Message}}
			return e
		}
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" && format != "xlsx" {
		e := survey.Errorf(survey.CodeMalformed, msg.ParamFormatTable)
		e.Fields = []survey.FieldError{{Path: "?format", Code: "invalid", Message: e.Message}}
		return e
	}
	q := indicator.TableQuery{Codes: splitList(c.Query("codes")), Period: c.Query("period"), From: c.Query("from"), To: c.Query("to"),
		Unit: c.Query("unit"), Level: c.Query("level"), By: splitList(c.Query("by"))}
	if code := c.Param("code"); code != "" {
		q.Codes = []string{code}
		if _, ok := s.Indicators.Set().ByCode(code); !ok {
			return survey.Errorf(survey.CodeNotFound, msg.IndicatorUnknown, code)
		}
	}
	start := time.Now()
	t, err := s.Indicators.Table(c.Request.Context(), actor(c), q)
	s.obs().IndicatorQuery(outcome(err), time.Since(start))
	if err != nil {
		return err
	}
	body := toTableJSON(t)
	switch format {
	case "csv":
		s.writeTableCSV(c, body)
	case "xlsx":
		return s.writeTableXLSX(c, body)
	default:
		c.JSON(http.StatusOK, body)
	}
	return nil
}

func toTableJSON(t *indicator.Table) tableJSON {
	j := tableJSON{From: t.From.Format(time.DateOnly), To: t.To.Format(time.DateOnly), Unit: t.Unit, Level: string(t.Level),
		By: append([]string{}, t.By...), Rows: make([]tableRowJSON, len(t.Rows))}
	for _, ind := range t.Indicators {
		j.Indicators = append(j.Indicators, toIndicatorJSON(ind))
	}
	for i, r := range t.Rows {
		j.Rows[i] = tableRowJSON{Indicator: r.Indicator, Unit: r.Unit, UnitName: r.UnitName, Hierarchy: r.Hierarchy, Sex: r.Sex,
			AgeGroup: r.AgeGroup, Numerator: r.Numerator, Denominator: r.Denominator, Value: r.Value, Suppressed: r.Suppressed}
	}
	return j
}

// TableColumns are the columns of the CSV and XLSX tables: the JSON row
// fields, sex and age_group only when broken down by them.
func tableColumns(by []string) []string {
	cols := []string{"indicator", "unit", "unit_name", "hierarchy"}
	for _, b := range []string{"sex", "age_group"} {
		for _, x := range by {
			if x == b {
				cols = append(cols, b)
			}
		}
	}
	return append(cols, "numerator", "denominator", "value", "suppressed")
}

// cellsOf returns a row's values in column order; nil is an empty cell.
func cellsOf(r tableRowJSON, cols []string) []any {
	out := make([]any, 0, len(cols))
	for _, col := range cols {
		var v any
		switch col {
		case "indicator":
			v = r.Indicator
		case "unit":
			v = r.Unit
		case "unit_name":
			v = r.UnitName
		case "hierarchy":
			v = r.Hierarchy
		case "sex":
			v = r.Sex
		case "age_group":
			v = r.AgeGroup
		case "numerator":
			if r.Numerator != nil {
				v = *r.Numerator
			}
		case "denominator":
			if r.Denominator != nil {
				v = *r.Denominator
			}
		case "value":
			if r.Value != nil {
				v = *r.Value
			}
		case "suppressed":
			v = r.Suppressed
		}
		out = append(out, v)
	}
	return out
}

func tableFilename(t tableJSON, ext string) string {
	return "indicators_" + t.Unit + "_" + t.From + "_" + t.To + "." + ext
}

func (s *Server) writeTableCSV(c *gin.Context, t tableJSON) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+tableFilename(t, "csv")+`"`)
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	cols := tableColumns(t.By)
	_ = w.Write(cols)
	rec := make([]string, len(cols))
	for _, r := range t.Rows {
		for i, v := range cellsOf(r, cols) {
			switch x := v.(type) {
			case nil:
				rec[i] = ""
			case string:
				rec[i] = x
			case int:
				rec[i] = strconv.Itoa(x)
			case float64:
				rec[i] = strconv.FormatFloat(x, 'f', -1, 64)
			case bool:
				rec[i] = strconv.FormatBool(x)
			}
		}
		_ = w.Write(rec)
	}
	w.Flush()
}

func (s *Server) writeTableXLSX(c *gin.Context, t tableJSON) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	cols := tableColumns(t.By)
	header := make([]any, len(cols))
	for i, col := range cols {
		header[i] = col
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for i, r := range t.Rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cellsOf(r, cols)); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Header("Content-Disposition", `attachment; filename="`+tableFilename(t, "xlsx")+`"`)
	c.Status(http.StatusOK)
	if err := f.Write(c.Writer); err != nil {
		s.log.Warn("writing the indicator workbook", "request_id", requestID(c), "error", err)
	}
	return nil
}
