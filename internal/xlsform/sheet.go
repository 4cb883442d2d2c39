package xlsform

import (
	"regexp"
	"strings"

	"github.com/xuri/excelize/v2"
)

// sheet is one sheet of a workbook: its header and its non-empty rows.
type sheet struct {
	name    string   // as the workbook spells it
	headers []column // by position
	rows    []row
}

// column is a header cell: base is the lower-cased name before "::",
// lang the language code after it ("vi", "en", another, or "").
type column struct {
	text string // the header as written
	base string
	lang string
}

// row is a data row: its number and its cells by column position.
type row struct {
	num   int
	cells []string
}

// get returns the trimmed cell of the first column with this base and
// language, and the column's header.
func (s *sheet) get(r row, base, lang string) (string, string) {
	for i, c := range s.headers {
		if c.base == base && c.lang == lang {
			if i < len(r.cells) {
				return strings.TrimSpace(r.cells[i]), c.text
			}
			return "", c.text
		}
	}
	return "", ""
}

// has reports whether the sheet has a column with this base and language.
func (s *sheet) has(base, lang string) bool {
	for _, c := range s.headers {
		if c.base == base && c.lang == lang {
			return true
		}
	}
	return false
}

// langCode is the language of a column suffix: "vi", "en", or the
// suffix lower-cased. ODK writes languages as "English (en)".
var langInParens = regexp.MustCompile(`\(([A-Za-z-]+)\)\s*$`)

func langCode(s string) string {
	s = strings.TrimSpace(s)
	if m := langInParens.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	switch strings.ToLower(s) {
	case "vi", "vie", "vietnamese", "tiếng việt":
		return "vi"
	case "en", "eng", "english":
		return "en"
	}
	return strings.ToLower(s)
}

// readSheet reads a sheet's header and rows, skipping blank rows.
func readSheet(f *excelize.File, name string) (*sheet, error) {
	rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, err
	}
	s := &sheet{name: name}
	for i, cells := range rows {
		if i == 0 {
			for _, h := range cells {
				text := strings.TrimSpace(h)
				base, lang, found := strings.Cut(text, "::")
				if !found {
					// The older single-colon form, "label:English".
					base, lang, _ = strings.Cut(text, ":")
				}
				col := column{text: text, base: strings.ToLower(strings.TrimSpace(base))}
				if lang != "" {
					col.lang = langCode(lang)
				}
				s.headers = append(s.headers, col)
			}
			continue
		}
		blank := true
		for _, c := range cells {
			if strings.TrimSpace(c) != "" {
				blank = false
				break
			}
		}
		if !blank {
			s.rows = append(s.rows, row{num: i + 1, cells: cells})
		}
	}
	return s, nil
}
