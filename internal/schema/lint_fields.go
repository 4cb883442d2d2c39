package schema

import (
	"regexp"
	"strconv"

	"github.com/khaosat/khaosat/internal/msg"
)

// This file holds the linter's walk over the form's objects and fields.

// codeRE is what a string choice code looks like: snake_case, or the
// hyphenated age bands ("2-4").
var codeRE = regexp.MustCompile(`^[a-z0-9]+([_-][a-z0-9]+)*$`)

// object checks an object schema (the root or a repeat's items) at ptr in
// the document; dataPath is where its answers sit ("" for the root).
func (l *linter) object(obj map[string]any, ptr, dataPath string) {
	if obj["additionalProperties"] != false {
		l.errorf(ptr, LintAdditional, msg.LintAdditional)
	}
	props, _ := obj["properties"].(map[string]any)
	l.order(obj, props, ptr)
	for i, n := range stringList(obj["required"]) {
		if _, ok := props[n]; !ok {
			l.errorf(ptr+"/required/"+strconv.Itoa(i), LintRequiredUnknown, msg.LintRequiredUnknown, n)
		}
	}
	kinds := map[string]map[string]any{} // name → resolved property schema
	for _, name := range sortedKeys(props) {
		at := appendPointer(ptr+"/properties", name)
		if !snakeCase.MatchString(name) {
			l.errorf(at, LintFieldName, msg.LintFieldName, name)
		}
		if dataPath == "" && envelopeNames[name] {
			l.errorf(at, LintEnvelope, msg.LintEnvelopeField, name)
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
			l.errorf(ptr, LintOrder, msg.LintOrderMissing)
		}
		return
	}
	list, ok := raw.([]any)
	if !ok {
		l.errorf(ptr+"/x-order", LintOrder, msg.LintOrderShape)
		return
	}
	seen := map[string]bool{}
	for i, v := range list {
		at := ptr + "/x-order/" + strconv.Itoa(i)
		n, ok := v.(string)
		switch {
		case !ok:
			l.errorf(at, LintOrder, msg.LintOrderShape)
		case seen[n]:
			l.errorf(at, LintOrder, msg.LintOrderTwice, n)
		case props[n] == nil:
			l.errorf(at, LintOrder, msg.LintOrderUnknown, n)
		}
		seen[n] = true
	}
	for _, n := range sortedKeys(props) {
		if !seen[n] {
			l.errorf(ptr+"/x-order", LintOrder, msg.LintOrderMissingName, n)
		}
	}
}

// field checks one property schema and returns it resolved, or nil when
// it cannot be read.
func (l *linter) field(s map[string]any, ptr, dataPath string) map[string]any {
	a := annotator{root: l.root}
	s, err := a.resolve(s)
	if err != nil {
		l.errorf(ptr, LintCompile, msg.LintBadRef, err)
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
		l.errorf(ptr+"/x-repeat", LintMisplacedAnnotation, msg.LintRepeatPlacement)
	}
	if _, ok := s["x-age"]; ok {
		if typ != "string" || s["format"] != "date" {
			l.errorf(ptr+"/x-age", LintMisplacedAnnotation, msg.LintAgePlacement)
		} else if _, err := parseAgeRange(s["x-age"]); err != nil {
			l.errorf(ptr+"/x-age", LintAnnotationValue, msg.LintAge, err)
		}
	}
	if raw, ok := s["x-ref"]; ok {
		if v, _ := raw.(string); v != RefChild && v != RefHousehold {
			l.errorf(ptr+"/x-ref", LintAnnotationValue, msg.LintRefValue, RefChild, RefHousehold)
		} else if typ != "string" || s["format"] != "uuid" {
			l.errorf(ptr+"/x-ref", LintAnnotationValue, msg.LintRefKind)
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
			l.errorf(ptr+"/x-order", LintMisplacedAnnotation, msg.LintOrderPlacement)
		}
	default:
		l.errorf(ptr, LintFieldKind, msg.LintFieldKind)
	}
	return s
}

// arrayField checks a repeat or a multiple choice.
func (l *linter) arrayField(s map[string]any, ptr, dataPath string) {
	items, ok := s["items"].(map[string]any)
	if !ok {
		l.errorf(ptr, LintFieldKind, msg.LintArrayItems)
		return
	}
	a := annotator{root: l.root}
	items, err := a.resolve(items)
	if err != nil {
		l.errorf(ptr+"/items", LintCompile, msg.LintBadRef, err)
		return
	}
	_, itemEnum := items["enum"]
	_, itemChoices := items["x-choices"]
	switch {
	case s["x-repeat"] == true || schemaType(items) == "object":
		if s["x-repeat"] != true {
			l.errorf(ptr, LintFieldKind, msg.LintRepeatFlag)
		}
		if schemaType(items) != "object" {
			l.errorf(ptr+"/items", LintFieldKind, msg.LintRepeatItems)
			return
		}
		l.object(items, ptr+"/items", dataPath+"/*")
	case itemEnum || itemChoices:
		if s["uniqueItems"] != true {
			l.errorf(ptr, LintFieldKind, msg.LintMultipleUnique)
		}
		l.choices(items, ptr+"/items")
	default:
		l.errorf(ptr, LintFieldKind, msg.LintArrayKind)
	}
}

// choices checks that enum has x-choices with the same codes, in the same
// order, each labelled in vi and en.
func (l *linter) choices(s map[string]any, ptr string) {
	enum, ok := s["enum"].([]any)
	if !ok {
		l.errorf(ptr, LintChoices, msg.LintChoicesEnum)
		return
	}
	list, ok := s["x-choices"].([]any)
	if !ok {
		l.errorf(ptr+"/enum", LintChoices, msg.LintEnumChoices)
		return
	}
	if len(list) != len(enum) {
		l.errorf(ptr+"/x-choices", LintChoices, msg.LintChoicesCount, len(list), len(enum))
	}
	seen := map[any]bool{}
	for i, v := range enum {
		c, err := choiceCode(v)
		at := ptr + "/enum/" + strconv.Itoa(i)
		switch {
		case err != nil:
			l.errorf(at, LintChoices, msg.LintChoiceCodeType)
		case seen[c]:
			l.errorf(at, LintChoices, msg.LintChoiceCodeTwice, c)
		default:
			if str, ok := c.(string); ok && !codeRE.MatchString(str) {
				l.warnf(at, LintChoices, msg.LintChoiceCodeShape, str)
			}
		}
		seen[c] = true
	}
	for i, item := range list {
		at := ptr + "/x-choices/" + strconv.Itoa(i)
		m, ok := item.(map[string]any)
		if !ok {
			l.errorf(at, LintChoices, msg.LintChoiceShape)
			continue
		}
		c, err := choiceCode(m["code"])
		if err != nil {
			l.errorf(at+"/code", LintChoices, msg.LintChoiceCodeType)
		} else if i < len(enum) {
			if e, err := choiceCode(enum[i]); err == nil && e != c {
				l.errorf(at+"/code", LintChoices, msg.LintChoiceOrder, c, i, e)
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
		l.errorf(at, LintAnnotationValue, msg.LintAgeBands, err)
		return
	}
	enum, ok := s["enum"].([]any)
	if !ok {
		l.errorf(at, LintMisplacedAnnotation, msg.LintAgeBandsPlacement)
		return
	}
	if from := siblings[b.From]; from == nil || from["format"] != "date" {
		l.errorf(at+"/from", LintAnnotationValue, msg.LintAgeBandsFrom, b.From)
	}
	codes := map[string]bool{}
	for _, v := range enum {
		code, _ := v.(string)
		codes[code] = true
		if _, ok := b.Bands[code]; !ok {
			l.errorf(at+"/bands", LintAnnotationValue, msg.LintAgeBandsMissing, code)
		}
	}
	for code := range b.Bands {
		if !codes[code] {
			l.errorf(appendPointer(at+"/bands", code), LintAnnotationValue, msg.LintBandNotChoice, code)
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
				l.errorf(at, LintUnreachable, msg.LintConditionUnknownField, n)
				continue
			}
			if !required[n] {
				l.warnf(r.ptr+"/if", LintConditionUnrequired, msg.LintConditionUnrequired, n)
			}
			l.reachable(f, tested[n], at)
		}
		then, _ := r.s["then"].(map[string]any)
		for i, n := range stringList(then["required"]) {
			if fields[n] == nil {
				l.errorf(r.ptr+"/then/required/"+strconv.Itoa(i), LintRequiredUnknown, msg.LintThenRequiredUnknown, n)
			}
		}
		thenProps, _ := then["properties"].(map[string]any)
		for _, n := range sortedKeys(thenProps) {
			if fields[n] == nil {
				l.errorf(appendPointer(r.ptr+"/then/properties", n), LintRequiredUnknown, msg.LintThenPropertyUnknown, n)
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
	l.errorf(ptr, LintUnreachable, msg.LintConditionUnknownCode)
}
