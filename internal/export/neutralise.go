package export

import "github.com/khaosat/khaosat/internal/survey"

// Spreadsheet formula injection (OWASP "CSV Injection"): a text cell
// that begins with =, +, -, @, a tab or a carriage return is run as a
// formula when the file is opened in Excel, LibreOffice or Google Sheets
// (e.g. =HYPERLINK(...) typed by a collector into an address). CSV and ZIP
// exports therefore prefix such text cells with a single quote, which the
// spreadsheet shows as text, as OWASP advises. Only text is touched:
// numbers (an integer or decimal answer, a count, a 0/1 column) are
// written as numbers, negative ones included. XLSX stores text as text
// and needs nothing; the codebook holds the form's own labels and is
// left as it is. ExportOptions.RawText turns this off for analysts who
// read the files with a program (the export's audit entry says so).

// formulaStarts are the first characters that make a cell a formula.
const formulaStarts = "=+-@\t\r"

// Neutralise returns s as a spreadsheet shows it as text: with a leading
// single quote when it begins like a formula, unchanged otherwise.
func Neutralise(s string) string {
	if s != "" && indexByte(formulaStarts, s[0]) {
		return "'" + s
	}
	return s
}

func indexByte(set string, b byte) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == b {
			return true
		}
	}
	return false
}

// neutralising reports whether the export's text cells are neutralised.
func neutralising(spec *survey.ExportSpec) bool { return !spec.Options.RawText }
