package export

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// XLSX writes one sheet per table with excelize's stream writers, which
// spool rows to temporary files past a few MB. An XLSX file is a zip whose
// parts must be complete before it is written, so its bytes leave only at
// the end; the first bytes of a large export come faster as csv or zip.
type XLSX struct {
	w     io.Writer
	f     *excelize.File
	root  *table
	em    *emitter
	sheet map[*table]*sheet
}

type sheet struct {
	sw   *excelize.StreamWriter
	next int // the next row number
	name string
}

// maxSheetRows is Excel's row limit, the header included.
const maxSheetRows = excelize.TotalRows

// NewXLSX starts an XLSX export into w.
func NewXLSX(w io.Writer, spec *survey.ExportSpec) (survey.ExportWriter, error) {
	x := &XLSX{w: w, f: excelize.NewFile(), root: layout(spec, true), sheet: map[*table]*sheet{}}
	x.em = newEmitter(x.root, spec.Options)
	for i, t := range x.root.tables() {
		name := sheetName(t.name, i)
		if i == 0 {
			if err := x.f.SetSheetName("Sheet1", name); err != nil {
				x.Discard()
				return nil, err
			}
		} else if _, err := x.f.NewSheet(name); err != nil {
			x.Discard()
			return nil, err
		}
		sw, err := x.f.NewStreamWriter(name)
		if err != nil {
			x.Discard()
			return nil, err
		}
		h := t.header(spec.Options)
		cells := make([]any, len(h))
		for i, s := range h {
			cells[i] = s
		}
		if err := sw.SetRow("A1", cells); err != nil {
			x.Discard()
			return nil, err
		}
		x.sheet[t] = &sheet{sw: sw, next: 2, name: name}
	}
	return x, nil
}

// sheetName fits a table name into Excel's 31 characters, keeping names unique.
func sheetName(name string, i int) string {
	r := []rune(name)
	if len(r) <= 31 {
		return name
	}
	suffix := fmt.Sprintf("~%d", i)
	return string(r[:31-len(suffix)]) + suffix
}

// Write implements survey.ExportWriter.
func (x *XLSX) Write(r *survey.ExportRecord) error {
	return x.em.emit(r, func(t *table, cells []any) error {
		s := x.sheet[t]
		if s.next > maxSheetRows {
			return survey.Errorf(survey.CodeTooLarge, msg.XLSXTooManyRows, s.name)
		}
		cell, err := excelize.CoordinatesToCellName(1, s.next)
		if err != nil {
			return err
		}
		s.next++
		return s.sw.SetRow(cell, cells)
	})
}

// Flush implements survey.ExportWriter; an XLSX cannot be sent in parts.
func (x *XLSX) Flush() error { return nil }

// Close implements survey.ExportWriter: the workbook is assembled and
// written.
func (x *XLSX) Close() error {
	defer x.Discard()
	for _, t := range x.root.tables() {
		if err := x.sheet[t].sw.Flush(); err != nil {
			return err
		}
	}
	_, err := x.f.WriteTo(x.w)
	return err
}

// Discard implements survey.ExportWriter: temporary files are removed.
func (x *XLSX) Discard() { _ = x.f.Close() }
