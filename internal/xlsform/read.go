package xlsform

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// Options steer Read.
type Options struct {
	// FormID is the form's id when the settings sheet names none (the
	// form of the URL, or the file's name); when both are given they must
	// agree.
	FormID string
}

// Result is a workbook read into a form document.
type Result struct {
	// Schema is the form: JSON Schema draft 2020-12 in khaosat's
	// vocabulary, lint-clean.
	Schema []byte
	// FormID is its x-form.
	FormID string
	// Warnings are what the workbook said that the form does not keep
	// because it only concerns presentation (a group's heading, an
	// appearance) or is recorded otherwise (start and end times).
	Warnings []Problem
}

// Read reads an XLSForm workbook. When the workbook cannot become a form
// the error is an *Errors listing every problem with its cell.
func Read(r io.Reader, opt Options) (*Result, error) {
	f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, &Errors{Problems: []Problem{{Sheet: "workbook", Code: CodeWorkbook,
			Message: label(msg.XLSFormNotWorkbook)}}}
	}
	defer f.Close()
	rd := &reader{lists: map[string]*choiceList{}, opt: opt}
	sheets := map[string]*sheet{}
	for _, name := range f.GetSheetList() {
		key := strings.ToLower(strings.TrimSpace(name))
		switch key {
		case "survey", "choices", "settings":
			s, err := readSheet(f, name)
			if err != nil {
				rd.errorf(name, 0, "", CodeWorkbook, msg.XLSFormReadSheet)
				continue
			}
			sheets[key] = s
		default:
			rd.warnf(name, 0, "", CodeNotKept, msg.XLSFormSheetNotReadSurveyChoices)
		}
	}
	if sheets["survey"] == nil {
		rd.errorf("survey", 0, "", CodeWorkbook, msg.XLSFormSurveySheetMissing)
		return nil, rd.failure()
	}
	rd.settings(sheets["settings"])
	if sheets["choices"] != nil {
		rd.choices(sheets["choices"])
	}
	// The form is built even after a problem, to report the problems of
	// every row at once.
	root := rd.survey(sheets["survey"])
	doc, places := rd.build(root)
	if len(rd.probs) > 0 {
		return nil, rd.failure()
	}
	raw, err := marshalIndent(doc)
	if err != nil {
		return nil, fmt.Errorf("xlsform: write the form: %w", err)
	}
	// The form's own rules (forms/README.md) are checked by the linter;
	// its findings are placed back on the rows they come from.
	lint := schema.Lint(raw)
	for _, p := range lint.Errors {
		rd.probs = append(rd.probs, places.problem(p))
	}
	if len(rd.probs) > 0 {
		return nil, rd.failure()
	}
	for _, p := range lint.Warnings {
		rd.warns = append(rd.warns, places.problem(p))
	}
	return &Result{Schema: raw, FormID: rd.formID, Warnings: rd.warns}, nil
}

// reader collects what a workbook says and every problem with it.
type reader struct {
	opt    Options
	probs  []Problem
	warns  []Problem
	lists  map[string]*choiceList
	formID string
	title  schema.Label
	// titleRow is the settings row of the title, for messages.
	titleRow        int
	sensitiveForm   bool
	schemaID        string
	defaultLanguage string
}

func (rd *reader) errorf(sheet string, row int, col, code string, key msg.Key, args ...any) {
	rd.probs = append(rd.probs, Problem{Sheet: sheet, Row: row, Column: col, Code: code, Message: label(key, args...)})
}

func (rd *reader) warnf(sheet string, row int, col, code string, key msg.Key, args ...any) {
	rd.warns = append(rd.warns, Problem{Sheet: sheet, Row: row, Column: col, Code: code, Message: label(key, args...)})
}

func (rd *reader) failure() error {
	return &Errors{Problems: rd.probs}
}

// text is a cell normalised to NFC, as every stored string is.
func text(s string) string { return norm.NFC.String(strings.TrimSpace(s)) }

// bilingual reads base::vi and base::en of a row (a plain base column
// counts for the settings' default language). missing lists the absent
// languages' column names.
func (rd *reader) bilingual(s *sheet, r row, base string) (l schema.Label, missing []string, any bool) {
	l.VI, _ = s.get(r, base, "vi")
	l.EN, _ = s.get(r, base, "en")
	if plain, _ := s.get(r, base, ""); plain != "" {
		switch rd.defaultLanguage {
		case "vi":
			if l.VI == "" {
				l.VI = plain
			}
		case "en":
			if l.EN == "" {
				l.EN = plain
			}
		default:
			// One message for a column in no known language.
			return l, []string{base}, true
		}
	}
	l.VI, l.EN = text(l.VI), text(l.EN)
	if l.VI == "" {
		missing = append(missing, base+"::vi")
	}
	if l.EN == "" {
		missing = append(missing, base+"::en")
	}
	return l, missing, l.VI != "" || l.EN != "" || len(missing) < 2
}

// settings reads form_id, form_title and the flags of the settings sheet.
func (rd *reader) settings(s *sheet) {
	rd.formID = rd.opt.FormID
	if s == nil || len(s.rows) == 0 {
		if rd.formID == "" {
			rd.errorf("settings", 0, "form_id", CodeSettings, msg.XLSFormSettingsSheetFormIdNeeded)
		}
		rd.errorf("settings", 0, "form_title::vi", CodeSettings, msg.XLSFormSettingsSheetFormTitleVi)
		return
	}
	r := s.rows[0]
	if v, _ := s.get(r, "default_language", ""); v != "" {
		rd.defaultLanguage = langCode(v)
	}
	if id, col := s.get(r, "form_id", ""); id != "" {
		if rd.formID != "" && id != rd.formID {
			rd.errorf(s.name, r.num, col, CodeSettings, msg.XLSFormFormIdButForm, id, rd.formID)
		}
		rd.formID = id
	}
	if rd.formID == "" {
		rd.errorf(s.name, r.num, "form_id", CodeSettings, msg.XLSFormFormIdMissing)
	} else if !snakeCase.MatchString(rd.formID) {
		rd.errorf(s.name, r.num, "form_id", CodeName, msg.XLSFormFormIdAsciiSnakeCase, rd.formID)
	}
	title, missing, _ := rd.bilingual(s, r, "form_title")
	for _, m := range missing {
		rd.errorf(s.name, r.num, m, CodeLabel, msg.XLSFormFormSTitleMissingForm)
	}
	rd.title, rd.titleRow = title, r.num
	if v, col := s.get(r, "x-sensitive-form", ""); v != "" {
		on, ok := yes(v)
		if !ok {
			rd.errorf(s.name, r.num, col, CodeAnnotation, msg.XLSFormXSensitiveFormYesEmpty)
		}
		rd.sensitiveForm = on
	}
	rd.schemaID, _ = s.get(r, "x-schema-id", "")
	for i, c := range s.headers {
		if i >= len(r.cells) || strings.TrimSpace(r.cells[i]) == "" {
			continue
		}
		switch c.base {
		case "form_id", "form_title", "default_language", "x-sensitive-form", "x-schema-id":
		case "version":
			rd.warnf(s.name, r.num, c.text, CodeNotKept, msg.XLSFormKhaosatNumbersVersionsItselfWhen)
		default:
			rd.warnf(s.name, r.num, c.text, CodeNotKept, msg.XLSFormSettingsColumnNotKept)
		}
	}
}

// yes reads a yes/no cell: yes, true, true(), no, false, false().
func yes(v string) (on, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "true", "true()", "1":
		return true, true
	case "", "no", "false", "false()", "0":
		return false, true
	}
	return false, false
}

var (
	snakeCase   = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	integerCode = regexp.MustCompile(`^-?[0-9]+$`)
	ageRange    = regexp.MustCompile(`^([0-9]+)-([0-9]+)$`)
)

// choiceList is a list of the choices sheet.
type choiceList struct {
	name    string
	row     int // its first row
	choices []choiceRow
	used    bool
}

type choiceRow struct {
	row   int
	name  string
	label schema.Label
	age   string // x-age, "min-max", for age bands
}

// integers reports whether every code is an integer: such a list is the
// integer-coded scale of a select_one (1–4 difficulty scales).
func (l *choiceList) integers() bool {
	for _, c := range l.choices {
		if !integerCode.MatchString(c.name) {
			return false
		}
	}
	return len(l.choices) > 0
}

// choices reads the choices sheet.
func (rd *reader) choices(s *sheet) {
	for _, c := range s.headers {
		switch {
		case c.base == "list_name" || c.base == "list name" || c.base == "name" || c.base == "x-age":
		case c.base == "label" && (c.lang == "vi" || c.lang == "en" || c.lang == ""):
		case c.base == "label" || c.base == "media" || c.base == "image" || c.base == "audio" || c.base == "video":
			rd.warnf(s.name, 1, c.text, CodeNotKept, msg.XLSFormColumnNotKeptKhaosatUses)
		case c.base == "":
		default:
			rd.errorf(s.name, 1, c.text, CodeColumn, msg.XLSFormChoicesColumnNotSupportedExample, c.text)
		}
	}
	for _, r := range s.rows {
		list, _ := s.get(r, "list_name", "")
		if list == "" {
			list, _ = s.get(r, "list name", "")
		}
		name, nameCol := s.get(r, "name", "")
		if list == "" {
			rd.errorf(s.name, r.num, "list_name", CodeChoices, msg.XLSFormListNameMissing)
			continue
		}
		if name == "" {
			rd.errorf(s.name, r.num, nameCol, CodeChoices, msg.XLSFormChoiceSCodeNameMissing)
			continue
		}
		l := rd.lists[list]
		if l == nil {
			l = &choiceList{name: list, row: r.num}
			rd.lists[list] = l
		}
		for _, c := range l.choices {
			if c.name == name {
				rd.errorf(s.name, r.num, nameCol, CodeChoices, msg.XLSFormCodeRepeatsListRow,
					name, list, c.row)
			}
		}
		lbl, missing, _ := rd.bilingual(s, r, "label")
		for _, m := range missing {
			rd.errorf(s.name, r.num, m, CodeLabel, msg.XLSFormChoiceNeedsVietnameseEnglishLabel)
		}
		age, _ := s.get(r, "x-age", "")
		l.choices = append(l.choices, choiceRow{row: r.num, name: text(name), label: lbl, age: age})
	}
}
