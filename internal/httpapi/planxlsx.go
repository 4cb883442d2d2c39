package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/khaosat/khaosat/internal/export"
	"github.com/khaosat/khaosat/internal/plan"
)

// reportXLSX writes one version of a report as the caller is shown it
// (suppressed cells empty and marked): the frozen table, the cells
// changed since, and the history, with the content hash the signed paper
// copy carries.
func (s *Server) reportXLSX(c *gin.Context) error {
	v, err := s.reportView(c)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "report"); err != nil {
		return err
	}
	r, ver := v.Report, v.Version
	rows := [][]any{
		{"unit", r.Unit}, {"unit_name", r.UnitName}, {"period", r.Period}, {"state", r.State},
		{"version", ver.Version}, {"submitted_by", ver.By}, {"submitted_at", ver.At.Format(time.RFC3339)},
		{"definitions", ver.Definitions}, {"content_hash", ver.Hash}, {},
		{"indicator", "name", "sex", "age_group", "numerator", "denominator", "value", "suppressed"},
	}
	set := s.Indicators.Set()
	for _, x := range v.Cells {
		name := ""
		if def, ok := set.ByCode(x.Indicator); ok {
			name = def.Name.VI
		}
		rows = append(rows, []any{x.Indicator, name, x.Sex, x.AgeGroup, intCell(x.Numerator), intCell(x.Denominator), floatCell(x.Value), x.Suppressed})
	}
	if err := writeRows(f, "report", rows); err != nil {
		return err
	}
	changes := [][]any{{"indicator", "sex", "age_group", "frozen_numerator", "frozen_denominator", "frozen_value", "frozen_suppressed",
		"now_numerator", "now_denominator", "now_value", "now_suppressed", "delta_numerator", "delta_denominator", "delta_value"}}
	for _, x := range v.Changes {
		changes = append(changes, []any{x.Indicator, x.Sex, x.AgeGroup, intCell(x.Frozen.Numerator), intCell(x.Frozen.Denominator), floatCell(x.Frozen.Value),
			x.Frozen.Suppressed, intCell(x.Now.Numerator), intCell(x.Now.Denominator), floatCell(x.Now.Value), x.Now.Suppressed,
			intCell(x.DeltaNumerator), intCell(x.DeltaDenom), floatCell(x.DeltaValue)})
	}
	if _, err := f.NewSheet("changes"); err != nil {
		return err
	}
	if err := writeRows(f, "changes", changes); err != nil {
		return err
	}
	history := [][]any{{"action", "state", "version", "by", "at", "comment"}}
	for _, h := range r.History {
		history = append(history, []any{h.Action, h.State, h.Version, h.By, h.At.Format(time.RFC3339), export.Neutralise(h.Comment)})
	}
	if _, err := f.NewSheet("history"); err != nil {
		return err
	}
	if err := writeRows(f, "history", history); err != nil {
		return err
	}
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Header("Content-Disposition", `attachment; filename="`+reportFilename(r, ver)+`"`)
	c.Status(http.StatusOK)
	if err := f.Write(c.Writer); err != nil {
		s.log.Warn("writing the report workbook", "request_id", requestID(c), "error", err)
	}
	return nil
}

func reportFilename(r *plan.Report, f *plan.Frozen) string {
	return "report_" + r.Unit + "_" + r.Period + "_v" + strconv.Itoa(f.Version) + ".xlsx"
}

func writeRows(f *excelize.File, sheet string, rows [][]any) error {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func intCell(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func floatCell(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
