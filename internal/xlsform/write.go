package xlsform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/khaosat/khaosat/internal/msg"
)

// WriteOptions steer Write.
type WriteOptions struct {
	// Version is written as the settings' version when positive.
	Version int
}

// The columns Write uses; Read reads each of them back.
var (
	surveyHeader  = []string{"type", "name", "label::vi", "label::en", "hint::vi", "hint::en", "required", "relevant", "constraint", "calculation", "body::accept", "x-personal", "x-sensitive", "x-age", "x-age-from", "x-ref"}
	choicesHeader = []string{"list_name", "name", "label::vi", "label::en", "x-age"}
)

// Write writes a form document as an XLSForm workbook that Read turns back
// into the same document. A form using JSON Schema that the workbook
// cannot carry is refused with an *Errors naming each place (sheet "form",
// column the JSON pointer).
func Write(w io.Writer, doc []byte, opt WriteOptions) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return fmt.Errorf("xlsform: read the form: %w", err)
	}
	wr := &writer{lists: map[string]string{}, names: map[string]bool{}}
	id, _ := root["x-form"].(string)
	title, _ := root["x-title"].(map[string]any)
	settings := [][]any{{"form_id", "form_title::vi", "form_title::en", "version", "x-sensitive-form", "x-schema-id"}}
	srow := []any{id, str(title["vi"]), str(title["en"]), "", "", ""}
	if opt.Version > 0 {
		srow[3] = fmt.Sprint(opt.Version)
	}
	if root["x-sensitive-form"] == true {
		srow[4] = "yes"
	}
	if sid, _ := root["$id"].(string); sid != DefaultSchemaID(id) {
		srow[5] = sid
	}
	settings = append(settings, srow)
	for k := range root {
		switch k {
		case "$schema", "$id", "x-form", "x-title", "x-sensitive-form":
		default:
			if !objectKeys[k] {
				wr.unsupported("/"+k, msg.XLSFormRootKeywordHasXlsformColumn, k)
			}
		}
	}
	if s, _ := root["$schema"].(string); s != "https://json-schema.org/draft/2020-12/schema" {
		wr.unsupported("/$schema", msg.XLSFormSchemaDraft202012)
	}
	wr.object(root, "")
	if len(wr.probs) > 0 {
		return &Errors{Problems: wr.probs}
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "survey"); err != nil {
		return fmt.Errorf("xlsform: %w", err)
	}
	for _, s := range []struct {
		name   string
		header []string
		rows   [][]any
	}{{"survey", surveyHeader, wr.survey}, {"choices", choicesHeader, wr.choices}, {"settings", nil, settings}} {
		if s.name != "survey" {
			if _, err := f.NewSheet(s.name); err != nil {
				return fmt.Errorf("xlsform: %w", err)
			}
		}
		rows := s.rows
		if s.header != nil {
			h := make([]any, len(s.header))
			for i, c := range s.header {
				h[i] = c
			}
			rows = append([][]any{h}, rows...)
		}
		for i, r := range rows {
			cellName, _ := excelize.CoordinatesToCellName(1, i+1)
			r := r
			if err := f.SetSheetRow(s.name, cellName, &r); err != nil {
				return fmt.Errorf("xlsform: %w", err)
			}
		}
	}
	return f.Write(w)
}

// objectKeys are the keywords of an object schema (the root or a
// repeat's items) that the survey sheet carries.
var objectKeys = map[string]bool{"type": true, "additionalProperties": true, "x-order": true, "required": true, "properties": true, "allOf": true}

type writer struct {
	survey  [][]any
	choices [][]any
	lists   map[string]string // a list's identity → its name
	names   map[string]bool   // list names taken
	probs   []Problem
}

func (wr *writer) unsupported(ptr string, key msg.Key, args ...any) {
	wr.probs = append(wr.probs, Problem{Sheet: "form", Column: ptr, Code: CodeUnsupported, Message: label(key, args...)})
}

// rowFor is one survey row, indexed by surveyHeader.
type rowFor map[string]string

func (wr *writer) add(r rowFor) {
	row := make([]any, len(surveyHeader))
	for i, c := range surveyHeader {
		row[i] = r[c]
	}
	wr.survey = append(wr.survey, row)
}

// object writes the rows of an object schema's fields.
func (wr *writer) object(o map[string]any, ptr string) {
	if o["type"] != "object" || o["additionalProperties"] != false {
		wr.unsupported(ptr, msg.XLSFormObjectNeedsTypeObjectAdditionalproperties)
	}
	for k := range o {
		if !objectKeys[k] && ptr != "" {
			wr.unsupported(ptr+"/"+k, msg.XLSFormKeywordHasXlsformColumn, k)
		}
	}
	props, _ := o["properties"].(map[string]any)
	required := map[string]bool{}
	for _, n := range strList(o["required"]) {
		required[n] = true
	}
	reqBy, forbidBy := map[string][]any{}, map[string][]any{}
	all, _ := o["allOf"].([]any)
	for i, e := range all {
		at := fmt.Sprintf("%s/allOf/%d", ptr, i)
		rule, _ := e.(map[string]any)
		then, _ := rule["then"].(map[string]any)
		if len(rule) != 2 || rule["if"] == nil || then == nil {
			wr.unsupported(at, msg.XLSFormIfThenRulesAreSupported)
			continue
		}
		for k := range then {
			if k != "required" && k != "properties" {
				wr.unsupported(at+"/then/"+k, msg.XLSFormThenMayHoldRequiredProperties)
			}
		}
		for _, n := range strList(then["required"]) {
			reqBy[n] = append(reqBy[n], rule["if"])
		}
		tp, _ := then["properties"].(map[string]any)
		for _, n := range orderedNames(o, tp) {
			if tp[n] != false {
				wr.unsupported(at+"/then/properties/"+n, msg.XLSFormThenPropertiesMayForbidField)
				continue
			}
			forbidBy[n] = append(forbidBy[n], rule["if"])
		}
	}
	for _, name := range strList(o["x-order"]) {
		ps, ok := props[name].(map[string]any)
		at := ptr + "/properties/" + name
		if !ok {
			wr.unsupported(at, msg.XLSFormFieldNeedsObjectSchema)
			continue
		}
		r := rowFor{"name": name}
		wr.requirement(r, at, required[name], reqBy[name], forbidBy[name])
		wr.field(r, ps, at)
	}
}

// orderedNames are the keys of m in the object's x-order.
func orderedNames(o, m map[string]any) []string {
	var out []string
	for _, n := range strList(o["x-order"]) {
		if _, ok := m[n]; ok {
			out = append(out, n)
		}
	}
	return out
}

// requirement fills required and relevant (see Read for the mapping).
func (wr *writer) requirement(r rowFor, at string, always bool, req, forbid []any) {
	switch {
	case always && len(req)+len(forbid) > 0:
		wr.unsupported(at, msg.XLSFormAlwaysRequiredFieldAlsoHave)
	case always:
		r["required"] = "yes"
	case len(forbid) == 0 && len(req) > 0:
		r["required"] = "yes"
		r["relevant"] = wr.join(at, req, " or ", false)
	case len(forbid) > 0:
		if len(req) > 0 {
			r["required"] = wr.join(at, req, " or ", false)
		}
		r["relevant"] = wr.join(at, forbid, " and ", true)
	}
}

// join writes conditions joined by sep, each negated if asked, each in
// parentheses when it is compound.
func (wr *writer) join(at string, conds []any, sep string, negated bool) string {
	var parts []string
	for _, c := range conds {
		var s string
		var compound bool
		var err error
		if negated {
			s, compound, err = negation(c, xlsRef)
		} else {
			s, compound, err = expression(c, xlsRef)
		}
		if err != nil {
			wr.unsupported(at, msg.XLSFormConditionWrittenXlsform, err)
			return ""
		}
		if compound && len(conds) > 1 {
			s = "(" + s + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, sep)
}

// xlsRef names a field in an XLSForm expression.
func xlsRef(name string) string { return "${" + name + "}" }

// XPath writes the condition of an if/then rule (decoded with UseNumber)
// as an XPath expression, naming each tested field with ref; the XForm
// of a form uses it with absolute paths.
func XPath(cond any, ref func(name string) string) (string, error) {
	s, _, err := expression(cond, ref)
	return s, err
}

// XPathNot writes the negation of a condition as XPath.
func XPathNot(cond any, ref func(name string) string) (string, error) {
	s, _, err := negation(cond, ref)
	return s, err
}

// negation writes "not c" as Read reads it back to c.
func negation(c any, ref func(string) string) (string, bool, error) {
	m, _ := c.(map[string]any)
	if inner, ok := m["not"]; ok && len(m) == 1 {
		return expression(inner, ref)
	}
	if name, v, ok := equalityOf(m); ok {
		return ref(name) + " != " + literal(v), false, nil
	}
	s, _, err := expression(c, ref)
	return "not(" + s + ")", false, err
}

// equalityOf recognises test(name, {const: v}).
func equalityOf(m map[string]any) (string, any, bool) {
	props, _ := m["properties"].(map[string]any)
	req := strList(m["required"])
	if len(m) != 2 || len(props) != 1 || len(req) != 1 {
		return "", nil, false
	}
	sub, _ := props[req[0]].(map[string]any)
	v, ok := sub["const"]
	if !ok || len(sub) != 1 {
		return "", nil, false
	}
	return req[0], v, true
}

// expression writes a condition; compound reports a top-level and/or.
func expression(c any, ref func(string) string) (string, bool, error) {
	m, ok := c.(map[string]any)
	if !ok {
		return "", false, fmt.Errorf("a condition must be an object")
	}
	if inner, ok := m["not"]; ok && len(m) == 1 {
		if name, v, ok := equalityOf(inner.(map[string]any)); ok {
			return ref(name) + " != " + literal(v), false, nil
		}
		s, _, err := expression(inner, ref)
		return "not(" + s + ")", false, err
	}
	for _, k := range []string{"anyOf", "allOf"} {
		list, ok := m[k].([]any)
		if !ok {
			continue
		}
		if len(m) != 1 {
			return "", false, fmt.Errorf("%s beside other keywords", k)
		}
		sep := map[string]string{"anyOf": " or ", "allOf": " and "}[k]
		var parts []string
		for _, x := range list {
			s, compound, err := expression(x, ref)
			if err != nil {
				return "", false, err
			}
			if compound {
				s = "(" + s + ")"
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, sep), len(parts) > 1, nil
	}
	props, _ := m["properties"].(map[string]any)
	req := strList(m["required"])
	if len(m) != 2 || len(props) != len(req) || len(req) == 0 {
		return "", false, fmt.Errorf("a test must require exactly the fields it tests")
	}
	var parts []string
	for _, name := range req {
		sub, ok := props[name].(map[string]any)
		if !ok {
			return "", false, fmt.Errorf("the test of %s must be an object", name)
		}
		s, err := atom(name, sub, ref)
		if err != nil {
			return "", false, err
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " and "), len(parts) > 1, nil
}

// atom writes the test of one field.
func atom(name string, sub map[string]any, refOf func(string) string) (string, error) {
	ref := refOf(name)
	if v, ok := sub["const"]; ok && len(sub) == 1 {
		return ref + " = " + literal(v), nil
	}
	if c, ok := sub["contains"].(map[string]any); ok && len(sub) == 1 {
		if v, ok := c["const"]; ok && len(c) == 1 {
			return "selected(" + ref + ", " + literal(v) + ")", nil
		}
	}
	if sub["type"] == "array" && len(sub) == 2 {
		if k, ok := sub["minItems"].(json.Number); ok {
			return "count-selected(" + ref + ") >= " + string(k), nil
		}
	}
	if (sub["type"] == "integer" || sub["type"] == "number") && len(sub) == 2 {
		for op, kw := range boundKeyword {
			if n, ok := sub[kw].(json.Number); ok {
				return ref + " " + op + " " + string(n), nil
			}
		}
	}
	return "", fmt.Errorf("the test of %s is outside the supported subset", name)
}

// literal writes a code or number as an XPath literal.
func literal(v any) string {
	switch x := v.(type) {
	case json.Number:
		return string(x)
	case string:
		if strings.Contains(x, "'") {
			return `"` + x + `"`
		}
		return "'" + x + "'"
	}
	return fmt.Sprint(v)
}

// constraintOrder is the order Write lists bounds in a constraint.
var constraintOrder = []string{"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems"}

// field writes one field's row (and a repeat's rows).
func (wr *writer) field(r rowFor, ps map[string]any, at string) {
	lbl, _ := ps["x-label"].(map[string]any)
	r["label::vi"], r["label::en"] = str(lbl["vi"]), str(lbl["en"])
	if h, ok := ps["x-hint"].(map[string]any); ok {
		r["hint::vi"], r["hint::en"] = str(h["vi"]), str(h["en"])
	}
	switch p := ps["x-personal"].(type) {
	case bool:
		r["x-personal"] = "yes"
	case string:
		r["x-personal"] = p
	}
	if ps["x-sensitive"] == true {
		r["x-sensitive"] = "yes"
	}
	if a, ok := ps["x-age"].(map[string]any); ok {
		r["x-age"] = fmt.Sprintf("%v-%v", a["min"], a["max"])
	}
	known := map[string]bool{"type": true, "x-label": true, "x-hint": true, "x-personal": true, "x-sensitive": true}
	lengthFn := "string-length"
	typ, _ := ps["type"].(string)
	items, _ := ps["items"].(map[string]any)
	switch {
	case ps["x-repeat"] == true && typ == "array":
		r["type"] = "begin_repeat"
		lengthFn = "count"
		known["x-repeat"], known["items"], known["minItems"], known["maxItems"] = true, true, true, true
	case typ == "array" && items != nil && items["enum"] != nil:
		r["type"] = "select_multiple " + wr.list(r["name"], items, nil, at+"/items")
		lengthFn = "count-selected"
		known["items"], known["uniqueItems"], known["minItems"], known["maxItems"] = true, true, true, true
		if ps["uniqueItems"] != true || items["type"] != "string" {
			wr.unsupported(at, msg.XLSFormSelectMultipleNeedsUniqueitemsTrue)
		}
		for k := range items {
			if k != "type" && k != "enum" && k != "x-choices" {
				wr.unsupported(at+"/items/"+k, msg.XLSFormKeywordHasXlsformColumn, k)
			}
		}
	case ps["enum"] != nil:
		bands, _ := ps["x-age-bands"].(map[string]any)
		r["type"] = "select_one " + wr.list(r["name"], ps, bands, at)
		known["enum"], known["x-choices"], known["x-age-bands"] = true, true, true
		if bands != nil {
			r["x-age-from"] = str(bands["from"])
		}
	case typ == "string" && ps["format"] == "uuid" && ps["x-ref"] != nil:
		r["type"], r["x-ref"] = "text", str(ps["x-ref"])
		known["format"], known["x-ref"] = true, true
	case typ == "string" && ps["format"] == "uuid":
		r["type"], r["calculation"] = "text", "uuid()"
		known["format"] = true
	case typ == "string" && ps["format"] == "date":
		r["type"] = "date"
		known["format"], known["x-age"] = true, true
	case typ == "string" && ps["format"] == "date-time":
		r["type"] = "dateTime"
		known["format"] = true
	case typ == "string" && ps["contentMediaType"] != nil:
		r["type"] = "image"
		if mt := str(ps["contentMediaType"]); mt != "image/jpeg" {
			r["body::accept"] = mt
		}
		known["contentMediaType"], known["maxLength"], known["minLength"] = true, true, true
	case typ == "string":
		r["type"] = "text"
		known["minLength"], known["maxLength"], known["pattern"] = true, true, true
	case typ == "integer" || typ == "number":
		r["type"] = map[string]string{"integer": "integer", "number": "decimal"}[typ]
		known["minimum"], known["exclusiveMinimum"], known["maximum"], known["exclusiveMaximum"] = true, true, true, true
	default:
		wr.unsupported(at, msg.XLSFormKindFieldHasXlsformType)
		return
	}
	for k := range ps {
		if !known[k] {
			wr.unsupported(at+"/"+k, msg.XLSFormKeywordHasXlsformColumnKind, k)
		}
	}
	var cons []string
	for _, k := range constraintOrder {
		v, ok := ps[k]
		if !ok {
			continue
		}
		switch k {
		case "pattern":
			cons = append(cons, "regex(., "+literal(v)+")")
		case "minLength", "minItems":
			cons = append(cons, lengthFn+"(.) >= "+fmt.Sprint(v))
		case "maxLength", "maxItems":
			cons = append(cons, lengthFn+"(.) <= "+fmt.Sprint(v))
		default:
			for op, kw := range boundKeyword {
				if kw == k {
					cons = append(cons, ". "+op+" "+fmt.Sprint(v))
				}
			}
		}
	}
	r["constraint"] = strings.Join(cons, " and ")
	wr.add(r)
	if r["type"] == "begin_repeat" {
		if items == nil {
			wr.unsupported(at+"/items", msg.XLSFormRepeatNeedsItems)
			return
		}
		wr.object(items, at+"/items")
		wr.add(rowFor{"type": "end_repeat"})
	}
}

// list writes (once) the choice list of a choice schema and returns its
// name: the first field's name, shared by the fields with the same
// choices.
func (wr *writer) list(field string, s, bands map[string]any, at string) string {
	enum, _ := s["enum"].([]any)
	choices, _ := s["x-choices"].([]any)
	integer := s["type"] == "integer"
	var rows [][]any
	for i, c := range choices {
		m, _ := c.(map[string]any)
		code := fmt.Sprint(m["code"])
		if i < len(enum) && fmt.Sprint(enum[i]) != code {
			wr.unsupported(at+"/x-choices", msg.XLSFormXChoicesDifferFromEnum)
		}
		if _, isNum := m["code"].(json.Number); isNum != integer {
			wr.unsupported(at, msg.XLSFormIntegerCodesNeedTypeInteger)
		}
		age := ""
		if bands != nil {
			b, _ := bands["bands"].(map[string]any)[code].(map[string]any)
			age = fmt.Sprintf("%v-%v", b["min"], b["max"])
		}
		rows = append(rows, []any{"", code, str(m["vi"]), str(m["en"]), age})
	}
	if !integer && len(rows) > 0 {
		allInts := true
		for _, r := range rows {
			allInts = allInts && integerCode.MatchString(r[1].(string))
		}
		if allInts {
			wr.unsupported(at, msg.XLSFormTextCodedListDigitsWould)
		}
	}
	if len(rows) != len(enum) {
		wr.unsupported(at+"/x-choices", msg.XLSFormXChoicesEnumDifferLength)
	}
	var key bytes.Buffer
	_ = encodeValue(&key, rows)
	if name, ok := wr.lists[key.String()]; ok {
		return name
	}
	name := field
	for i := 2; wr.names[name]; i++ {
		name = fmt.Sprintf("%s_%d", field, i)
	}
	wr.names[name], wr.lists[key.String()] = true, name
	for _, r := range rows {
		r[0] = name
		wr.choices = append(wr.choices, r)
	}
	return name
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
