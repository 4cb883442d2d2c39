package plan

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// The columns of a targets CSV file, in any order; indicator, unit,
// period and value are required, the others may be absent or empty.
var csvColumns = []string{"indicator", "unit", "period", "value", "better", "baseline_value", "baseline_period"}

// MaxCSV is the largest targets file read, in bytes.
const MaxCSV = 4 << 20

// ImportCSV reads a targets CSV file (a header row, then one target per
// row) and imports it whole or not at all. Errors name the row by its
// line in the file: /rows/{line}/{column} (the header is line 1).
func (s *Service) ImportCSV(ctx context.Context, a survey.Actor, r io.Reader) ([]*Target, error) {
	if !canSetTargets(a) {
		return nil, forbiddenTargets()
	}
	rows, lines, pre, err := ParseCSV(r)
	if err != nil {
		return nil, err
	}
	return s.importRows(ctx, a, rows, func(i int) string { return "/rows/" + strconv.Itoa(lines[i]) }, pre)
}

// ParseCSV reads a targets CSV file into inputs, the line of each, and
// the cells it could not read (/rows/{line}/{column}). A file that is
// not such a CSV at all is an error of its own.
func ParseCSV(r io.Reader) ([]TargetInput, []int, []survey.FieldError, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxCSV+1))
	if err != nil {
		return nil, nil, nil, err
	}
	if len(b) > MaxCSV {
		return nil, nil, nil, survey.Errorf(survey.CodeTooLarge, msg.PlanFileTooLarge)
	}
	if !utf8.Valid(b) {
		return nil, nil, nil, fileErr("encoding", msg.PlanFileEncoding)
	}
	text := strings.TrimPrefix(string(b), "\ufeff") // a spreadsheet's byte order mark
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, nil, fileErr("empty", msg.PlanFileEmpty)
	}
	if err != nil {
		return nil, nil, nil, fileErr("csv", msg.PlanFileHeader)
	}
	col := map[string]int{}
	var fe []survey.FieldError
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		known := false
		for _, c := range csvColumns {
			known = known || c == h
		}
		if !known {
			fe = append(fe, fieldErr("/rows/1/"+h, "unknown_column", msg.PlanColumnUnknown, h))
			continue
		}
		col[h] = i
	}
	for _, c := range csvColumns[:4] {
		if _, ok := col[c]; !ok {
			fe = append(fe, fieldErr("/rows/1/"+c, "missing_column", msg.PlanColumnMissing, c))
		}
	}
	if len(fe) > 0 {
		return nil, nil, nil, invalid(fe)
	}
	var rows []TargetInput
	var lines []int
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, nil, nil, invalid([]survey.FieldError{fieldErr("/rows/"+strconv.Itoa(line), "csv", msg.PlanLineNotCSV, line)})
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue // a blank line
		}
		prefix := "/rows/" + strconv.Itoa(line) + "/"
		num := func(c string) *float64 {
			v := get(c)
			if v == "" {
				return nil
			}
			x, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
			if err != nil {
				fe = append(fe, fieldErr(prefix+c, "number", msg.PlanNotNumber, v))
				return nil
			}
			return &x
		}
		rows = append(rows, TargetInput{Indicator: get("indicator"), Unit: get("unit"), Period: get("period"), Value: num("value"),
			Better: get("better"), BaselineValue: num("baseline_value"), BaselinePeriod: get("baseline_period")})
		lines = append(lines, line)
	}
	return rows, lines, fe, nil
}

func fileErr(code string, key msg.Key, args ...any) *survey.Error {
	return invalid([]survey.FieldError{fieldErr("/file", code, key, args...)})
}
