package schema

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// CodebookRow documents one field of a form version for analysts.
type CodebookRow struct {
	Path        string           `json:"path"`
	Type        Kind             `json:"type"`
	Label       Label            `json:"label"`
	Hint        *Label           `json:"hint,omitempty"`
	Choices     []CodebookChoice `json:"choices,omitempty"`
	Required    bool             `json:"required"`
	Conditional bool             `json:"conditional"`
	Sensitive   bool             `json:"sensitive"`
	Personal    bool             `json:"personal"`
	// Since is the version the field first appeared in.
	Since int `json:"since"`
}

// CodebookChoice is one code of a choice field with its labels.
type CodebookChoice struct {
	Code any    `json:"code"`
	VI   string `json:"vi"`
	EN   string `json:"en"`
}

// Codebook describes the last of versions (which are a form's versions 1,
// 2, …, in order), one row per field in x-order, depth first; Since is the
// first version that had a field at the same path.
func Codebook(versions []*Form) []CodebookRow {
	if len(versions) == 0 {
		return nil
	}
	f := versions[len(versions)-1]
	rows := []CodebookRow{}
	f.Walk(func(fl *Field) {
		since := len(versions)
		for i, v := range versions {
			if v.byPath[fl.Path] != nil {
				since = i + 1
				break
			}
		}
		r := CodebookRow{Path: fl.Path, Type: fl.Kind, Label: fl.Label, Hint: fl.Hint, Required: fl.Required,
			Conditional: fl.Conditional, Sensitive: fl.Sensitive, Personal: fl.Personal, Since: since}
		for _, c := range fl.Choices {
			r.Choices = append(r.Choices, CodebookChoice{Code: c.Code, VI: c.Label.VI, EN: c.Label.EN})
		}
		rows = append(rows, r)
	})
	return rows
}

// codebookHeader names the CSV columns.
var codebookHeader = []string{"path", "type", "label_vi", "label_en", "choices_vi", "choices_en",
	"required", "conditional", "sensitive", "personal", "since"}

// WriteCodebookCSV writes rows as CSV for spreadsheets: a UTF-8 byte
// order mark first (so that Excel reads the Vietnamese text as UTF-8),
// CRLF line ends, choices as "code=label" joined by "; ".
func WriteCodebookCSV(w io.Writer, rows []CodebookRow) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(codebookHeader); err != nil {
		return err
	}
	for _, r := range rows {
		var vi, en []string
		for _, c := range r.Choices {
			vi = append(vi, fmt.Sprintf("%v=%s", c.Code, c.VI))
			en = append(en, fmt.Sprintf("%v=%s", c.Code, c.EN))
		}
		rec := []string{r.Path, string(r.Type), r.Label.VI, r.Label.EN, strings.Join(vi, "; "), strings.Join(en, "; "),
			yesNo(r.Required), yesNo(r.Conditional), yesNo(r.Sensitive), yesNo(r.Personal), fmt.Sprint(r.Since)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
