package xlsform

import (
	"strings"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// question is a survey row that becomes a field (or a repeat).
type question struct {
	row         int
	sheet       string
	typ         string // text, integer, decimal, date, datetime, image, select_one, select_multiple, repeat, uuid
	list        *choiceList
	name        string
	label       schema.Label
	hint        *schema.Label
	required    cell
	relevant    []cell // of enclosing groups, then its own
	constraint  cell
	personal    any // true or "omit"
	sensitive   bool
	age         cell // x-age on a date
	ageFrom     cell // x-age-from on an age-band select_one
	accept      string
	ref         cell        // x-ref on a text question: the registry record kind it names
	kids        []*question // a repeat's questions
	typeColumn  string
	labelColumn string
}

// cell is a non-empty cell with its place, for messages.
type cell struct {
	row  int
	col  string
	text string
}

// envelopeNames are the envelope's fields: a question may not take them.
var envelopeNames = map[string]bool{"id": true, "form_version": true, "unit": true, "survey_date": true,
	"started_at": true, "ended_at": true, "device_id": true, "location": true}

// metaTypes are ODK's automatic metadata: khaosat's envelope records
// them (started_at, ended_at, survey_date, device_id, location) or, for
// the collector's identity, the account that sends the submission.
var metaTypes = map[string]string{"start": "started_at", "end": "ended_at", "today": "survey_date", "deviceid": "device_id",
	"start-geopoint": "location", "username": "the collector's account", "audit": ""}

// survey reads the survey sheet into the root's questions.
func (rd *reader) survey(s *sheet) []*question {
	rd.surveyColumns(s)
	type frame struct {
		kind     string // root, group, repeat
		row      int
		q        *question // the repeat
		relevant []cell    // the enclosing groups' relevance, inside this repeat
	}
	root := &question{typ: "repeat"}
	stack := []frame{{kind: "root", q: root}}
	geopoint := false
	for _, r := range s.rows {
		top := &stack[len(stack)-1]
		raw, typeCol := s.get(r, "type", "")
		typ, list := normaliseType(raw)
		relevant, relCol := s.get(r, "relevant", "")
		if relevant == "" {
			relevant, relCol = s.get(r, "relevance", "")
		}
		var rel []cell
		rel = append(rel, top.relevant...)
		if relevant != "" {
			rel = append(rel, cell{r.num, relCol, relevant})
		}
		switch typ {
		case "":
			rd.errorf(s.name, r.num, "type", CodeType, msg.XLSFormQuestionTypeMissing)
			continue
		case "begin_group":
			rd.refuseOn(s, r, "required", "constraint", "calculation")
			if l, _, any := rd.bilingual(s, r, "label"); any && (l.VI != "" || l.EN != "") {
				rd.warnf(s.name, r.num, typeCol, CodeNotKept, msg.XLSFormKhaosatHasGroupsGroupS)
			}
			rd.presentation(s, r)
			stack = append(stack, frame{kind: "group", row: r.num, q: top.q, relevant: rel})
			continue
		case "end_group", "end_repeat":
			want := strings.TrimPrefix(typ, "end_")
			if top.kind != want {
				rd.errorf(s.name, r.num, typeCol, CodeStructure, msg.XLSFormDoesNotCloseOpenBegin, raw)
				continue
			}
			stack = stack[:len(stack)-1]
			continue
		}
		q := &question{row: r.num, sheet: s.name, typ: typ, relevant: rel, typeColumn: typeCol}
		q.name, _ = s.get(r, "name", "")
		if meta, ok := metaTypes[typ]; ok {
			if meta == "" {
				rd.errorf(s.name, r.num, typeCol, CodeType, msg.XLSFormKhaosatKeepsAuditLogForm)
			} else {
				rd.warnf(s.name, r.num, typeCol, CodeNotKept, msg.XLSFormRecordedSubmissionSEnvelopeRow, meta)
			}
			continue
		}
		if typ == "geopoint" && len(stack) == 1 && !geopoint {
			geopoint = true
			rd.warnf(s.name, r.num, typeCol, CodeNotKept, msg.XLSFormPositionRecordedSubmissionSEnvelope)
			continue
		}
		if !supportedType[typ] {
			rd.errorf(s.name, r.num, typeCol, CodeType, msg.XLSFormTypeNotExpressible, raw)
			continue
		}
		rd.question(s, r, q, list)
		top.q.kids = append(top.q.kids, q)
		if typ == "repeat" {
			stack = append(stack, frame{kind: "repeat", row: r.num, q: q})
		}
	}
	for _, f := range stack[1:] {
		rd.errorf(s.name, f.row, "type", CodeStructure, msg.XLSFormBeginHasEnd, f.kind, f.kind)
	}
	return root.kids
}

// supportedType are the row types that become fields.
var supportedType = map[string]bool{"text": true, "integer": true, "decimal": true, "date": true, "datetime": true, "image": true,
	"select_one": true, "select_multiple": true, "repeat": true, "calculate": true}

// normaliseType reads a type cell: "select one yes_no" and
// "select_one yes_no" are the same; "begin repeat" is "repeat".
func normaliseType(raw string) (typ, list string) {
	f := strings.Fields(raw)
	if len(f) == 0 {
		return "", ""
	}
	head := strings.ToLower(f[0])
	switch {
	case head == "begin" && len(f) > 1:
		head = "begin_" + strings.ToLower(f[1])
	case head == "end" && len(f) > 1:
		head = "end_" + strings.ToLower(f[1])
	case head == "select" && len(f) > 3 && strings.ToLower(f[1]) == "one" && strings.ToLower(f[2]) == "from":
		head, f = "select_one", append([]string{"select_one"}, f[3:]...)
	case head == "select" && len(f) > 5 && strings.ToLower(strings.Join(f[1:5], " ")) == "all that apply from":
		head, f = "select_multiple", append([]string{"select_multiple"}, f[5:]...)
	case head == "select" && len(f) > 2 && strings.ToLower(f[1]) == "one":
		head, f = "select_one", append([]string{"select_one"}, f[2:]...)
	case head == "select" && len(f) > 4 && strings.ToLower(strings.Join(f[1:4], " ")) == "all that apply":
		head, f = "select_multiple", append([]string{"select_multiple"}, f[4:]...)
	case head == "select_all_that_apply":
		head = "select_multiple"
	}
	switch head {
	case "begin_repeat", "begin_loop":
		return "repeat", ""
	case "int":
		return "integer", ""
	case "datetime":
		return "datetime", ""
	case "select_one", "select_multiple":
		if len(f) == 2 {
			return head, f[1]
		}
		return head + "?", strings.Join(f[1:], " ")
	}
	return head, ""
}

// surveyColumns refuses the columns khaosat cannot honour and warns of the
// presentational ones it leaves out.
func (rd *reader) surveyColumns(s *sheet) {
	for _, c := range s.headers {
		switch c.base {
		case "type", "name", "required", "relevant", "relevance", "constraint", "calculation", "x-personal", "x-sensitive", "x-age", "x-age-from", "x-ref", "body::accept", "":
		case "label", "hint":
			if c.lang != "vi" && c.lang != "en" && c.lang != "" {
				rd.warnf(s.name, 1, c.text, CodeNotKept, msg.XLSFormKhaosatUsesVietnameseEnglishColumn)
			}
		}
	}
}

// presentational columns are kept by no form of khaosat: their values
// raise a warning, not an error.
var presentational = map[string]bool{"appearance": true, "constraint_message": true, "required_message": true, "guidance_hint": true,
	"media": true, "image": true, "audio": true, "video": true, "big-image": true, "autoplay": true}

// question reads one row into q.
func (rd *reader) question(s *sheet, r row, q *question, listName string) {
	if q.name == "" {
		rd.errorf(s.name, r.num, "name", CodeName, msg.XLSFormQuestionSNameMissing)
	} else if !snakeCase.MatchString(q.name) {
		rd.errorf(s.name, r.num, "name", CodeName, msg.XLSFormNameAsciiSnakeCaseLower, q.name)
	} else if envelopeNames[q.name] {
		rd.errorf(s.name, r.num, "name", CodeName, msg.XLSFormFieldSubmissionSEnvelopeName, q.name)
	}
	lbl, missing, _ := rd.bilingual(s, r, "label")
	for _, m := range missing {
		rd.errorf(s.name, r.num, m, CodeLabel, msg.XLSFormQuestionNeedsVietnameseEnglishLabel)
	}
	q.label = lbl
	if h, missing, any := rd.bilingual(s, r, "hint"); any {
		for _, m := range missing {
			rd.errorf(s.name, r.num, m, CodeLabel, msg.XLSFormHintNeedsBothVietnameseEnglish)
		}
		q.hint = &h
	}
	get := func(base string) cell {
		v, col := s.get(r, base, "")
		return cell{r.num, col, v}
	}
	q.required, q.constraint, q.age, q.ageFrom = get("required"), get("constraint"), get("x-age"), get("x-age-from")
	if v := get("x-personal"); v.text != "" {
		switch strings.ToLower(v.text) {
		case "omit":
			q.personal = schema.PersonalOmit
		default:
			if on, ok := yes(v.text); !ok {
				rd.errorf(s.name, r.num, v.col, CodeAnnotation, msg.XLSFormXPersonalYesOmitEmpty)
			} else if on {
				q.personal = true
			}
		}
	}
	if v := get("x-sensitive"); v.text != "" {
		on, ok := yes(v.text)
		if !ok {
			rd.errorf(s.name, r.num, v.col, CodeAnnotation, msg.XLSFormXSensitiveYesEmpty)
		}
		q.sensitive = on
	}
	q.accept, _ = s.get(r, "body", "accept")
	if v, _ := s.get(r, "body::accept", ""); v != "" {
		q.accept = v
	}
	calc := get("calculation")
	q.ref = get("x-ref")
	switch {
	case q.ref.text != "" && q.typ != "text":
		rd.errorf(s.name, r.num, q.ref.col, CodeAnnotation, msg.XLSFormXRefTextQuestions)
	case q.ref.text != "" && calc.text != "":
		rd.errorf(s.name, r.num, calc.col, CodeColumn, msg.XLSFormQuestionXRefPickedFrom)
	case q.ref.text != "" && q.ref.text != schema.RefChild && q.ref.text != schema.RefHousehold:
		rd.errorf(s.name, r.num, q.ref.col, CodeAnnotation, msg.XLSFormRefValue, schema.RefChild, schema.RefHousehold)
	case q.ref.text != "":
		q.typ = "uuid"
	}
	switch {
	case strings.ReplaceAll(calc.text, " ", "") == "uuid()" && (q.typ == "text" || q.typ == "calculate"):
		q.typ = "uuid"
	case q.typ == "calculate":
		rd.errorf(s.name, r.num, calc.col, CodeType, msg.XLSFormCalculateUuidGeneratedIdentifierSupported)
	case calc.text != "":
		rd.errorf(s.name, r.num, calc.col, CodeColumn, msg.XLSFormCalculationUuidTextQuestionSupported)
	}
	if q.accept != "" && q.typ != "image" {
		rd.errorf(s.name, r.num, "body::accept", CodeColumn, msg.XLSFormBodyAcceptImageQuestions)
	}
	switch q.typ {
	case "select_one?", "select_multiple?":
		rd.errorf(s.name, r.num, q.typeColumn, CodeType, msg.XLSFormExactlyOneListNameFollow, strings.TrimSuffix(q.typ, "?"))
	case "select_one", "select_multiple":
		q.list = rd.lists[listName]
		if q.list == nil {
			rd.errorf(s.name, r.num, q.typeColumn, CodeChoices, msg.XLSFormNoSuchList, listName)
		} else {
			q.list.used = true
		}
	}
	for i, c := range s.headers {
		if i >= len(r.cells) || strings.TrimSpace(r.cells[i]) == "" {
			continue
		}
		switch {
		case presentational[c.base] || strings.HasPrefix(c.base, "media") || c.base == "label" || c.base == "hint":
			if c.base != "label" && c.base != "hint" {
				rd.warnf(s.name, r.num, c.text, CodeNotKept, msg.XLSFormPresentationKhaosatDoesNotKeep)
			}
		case c.base == "type" || c.base == "name" || c.base == "required" || c.base == "relevant" || c.base == "relevance" ||
			c.base == "constraint" || c.base == "calculation" || c.base == "x-personal" || c.base == "x-sensitive" ||
			c.base == "x-age" || c.base == "x-age-from" || c.base == "x-ref" || c.base == "body::accept" || (c.base == "body" && c.lang == "accept"):
		default:
			rd.errorf(s.name, r.num, c.text, CodeColumn, msg.XLSFormColumnNotExpressible, c.text)
		}
	}
}

// presentation warns of the presentational columns of a group row.
func (rd *reader) presentation(s *sheet, r row) {
	for i, c := range s.headers {
		if i < len(r.cells) && strings.TrimSpace(r.cells[i]) != "" && presentational[c.base] {
			rd.warnf(s.name, r.num, c.text, CodeNotKept, msg.XLSFormPresentationKhaosatDoesNotKeep)
		}
	}
}

// refuseOn refuses values in the named columns of a row.
func (rd *reader) refuseOn(s *sheet, r row, cols ...string) {
	for _, c := range cols {
		if v, col := s.get(r, c, ""); v != "" {
			rd.errorf(s.name, r.num, col, CodeColumn, msg.XLSFormColumnUsedGroup, c)
		}
	}
}
