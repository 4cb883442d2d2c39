package export

import "github.com/khaosat/khaosat/internal/survey"

// Spreadsheet formula injection (OWASP "CSV Injection"): a text cell
// that begins with =, +, -, @, a tab, a carriage return or a line feed
// is run as a formula when the file is opened in Excel, LibreOffice or
// Google Sheets (e.g. =HYPERLINK(...) typed by a collector into an
// address); a line feed first is read by some as a new row that starts
// with the formula. CSV and ZIP exports therefore prefix such text cells with a single quote, which the
// spreadsheet shows as text, as OWASP advises. Only text is touched:
// numbers (an integer or decimal answer, a count, a 0/1 column) are
// written as numbers, negative ones included. XLSX stores text as text
// and needs nothing; the codebook holds the form's own labels and is
// left as it is. ExportOptions.RawText turns this off for analysts who
// read the files with a program (the export's audit entry says so).

// formulaStarts are the first characters that make a cell a formula.
const formulaStarts = "=+-@\t\r\n"

// Neutralise returns s as a spreadsheet shows it as text: with a leading
// single quote when it begins like a formula, unchanged otherwise. A
// signed plain number ("+84912345678", a phone number; "-12.5") is left
// alone: a spreadsheet reads it as that number and nothing can run in it,
// so quoting it would only spoil the data.
func Neutralise(s string) string {
	if s != "" && indexByte(formulaStarts, s[0]) && !signedNumber(s) {
		return "'" + s
	}
	return s
}

// signedNumber reports whether s is a sign followed by digits, with
// spaces, dots and commas between them and nothing else.
func signedNumber(s string) bool {
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') || s[1] < '0' || s[1] > '9' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && c != ' ' && c != '.' && c != ',' {
			return false
		}
	}
	return true
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
