package xlsform

import (
	"strings"

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
			rd.errorf(s.name, r.num, "type", CodeType, "Thiếu loại câu hỏi (type).", "The question type is missing.")
			continue
		case "begin_group":
			rd.refuseOn(s, r, "required", "constraint", "calculation")
			if l, _, any := rd.bilingual(s, r, "label"); any && (l.VI != "" || l.EN != "") {
				rd.warnf(s.name, r.num, typeCol, CodeNotKept, "khaosat không có nhóm: tiêu đề của nhóm không được giữ, các câu hỏi của nhóm được giữ theo thứ tự (điều kiện relevant của nhóm áp cho từng câu).",
					"khaosat has no groups: the group's heading is not kept; its questions are, in order (the group's relevant applies to each).")
			}
			rd.presentation(s, r)
			stack = append(stack, frame{kind: "group", row: r.num, q: top.q, relevant: rel})
			continue
		case "end_group", "end_repeat":
			want := strings.TrimPrefix(typ, "end_")
			if top.kind != want {
				rd.errorf(s.name, r.num, typeCol, CodeStructure, "%s không khớp với dòng begin nào.", "%s does not close an open begin.", raw)
				continue
			}
			stack = stack[:len(stack)-1]
			continue
		}
		q := &question{row: r.num, sheet: s.name, typ: typ, relevant: rel, typeColumn: typeCol}
		q.name, _ = s.get(r, "name", "")
		if meta, ok := metaTypes[typ]; ok {
			if meta == "" {
				rd.errorf(s.name, r.num, typeCol, CodeType, "khaosat không ghi nhật ký thao tác (audit).", "khaosat keeps no audit log of the form's screens.")
			} else {
				rd.warnf(s.name, r.num, typeCol, CodeNotKept, "Đã được ghi trong phong bì của phiếu (%s); dòng này không thành câu hỏi.",
					"Recorded by the submission's envelope (%s); this row is not a question.", meta)
			}
			continue
		}
		if typ == "geopoint" && len(stack) == 1 && !geopoint {
			geopoint = true
			rd.warnf(s.name, r.num, typeCol, CodeNotKept, "Vị trí được ghi trong phong bì của phiếu (location); dòng này không thành câu hỏi.",
				"The position is recorded by the submission's envelope (location); this row is not a question.")
			continue
		}
		if !supportedType[typ] {
			rd.errorf(s.name, r.num, typeCol, CodeType, "Loại câu hỏi «%s» không thể biểu diễn trong khaosat.", "The question type «%s» cannot be expressed in khaosat.", raw)
			continue
		}
		rd.question(s, r, q, list)
		top.q.kids = append(top.q.kids, q)
		if typ == "repeat" {
			stack = append(stack, frame{kind: "repeat", row: r.num, q: q})
		}
	}
	for _, f := range stack[1:] {
		rd.errorf(s.name, f.row, "type", CodeStructure, "begin_%s này không có end_%s.", "This begin_%s has no end_%s.", f.kind, f.kind)
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
				rd.warnf(s.name, 1, c.text, CodeNotKept, "khaosat dùng tiếng Việt và tiếng Anh; cột này không được giữ.",
					"khaosat uses Vietnamese and English; this column is not kept.")
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
		rd.errorf(s.name, r.num, "name", CodeName, "Thiếu tên (name) của câu hỏi.", "The question's name is missing.")
	} else if !snakeCase.MatchString(q.name) {
		rd.errorf(s.name, r.num, "name", CodeName, "Tên «%s» phải là chữ thường ASCII, số và dấu gạch dưới (snake_case).",
			"The name «%s» must be ASCII snake_case (lower-case letters, digits, underscores).", q.name)
	} else if envelopeNames[q.name] {
		rd.errorf(s.name, r.num, "name", CodeName, "«%s» là một trường của phong bì phiếu, không được dùng làm tên câu hỏi.",
			"«%s» is a field of the submission's envelope and cannot name a question.", q.name)
	}
	lbl, missing, _ := rd.bilingual(s, r, "label")
	for _, m := range missing {
		rd.errorf(s.name, r.num, m, CodeLabel, "Câu hỏi cần nhãn tiếng Việt và tiếng Anh.", "A question needs a Vietnamese and an English label.")
	}
	q.label = lbl
	if h, missing, any := rd.bilingual(s, r, "hint"); any {
		for _, m := range missing {
			rd.errorf(s.name, r.num, m, CodeLabel, "Gợi ý cần cả tiếng Việt và tiếng Anh.", "A hint needs both Vietnamese and English.")
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
				rd.errorf(s.name, r.num, v.col, CodeAnnotation, "x-personal phải là yes, omit hoặc để trống.", "x-personal must be yes, omit or empty.")
			} else if on {
				q.personal = true
			}
		}
	}
	if v := get("x-sensitive"); v.text != "" {
		on, ok := yes(v.text)
		if !ok {
			rd.errorf(s.name, r.num, v.col, CodeAnnotation, "x-sensitive phải là yes hoặc để trống.", "x-sensitive must be yes or empty.")
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
		rd.errorf(s.name, r.num, q.ref.col, CodeAnnotation, "x-ref chỉ dùng cho câu hỏi text.", "x-ref is for text questions only.")
	case q.ref.text != "" && calc.text != "":
		rd.errorf(s.name, r.num, calc.col, CodeColumn, "Câu hỏi có x-ref được chọn từ sổ theo dõi, không tự sinh: bỏ calculation.",
			"A question with x-ref is picked from the registry, never generated: remove the calculation.")
	case q.ref.text != "" && q.ref.text != schema.RefChild && q.ref.text != schema.RefHousehold:
		rd.errorf(s.name, r.num, q.ref.col, CodeAnnotation, "x-ref phải là %s hoặc %s.", "x-ref must be %s or %s.", schema.RefChild, schema.RefHousehold)
	case q.ref.text != "":
		q.typ = "uuid"
	}
	switch {
	case strings.ReplaceAll(calc.text, " ", "") == "uuid()" && (q.typ == "text" || q.typ == "calculate"):
		q.typ = "uuid"
	case q.typ == "calculate":
		rd.errorf(s.name, r.num, calc.col, CodeType, "Chỉ hỗ trợ calculate với uuid() (mã định danh tự sinh).",
			"Only calculate with uuid() (a generated identifier) is supported.")
	case calc.text != "":
		rd.errorf(s.name, r.num, calc.col, CodeColumn, "Chỉ hỗ trợ calculation uuid() trên câu hỏi text.", "Only the calculation uuid() on a text question is supported.")
	}
	if q.accept != "" && q.typ != "image" {
		rd.errorf(s.name, r.num, "body::accept", CodeColumn, "body::accept chỉ dùng cho câu hỏi image.", "body::accept is for image questions only.")
	}
	switch q.typ {
	case "select_one?", "select_multiple?":
		rd.errorf(s.name, r.num, q.typeColumn, CodeType, "Cần đúng một tên danh sách sau %s (or_other không được hỗ trợ).",
			"Exactly one list name must follow %s (or_other is not supported).", strings.TrimSuffix(q.typ, "?"))
	case "select_one", "select_multiple":
		q.list = rd.lists[listName]
		if q.list == nil {
			rd.errorf(s.name, r.num, q.typeColumn, CodeChoices, "Không có danh sách «%s» trong trang choices.", "The choices sheet has no list «%s».", listName)
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
				rd.warnf(s.name, r.num, c.text, CodeNotKept, "Chỉ là cách trình bày; khaosat không giữ cột này.", "Presentation only; khaosat does not keep this column.")
			}
		case c.base == "type" || c.base == "name" || c.base == "required" || c.base == "relevant" || c.base == "relevance" ||
			c.base == "constraint" || c.base == "calculation" || c.base == "x-personal" || c.base == "x-sensitive" ||
			c.base == "x-age" || c.base == "x-age-from" || c.base == "x-ref" || c.base == "body::accept" || (c.base == "body" && c.lang == "accept"):
		default:
			rd.errorf(s.name, r.num, c.text, CodeColumn, "khaosat không biểu diễn được cột «%s».", "khaosat cannot express the column «%s».", c.text)
		}
	}
}

// presentation warns of the presentational columns of a group row.
func (rd *reader) presentation(s *sheet, r row) {
	for i, c := range s.headers {
		if i < len(r.cells) && strings.TrimSpace(r.cells[i]) != "" && presentational[c.base] {
			rd.warnf(s.name, r.num, c.text, CodeNotKept, "Chỉ là cách trình bày; khaosat không giữ cột này.", "Presentation only; khaosat does not keep this column.")
		}
	}
}

// refuseOn refuses values in the named columns of a row.
func (rd *reader) refuseOn(s *sheet, r row, cols ...string) {
	for _, c := range cols {
		if v, col := s.get(r, c, ""); v != "" {
			rd.errorf(s.name, r.num, col, CodeColumn, "Cột %s không dùng được cho nhóm.", "The %s column cannot be used on a group.", c)
		}
	}
}
