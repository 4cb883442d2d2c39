package schema

import (
	"regexp"
	"strconv"
)

// This file holds the linter's walk over the form's objects and fields.

// codeRE is what a string choice code looks like: snake_case, or the
// hyphenated age bands ("2-4").
var codeRE = regexp.MustCompile(`^[a-z0-9]+([_-][a-z0-9]+)*$`)

// object checks an object schema (the root or a repeat's items) at ptr in
// the document; dataPath is where its answers sit ("" for the root).
func (l *linter) object(obj map[string]any, ptr, dataPath string) {
	if obj["additionalProperties"] != false {
		l.errorf(ptr, LintAdditional, "Đối tượng phải có additionalProperties: false.", "An object must have additionalProperties: false.")
	}
	props, _ := obj["properties"].(map[string]any)
	l.order(obj, props, ptr)
	for i, n := range stringList(obj["required"]) {
		if _, ok := props[n]; !ok {
			l.errorf(ptr+"/required/"+strconv.Itoa(i), LintRequiredUnknown, "required nêu %q, không phải là trường của đối tượng này.",
				"required names %q, which is not a property of this object.", n, n)
		}
	}
	kinds := map[string]map[string]any{} // name → resolved property schema
	for _, name := range sortedKeys(props) {
		at := appendPointer(ptr+"/properties", name)
		if !snakeCase.MatchString(name) {
			l.errorf(at, LintFieldName, "Tên trường %q phải là snake_case ASCII.", "Field name %q must be ASCII snake_case.", name, name)
		}
		if dataPath == "" && envelopeNames[name] {
			l.errorf(at, LintEnvelope, "%q thuộc phần chung (envelope) của phiếu, không được định nghĩa lại trong biểu mẫu.",
				"%q is an envelope field and must not be redefined in a form.", name, name)
		}
		s, ok := props[name].(map[string]any)
		if !ok {
			continue // a boolean schema is not a question
		}
		if r := l.field(s, at, appendPointer(dataPath, name)); r != nil {
			kinds[name] = r
		}
	}
	for _, name := range sortedKeys(props) {
		if s := kinds[name]; s != nil {
			l.ageBands(s, appendPointer(ptr+"/properties", name), kinds)
		}
	}
	l.rules(obj, ptr, kinds)
}

// order checks that x-order lists each property exactly once.
func (l *linter) order(obj, props map[string]any, ptr string) {
	raw, ok := obj["x-order"]
	if !ok {
		if len(props) > 0 {
			l.errorf(ptr, LintOrder, "Thiếu x-order (thứ tự các câu hỏi).", "x-order (the order of the questions) is missing.")
		}
		return
	}
	list, ok := raw.([]any)
	if !ok {
		l.errorf(ptr+"/x-order", LintOrder, "x-order phải là danh sách tên trường.", "x-order must be a list of property names.")
		return
	}
	seen := map[string]bool{}
	for i, v := range list {
		at := ptr + "/x-order/" + strconv.Itoa(i)
		n, ok := v.(string)
		switch {
		case !ok:
			l.errorf(at, LintOrder, "x-order phải là danh sách tên trường.", "x-order must be a list of property names.")
		case seen[n]:
			l.errorf(at, LintOrder, "x-order nêu %q hai lần.", "x-order names %q twice.", n, n)
		case props[n] == nil:
			l.errorf(at, LintOrder, "x-order nêu %q, không phải là trường.", "x-order names %q, which is not a property.", n, n)
		}
		seen[n] = true
	}
	for _, n := range sortedKeys(props) {
		if !seen[n] {
			l.errorf(ptr+"/x-order", LintOrder, "x-order thiếu %q.", "x-order leaves out %q.", n, n)
		}
	}
}

// field checks one property schema and returns it resolved, or nil when
// it cannot be read.
func (l *linter) field(s map[string]any, ptr, dataPath string) map[string]any {
	a := annotator{root: l.root}
	s, err := a.resolve(s)
	if err != nil {
		l.errorf(ptr, LintCompile, "$ref không hợp lệ: %v.", "Bad $ref: %v.", err, err)
		return nil
	}
	l.label(s, ptr+"/x-label", "x-label")
	if h, ok := s["x-hint"]; ok {
		l.labelValue(h, ptr+"/x-hint")
	}
	typ := schemaType(s)
	_, hasEnum := s["enum"]
	_, hasChoices := s["x-choices"]
	if s["x-repeat"] == true && typ != "array" {
		l.errorf(ptr+"/x-repeat", LintMisplacedAnnotation, "x-repeat chỉ dành cho trường kiểu array.", "x-repeat is for array fields only.")
	}
	if _, ok := s["x-age"]; ok {
		if typ != "string" || s["format"] != "date" {
			l.errorf(ptr+"/x-age", LintMisplacedAnnotation, "x-age chỉ dành cho trường ngày (format date).", "x-age is for date fields (format date) only.")
		} else if _, err := parseAgeRange(s["x-age"]); err != nil {
			l.errorf(ptr+"/x-age", LintAnnotationValue, "x-age: %v.", "x-age: %v.", err, err)
		}
	}
	if raw, ok := s["x-ref"]; ok {
		if v, _ := raw.(string); v != RefChild && v != RefHousehold {
			l.errorf(ptr+"/x-ref", LintAnnotationValue, "x-ref chỉ được là %q hoặc %q.", "x-ref must be %q or %q.", RefChild, RefHousehold, RefChild, RefHousehold)
		} else if typ != "string" || s["format"] != "uuid" {
			l.errorf(ptr+"/x-ref", LintAnnotationValue, "x-ref chỉ dành cho trường văn bản có format uuid.", "x-ref is for text fields of format uuid only.")
		}
	}
	switch {
	case typ == "array":
		l.arrayField(s, ptr, dataPath)
	case hasEnum || hasChoices:
		l.choices(s, ptr)
	case typ == "object":
		l.object(s, ptr, dataPath)
	case typ == "string", typ == "integer", typ == "number", typ == "boolean":
		if _, ok := s["x-order"]; ok {
			l.errorf(ptr+"/x-order", LintMisplacedAnnotation, "x-order chỉ dành cho đối tượng.", "x-order is for objects only.")
		}
	default:
		l.errorf(ptr, LintFieldKind, "Không xác định được loại câu hỏi: cần type string, integer, number, boolean, array hoặc object.",
			"Cannot tell the kind of question: it needs type string, integer, number, boolean, array or object.")
	}
	return s
}

// arrayField checks a repeat or a multiple choice.
func (l *linter) arrayField(s map[string]any, ptr, dataPath string) {
	items, ok := s["items"].(map[string]any)
	if !ok {
		l.errorf(ptr, LintFieldKind, "Trường kiểu array cần lược đồ items.", "An array field needs an items schema.")
		return
	}
	a := annotator{root: l.root}
	items, err := a.resolve(items)
	if err != nil {
		l.errorf(ptr+"/items", LintCompile, "$ref không hợp lệ: %v.", "Bad $ref: %v.", err, err)
		return
	}
	_, itemEnum := items["enum"]
	_, itemChoices := items["x-choices"]
	switch {
	case s["x-repeat"] == true || schemaType(items) == "object":
		if s["x-repeat"] != true {
			l.errorf(ptr, LintFieldKind, "Nhóm lặp (array của object) cần x-repeat: true.", "A repeat (an array of objects) needs x-repeat: true.")
		}
		if schemaType(items) != "object" {
			l.errorf(ptr+"/items", LintFieldKind, "items của nhóm lặp phải có type object.", "A repeat's items must have type object.")
			return
		}
		l.object(items, ptr+"/items", dataPath+"/*")
	case itemEnum || itemChoices:
		if s["uniqueItems"] != true {
			l.errorf(ptr, LintFieldKind, "Câu hỏi nhiều lựa chọn cần uniqueItems: true.", "A multiple choice needs uniqueItems: true.")
		}
		l.choices(items, ptr+"/items")
	default:
		l.errorf(ptr, LintFieldKind, "Trường array phải là nhóm lặp (x-repeat) hoặc nhiều lựa chọn (items có enum).",
			"An array field must be a repeat (x-repeat) or a multiple choice (items with enum).")
	}
}

// choices checks that enum has x-choices with the same codes, in the same
// order, each labelled in vi and en.
func (l *linter) choices(s map[string]any, ptr string) {
	enum, ok := s["enum"].([]any)
	if !ok {
		l.errorf(ptr, LintChoices, "x-choices cần enum bên cạnh.", "x-choices needs an enum beside it.")
		return
	}
	list, ok := s["x-choices"].([]any)
	if !ok {
		l.errorf(ptr+"/enum", LintChoices, `enum cần x-choices: danh sách {"code", "vi", "en"}.`, `An enum needs x-choices: a list of {"code", "vi", "en"}.`)
		return
	}
	if len(list) != len(enum) {
		l.errorf(ptr+"/x-choices", LintChoices, "x-choices có %d mã, enum có %d.", "x-choices has %d codes, enum %d.",
			len(list), len(enum), len(list), len(enum))
	}
	seen := map[any]bool{}
	for i, v := range enum {
		c, err := choiceCode(v)
		at := ptr + "/enum/" + strconv.Itoa(i)
		switch {
		case err != nil:
			l.errorf(at, LintChoices, "Mã lựa chọn phải là chuỗi hoặc số nguyên.", "A choice code must be a string or an integer.")
		case seen[c]:
			l.errorf(at, LintChoices, "Mã %v lặp lại.", "Code %v appears twice.", c, c)
		default:
			if str, ok := c.(string); ok && !codeRE.MatchString(str) {
				l.warnf(at, LintChoices, "Mã %q nên là snake_case ASCII.", "Code %q should be ASCII snake_case.", str, str)
			}
		}
		seen[c] = true
	}
	for i, item := range list {
		at := ptr + "/x-choices/" + strconv.Itoa(i)
		m, ok := item.(map[string]any)
		if !ok {
			l.errorf(at, LintChoices, `Mỗi lựa chọn phải là {"code", "vi", "en"}.`, `Each choice must be {"code", "vi", "en"}.`)
			continue
		}
		c, err := choiceCode(m["code"])
		if err != nil {
			l.errorf(at+"/code", LintChoices, "Mã lựa chọn phải là chuỗi hoặc số nguyên.", "A choice code must be a string or an integer.")
		} else if i < len(enum) {
			if e, err := choiceCode(enum[i]); err == nil && e != c {
				l.errorf(at+"/code", LintChoices, "Mã %v khác enum[%d] (%v); x-choices phải theo đúng thứ tự của enum.",
					"Code %v differs from enum[%d] (%v); x-choices must follow the order of enum.", c, i, e, c, i, e)
			}
		}
		l.labelValue(m, at)
	}
}

// ageBands checks x-age-bands: a choice whose codes are the bands, which
// names a sibling date field.
func (l *linter) ageBands(s map[string]any, ptr string, siblings map[string]map[string]any) {
	raw, ok := s["x-age-bands"]
	if !ok {
		return
	}
	at := ptr + "/x-age-bands"
	b, err := parseAgeBands(raw)
	if err != nil {
		l.errorf(at, LintAnnotationValue, "x-age-bands: %v.", "x-age-bands: %v.", err, err)
		return
	}
	enum, ok := s["enum"].([]any)
	if !ok {
		l.errorf(at, LintMisplacedAnnotation, "x-age-bands chỉ dành cho câu hỏi một lựa chọn.", "x-age-bands is for single-choice fields only.")
		return
	}
	if from := siblings[b.From]; from == nil || from["format"] != "date" {
		l.errorf(at+"/from", LintAnnotationValue, "x-age-bands.from %q không phải là trường ngày cùng cấp.",
			"x-age-bands.from %q is not a sibling date field.", b.From, b.From)
	}
	codes := map[string]bool{}
	for _, v := range enum {
		code, _ := v.(string)
		codes[code] = true
		if _, ok := b.Bands[code]; !ok {
			l.errorf(at+"/bands", LintAnnotationValue, "x-age-bands thiếu nhóm cho lựa chọn %q.", "x-age-bands has no band for choice %q.", code, code)
		}
	}
	for code := range b.Bands {
		if !codes[code] {
			l.errorf(appendPointer(at+"/bands", code), LintAnnotationValue, "Nhóm %q không phải là một lựa chọn.", "Band %q is not a choice.", code, code)
		}
	}
}

// rules checks the if/then rules of an object: each if tests declared
// fields with values they can take, and requires them; each then names
// declared fields.
func (l *linter) rules(obj map[string]any, ptr string, fields map[string]map[string]any) {
	type rule struct {
		s   map[string]any
		ptr string
	}
	rs := []rule{{obj, ptr}}
	all, _ := obj["allOf"].([]any)
	for i, r := range all {
		if m, ok := r.(map[string]any); ok {
			rs = append(rs, rule{m, ptr + "/allOf/" + strconv.Itoa(i)})
		}
	}
	for _, r := range rs {
		cond, ok := r.s["if"].(map[string]any)
		if !ok {
			continue
		}
		required := map[string]bool{}
		for _, n := range stringList(cond["required"]) {
			required[n] = true
		}
		tested, _ := cond["properties"].(map[string]any)
		for _, n := range sortedKeys(tested) {
			at := appendPointer(r.ptr+"/if/properties", n)
			f := fields[n]
			if f == nil {
				l.errorf(at, LintUnreachable, "Điều kiện xét %q, không phải là trường: quy tắc không bao giờ áp dụng.",
					"The condition tests %q, which is not a field: the rule can never apply.", n, n)
				continue
			}
			if !required[n] {
				l.warnf(r.ptr+"/if", LintConditionUnrequired, "Điều kiện nên require %q; nếu không, phiếu bỏ trống trường này cũng kích hoạt quy tắc.",
					"The condition should require %q; otherwise a submission without it triggers the rule.", n, n)
			}
			l.reachable(f, tested[n], at)
		}
		then, _ := r.s["then"].(map[string]any)
		for i, n := range stringList(then["required"]) {
			if fields[n] == nil {
				l.errorf(r.ptr+"/then/required/"+strconv.Itoa(i), LintRequiredUnknown, "then.required nêu %q, không phải là trường.",
					"then.required names %q, which is not a field.", n, n)
			}
		}
		thenProps, _ := then["properties"].(map[string]any)
		for _, n := range sortedKeys(thenProps) {
			if fields[n] == nil {
				l.errorf(appendPointer(r.ptr+"/then/properties", n), LintRequiredUnknown, "then.properties nêu %q, không phải là trường.",
					"then.properties names %q, which is not a field.", n, n)
			}
		}
	}
}

// reachable reports a condition on a choice field whose const or enum
// holds no code the field can take.
func (l *linter) reachable(field map[string]any, cond any, ptr string) {
	c, ok := cond.(map[string]any)
	enum, isChoice := field["enum"].([]any)
	if !ok || !isChoice {
		return
	}
	codes := map[any]bool{}
	for _, v := range enum {
		if code, err := choiceCode(v); err == nil {
			codes[code] = true
		}
	}
	var want []any
	if v, ok := c["const"]; ok {
		want = append(want, v)
	}
	if list, ok := c["enum"].([]any); ok {
		want = append(want, list...)
	}
	if len(want) == 0 {
		return
	}
	for _, v := range want {
		if code, err := choiceCode(v); err == nil && codes[code] {
			return
		}
	}
	l.errorf(ptr, LintUnreachable, "Điều kiện chờ một mã mà câu hỏi không có: quy tắc không bao giờ áp dụng.",
		"The condition expects a code the question does not have: the rule can never apply.")
}
