package xlsform

import (
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// places ties JSON pointers of the built form to the cells they came from,
// to put the linter's findings back on rows.
type places map[string]cell

// problem places a lint finding on the row of the longest pointer prefix.
func (p places) problem(lp schema.Problem) Problem {
	ptrs := make([]string, 0, len(p))
	for k := range p {
		ptrs = append(ptrs, k)
	}
	sort.Slice(ptrs, func(i, j int) bool { return len(ptrs[i]) > len(ptrs[j]) })
	at := cell{}
	sheet := "settings"
	for _, k := range ptrs {
		if lp.Path == k || strings.HasPrefix(lp.Path, k+"/") {
			at, sheet = p[k], "survey"
			break
		}
	}
	if at.row == 0 {
		at = p[""]
	}
	return Problem{Sheet: sheet, Row: at.row, Column: at.col, Code: CodeLint,
		Message: schema.Label{VI: lp.Message.VI + " (" + lp.Path + ")", EN: lp.Message.EN + " (" + lp.Path + ")"}}
}

// DefaultSchemaID is the $id of a form read without x-schema-id.
func DefaultSchemaID(formID string) string {
	return "https://khaosat.example/forms/" + formID + ".json"
}

// build turns the root's questions into the form document.
func (rd *reader) build(root []*question) (*object, places) {
	pl := places{"": {row: rd.titleRow, col: "form_title"}}
	id := rd.schemaID
	if id == "" {
		id = DefaultSchemaID(rd.formID)
	}
	doc := newObject().set("$schema", "https://json-schema.org/draft/2020-12/schema").set("$id", id).
		set("x-form", rd.formID).set("x-title", labelObject(rd.title))
	if rd.sensitiveForm {
		doc.set("x-sensitive-form", true)
	}
	rd.object(doc, root, "", pl)
	for _, l := range sortedLists(rd.lists) {
		if !l.used {
			rd.warnf("choices", l.row, "list_name", CodeNotKept, msg.XLSFormListUnused, l.name)
		}
	}
	return doc, pl
}

func sortedLists(m map[string]*choiceList) []*choiceList {
	out := make([]*choiceList, 0, len(m))
	for _, l := range m {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].row < out[j].row })
	return out
}

func labelObject(l schema.Label) *object { return newObject().set("vi", l.VI).set("en", l.EN) }

// rule is one if/then of an object: the fields a condition requires and
// those it forbids.
type rule struct {
	cond     any
	required []any
	forbid   []string
}

// object fills an object schema (the root, or a repeat's items) with its
// questions and the rules of their relevance and requirement.
func (rd *reader) object(o *object, qs []*question, ptr string, pl places) {
	sc := scope{}
	for _, q := range qs {
		if _, dup := sc[q.name]; dup {
			rd.errorf(q.sheet, q.row, "name", CodeName, msg.XLSFormNameAlreadyUsedLevel, q.name)
			continue
		}
		sc[q.name] = q.info()
	}
	o.set("type", "object").set("additionalProperties", false)
	order := make([]any, 0, len(qs))
	var required []any
	props := newObject()
	var rules []*rule
	byKey := map[string]*rule{}
	add := func(c any, name string, forbid bool) {
		k := conditionKey(c)
		r := byKey[k]
		if r == nil {
			r = &rule{cond: c}
			byKey[k] = r
			rules = append(rules, r)
		}
		if forbid {
			r.forbid = append(r.forbid, name)
		} else {
			r.required = append(r.required, name)
		}
	}
	for _, q := range qs {
		at := ptr + "/properties/" + q.name
		pl[at] = cell{row: q.row, col: "name"}
		order = append(order, q.name)
		props.set(q.name, rd.property(q, at, pl))
		req, reqCond, forbid := rd.requirement(q, sc)
		if req {
			required = append(required, q.name)
		}
		for _, c := range reqCond {
			add(c, q.name, false)
		}
		for _, c := range forbid {
			add(c, q.name, true)
		}
	}
	o.set("x-order", order)
	if len(required) > 0 {
		o.set("required", required)
	}
	o.set("properties", props)
	if len(rules) > 0 {
		var all []any
		for _, r := range rules {
			then := newObject()
			if len(r.required) > 0 {
				then.set("required", r.required)
			}
			if len(r.forbid) > 0 {
				f := newObject()
				for _, n := range r.forbid {
					f.set(n, false)
				}
				then.set("properties", f)
			}
			all = append(all, newObject().set("if", r.cond).set("then", then))
		}
		o.set("allOf", all)
	}
}

// info is what conditions on sibling fields need to know about q.
func (q *question) info() *fieldInfo {
	f := &fieldInfo{kind: map[string]kind{"text": kindText, "uuid": kindUUID, "integer": kindInteger, "decimal": kindNumber,
		"date": kindDate, "datetime": kindDateTime, "image": kindImage, "select_multiple": kindMulti, "repeat": kindRepeat}[q.typ]}
	if q.typ == "select_one" {
		f.kind = kindChoice
		if q.list != nil && q.list.integers() {
			f.kind = kindIntChoice
		}
	}
	if q.list != nil {
		f.codes = map[string]any{}
		for _, c := range q.list.choices {
			f.codes[c.name] = codeValue(c.name, f.kind == kindIntChoice)
		}
	}
	return f
}

func codeValue(name string, integer bool) any {
	if integer {
		return json.Number(strings.TrimPrefix(name, "+"))
	}
	return name
}

// property builds a question's property schema.
func (rd *reader) property(q *question, ptr string, pl places) *object {
	ps := newObject()
	switch q.typ {
	case "text":
		ps.set("type", "string")
	case "uuid":
		ps.set("type", "string").set("format", "uuid")
		if q.ref.text != "" {
			ps.set("x-ref", q.ref.text)
		}
	case "integer":
		ps.set("type", "integer")
	case "decimal":
		ps.set("type", "number")
	case "date":
		ps.set("type", "string").set("format", "date")
	case "datetime":
		ps.set("type", "string").set("format", "date-time")
	case "image":
		mt := q.accept
		if mt == "" {
			mt = "image/jpeg"
		}
		ps.set("type", "string").set("contentMediaType", mt)
	case "select_one":
		if q.list != nil && q.list.integers() {
			ps.set("type", "integer")
		} else {
			ps.set("type", "string")
		}
	case "select_multiple":
		ps.set("type", "array").set("uniqueItems", true)
	case "repeat":
		ps.set("type", "array")
	}
	rd.constraint(q, ps)
	if q.list != nil && q.typ == "select_one" {
		ps.set("enum", rd.enum(q))
	}
	ps.set("x-label", labelObject(q.label))
	if q.hint != nil {
		ps.set("x-hint", labelObject(*q.hint))
	}
	switch {
	case q.list != nil && q.typ == "select_one":
		ps.set("x-choices", choicesOf(q))
	case q.list != nil && q.typ == "select_multiple":
		items := newObject().set("type", "string").set("enum", rd.enum(q)).set("x-choices", choicesOf(q))
		ps.set("items", items)
	}
	if q.personal != nil {
		ps.set("x-personal", q.personal)
	}
	if q.sensitive {
		ps.set("x-sensitive", true)
	}
	rd.age(q, ps)
	if q.typ == "repeat" {
		ps.set("x-repeat", true)
		items := newObject()
		rd.object(items, q.kids, ptr+"/items", pl)
		ps.set("items", items)
	}
	return ps
}

func (rd *reader) enum(q *question) []any {
	var out []any
	for _, c := range q.list.choices {
		out = append(out, codeValue(c.name, q.typ == "select_one" && q.list.integers()))
	}
	return out
}

func choicesOf(q *question) []any {
	integer := q.typ == "select_one" && q.list.integers()
	var out []any
	for _, c := range q.list.choices {
		out = append(out, newObject().set("code", codeValue(c.name, integer)).set("vi", c.label.VI).set("en", c.label.EN))
	}
	return out
}

// age reads x-age (on a date) and x-age-from (on an age-band select_one,
// whose choices carry x-age).
func (rd *reader) age(q *question, ps *object) {
	if q.age.text != "" {
		lo, hi, ok := parseRange(q.age.text)
		if q.typ != "date" {
			rd.errorf(q.sheet, q.row, q.age.col, CodeAnnotation, msg.XLSFormXAgeDateQuestions)
		} else if !ok {
			rd.errorf(q.sheet, q.row, q.age.col, CodeAnnotation, msg.XLSFormXAgeReadMinMax)
		} else {
			ps.set("x-age", newObject().set("min", lo).set("max", hi))
		}
	}
	banded := false
	if q.list != nil {
		for _, c := range q.list.choices {
			banded = banded || c.age != ""
		}
	}
	if q.ageFrom.text == "" {
		if banded && q.typ == "select_one" {
			rd.errorf(q.sheet, q.row, "x-age-from", CodeAnnotation, msg.XLSFormChoicesListCarryXAge, q.list.name)
		}
		return
	}
	if q.typ != "select_one" || q.list == nil {
		rd.errorf(q.sheet, q.row, q.ageFrom.col, CodeAnnotation, msg.XLSFormXAgeFromSelectOne)
		return
	}
	bands := newObject()
	for _, c := range q.list.choices {
		lo, hi, ok := parseRange(c.age)
		if !ok {
			rd.errorf("choices", c.row, "x-age", CodeAnnotation, msg.XLSFormEachChoiceAgeBandNeeds)
			continue
		}
		bands.set(c.name, newObject().set("min", lo).set("max", hi))
	}
	ps.set("x-age-bands", newObject().set("from", q.ageFrom.text).set("bands", bands))
}

func parseRange(s string) (json.Number, json.Number, bool) {
	m := ageRange.FindStringSubmatch(strings.ReplaceAll(s, " ", ""))
	if m == nil {
		return "", "", false
	}
	lo, _ := strconv.Atoi(m[1])
	hi, _ := strconv.Atoi(m[2])
	return json.Number(m[1]), json.Number(m[2]), lo <= hi
}

// requirement reads the required and relevant columns: whether q is
// always required, the conditions that require it, and those that forbid
// it (the negations of its relevance).
func (rd *reader) requirement(q *question, sc scope) (always bool, reqCond, forbid []any) {
	on, isFlag := yes(q.required.text)
	relevance := rd.parseCells(q, q.relevant)
	switch {
	case isFlag && on && len(relevance) == 0:
		return true, nil, nil
	case isFlag && on:
		// Required when relevant: each alternative of the relevance is a
		// rule that requires q.
		var parts []*node
		if len(relevance) == 1 {
			parts = splitTop(relevance[0].n, nodeOr)
		} else {
			and := &node{kind: nodeAnd}
			for _, r := range relevance {
				and.kids = append(and.kids, r.n)
			}
			parts = []*node{and}
		}
		for _, p := range parts {
			if c, ok := rd.compile(q, relevance[0].at, sc, p); ok {
				reqCond = append(reqCond, c)
			}
		}
		return false, reqCond, nil
	case !isFlag:
		if n, ok := rd.parseCell(q, q.required); ok {
			for _, p := range splitTop(n, nodeOr) {
				if c, ok := rd.compile(q, q.required, sc, p); ok {
					reqCond = append(reqCond, c)
				}
			}
		}
	}
	for _, r := range relevance {
		for _, k := range splitTop(r.n, nodeAnd) {
			if c, ok := rd.compile(q, r.at, sc, k); ok {
				forbid = append(forbid, negate(c))
			}
		}
	}
	return false, reqCond, forbid
}

// negate is the condition that c does not hold.
func negate(c any) any {
	if o, ok := c.(*object); ok && len(o.keys) == 1 && o.keys[0] == "not" {
		return o.vals["not"]
	}
	return newObject().set("not", c)
}

// splitTop splits an unparenthesised chain of kind into its parts.
func splitTop(n *node, k nodeKind) []*node {
	if n.kind == k && !n.paren {
		return n.kids
	}
	return []*node{n}
}

type parsed struct {
	n  *node
	at cell
}

func (rd *reader) parseCells(q *question, cells []cell) []parsed {
	var out []parsed
	for _, c := range cells {
		if n, ok := rd.parseCell(q, c); ok {
			out = append(out, parsed{n, c})
		}
	}
	return out
}

func (rd *reader) parseCell(q *question, c cell) (*node, bool) {
	n, err := parse(c.text)
	if err != nil {
		rd.exprProblem(q, c, err)
		return nil, false
	}
	return n, true
}

func (rd *reader) compile(q *question, at cell, sc scope, n *node) (any, bool) {
	c, err := sc.condition(n)
	if err != nil {
		rd.exprProblem(q, at, err)
		return nil, false
	}
	return c, true
}

func (rd *reader) exprProblem(q *question, at cell, err error) {
	var e *exprError
	why := schema.Label{VI: err.Error(), EN: err.Error()}
	if errors.As(err, &e) {
		why = e.msg
	}
	rd.probs = append(rd.probs, Problem{Sheet: q.sheet, Row: at.row, Column: at.col, Code: CodeExpression,
		Message: msg.Text(msg.XLSFormExpressionAt, at.text, why)})
}

// constraint reads the constraint column into JSON Schema keywords on ps.
func (rd *reader) constraint(q *question, ps *object) {
	if q.constraint.text == "" {
		return
	}
	n, ok := rd.parseCell(q, q.constraint)
	if !ok {
		return
	}
	fail := func(key msg.Key, args ...any) {
		rd.exprProblem(q, q.constraint, exprErr(0, key, args...))
	}
	for _, k := range splitTop(n, nodeAnd) {
		var key string
		var val any
		switch {
		case k.kind == nodeRegex && k.arg.ref == "" && q.typ == "text":
			pat, _ := k.lit.(string)
			if _, err := regexp.Compile(pat); err != nil || pat == "" {
				fail(msg.XLSFormRegexNotValid, pat)
				continue
			}
			key, val = "pattern", pat
		case k.kind == nodeCmp && k.arg.ref == "" && k.arg.fn == "" && (q.typ == "integer" || q.typ == "decimal"):
			num, isNum := k.lit.(json.Number)
			kw, isBound := boundKeyword[k.op]
			if !isNum || !isBound {
				fail(msg.XLSFormDotComparison)
				continue
			}
			key, val = kw, num
		case k.kind == nodeCmp && k.arg.ref == "" && (lengthFn[k.arg.fn] == q.typ || k.arg.fn == "string-length" && q.typ == "image"):
			n, isNum := wholeNumber(k.lit)
			switch {
			case !isNum:
				fail(msg.XLSFormComparesWholeNumber, k.arg.fn)
				continue
			case k.op == ">=" || k.op == ">":
				key = lengthKeyword[k.arg.fn][0]
				if k.op == ">" {
					n++
				}
			case k.op == "<=" || k.op == "<" && n > 0:
				key = lengthKeyword[k.arg.fn][1]
				if k.op == "<" {
					n--
				}
			default:
				fail(msg.XLSFormLengthComparison, k.arg.fn)
				continue
			}
			val = json.Number(strconv.Itoa(n))
		default:
			fail(msg.XLSFormConstraintExpressedQuestionSeeForms, q.typ)
			continue
		}
		if _, dup := ps.get(key); dup {
			fail(msg.XLSFormBoundGivenTwice, key)
			continue
		}
		ps.set(key, val)
	}
}

// lengthFn is the question type each length function of «.» applies to.
var lengthFn = map[string]string{"string-length": "text", "count-selected": "select_multiple", "count": "repeat"}

// lengthKeyword are the JSON Schema keywords of the lower and upper bound.
var lengthKeyword = map[string][2]string{"string-length": {"minLength", "maxLength"},
	"count-selected": {"minItems", "maxItems"}, "count": {"minItems", "maxItems"}}
