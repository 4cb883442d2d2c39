package xlsform

import (
	"fmt"
	"strings"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// Problem is one finding about a workbook, tied to the cell it concerns.
type Problem struct {
	// Sheet is the sheet's name as the workbook spells it ("survey").
	Sheet string `json:"sheet"`
	// Row is the spreadsheet row number (1 is the header row); 0 means the
	// sheet as a whole.
	Row int `json:"row"`
	// Column is the column's header ("relevant", "label::en"), or "".
	Column string `json:"column"`
	// Code names the kind of problem (see the Code* constants).
	Code string `json:"code"`
	// Message explains it in Vietnamese and English.
	Message schema.Label `json:"message"`
}

// The codes of a Problem.
const (
	CodeWorkbook    = "workbook"    // not a readable XLSX workbook, or a sheet missing
	CodeType        = "type"        // a question type khaosat cannot express
	CodeName        = "name"        // a missing, malformed or repeated name
	CodeLabel       = "label"       // a missing label in vi or en
	CodeChoices     = "choices"     // a choice list missing, empty or malformed
	CodeExpression  = "expression"  // an expression outside the supported subset
	CodeColumn      = "column"      // a column khaosat cannot honour
	CodeStructure   = "structure"   // unbalanced begin/end rows
	CodeSettings    = "settings"    // the settings sheet
	CodeAnnotation  = "annotation"  // a malformed x- column value
	CodeNotKept     = "not_kept"    // warning: presentation only, not kept
	CodeLint        = "lint"        // the form the workbook makes breaks a form rule
	CodeUnsupported = "unsupported" // writing: a form outside what XLSForm can carry
)

// Pointer names the cell as a path for an API error: /sheet/row/column.
func (p Problem) Pointer() string {
	s := "/" + p.Sheet
	if p.Row > 0 {
		s += fmt.Sprintf("/%d", p.Row)
	}
	if p.Column != "" {
		s += "/" + p.Column
	}
	return s
}

// String is "sheet, row R, column C: message" in English.
func (p Problem) String() string { return p.where("en") + p.Message.EN }

// In is the problem with its place, in the language lang ("vi" or "en").
func (p Problem) In(lang string) string { return p.where(lang) + p.Message.In(lang) }

func (p Problem) where(lang string) string {
	parts := []string{p.Sheet}
	if p.Row > 0 {
		parts = append(parts, msg.Text(msg.XLSFormWhereRow, p.Row).In(lang))
	}
	if p.Column != "" {
		parts = append(parts, msg.Text(msg.XLSFormWhereColumn, p.Column).In(lang))
	}
	return strings.Join(parts, ", ") + ": "
}

// Errors is the error of a workbook that cannot become a form: every
// problem found, in sheet and row order.
type Errors struct {
	Problems []Problem
}

func (e *Errors) Error() string {
	if len(e.Problems) == 1 {
		return "xlsform: " + e.Problems[0].String()
	}
	return fmt.Sprintf("xlsform: %d problems, the first: %s", len(e.Problems), e.Problems[0])
}

// label renders the catalogue's message key with args.
func label(key msg.Key, args ...any) schema.Label { return msg.Text(key, args...) }
