package xlsform

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/khaosat/khaosat/internal/msg"
)

// This file turns parsed relevance and requirement expressions into the
// JSON Schema conditions of if/then rules, exactly: each supported form of
// comparison has one JSON Schema meaning that agrees with XPath's, also
// when the field it tests is unanswered.

// kind is what a question holds, as expressions see it.
type kind string

const (
	kindChoice    kind = "choice"    // select_one with text codes
	kindIntChoice kind = "intchoice" // select_one with integer codes
	kindMulti     kind = "multi"     // select_multiple
	kindInteger   kind = "integer"
	kindNumber    kind = "number"
	kindText      kind = "text"
	kindUUID      kind = "uuid"
	kindDate      kind = "date"
	kindDateTime  kind = "datetime"
	kindImage     kind = "image"
	kindRepeat    kind = "repeat"
)

// fieldInfo is what a condition needs to know about a sibling field.
type fieldInfo struct {
	kind  kind
	codes map[string]any // choice code as written → the code (string or json.Number)
}

// scope is the fields of one object (the form's root or a repeat's item):
// the only fields a rule on that object can test.
type scope map[string]*fieldInfo

// condition compiles an expression into a JSON Schema condition.
func (sc scope) condition(n *node) (any, error) {
	switch n.kind {
	case nodeOr:
		var any_ []any
		for _, k := range n.kids {
			c, err := sc.condition(k)
			if err != nil {
				return nil, err
			}
			any_ = append(any_, c)
		}
		return newObject().set("anyOf", any_), nil
	case nodeAnd:
		var all []any
		for _, k := range n.kids {
			c, err := sc.condition(k)
			if err != nil {
				return nil, err
			}
			all = append(all, c)
		}
		return andConditions(all), nil
	case nodeNot:
		c, err := sc.condition(n.kids[0])
		if err != nil {
			return nil, err
		}
		return newObject().set("not", c), nil
	case nodeSelected:
		f, err := sc.field(n.arg)
		if err != nil {
			return nil, err
		}
		code, err := f.code(n.arg.ref, n.lit)
		if err != nil {
			return nil, err
		}
		switch f.kind {
		case kindMulti:
			return test(n.arg.ref, newObject().set("contains", newObject().set("const", code))), nil
		case kindChoice, kindIntChoice:
			return test(n.arg.ref, newObject().set("const", code)), nil
		}
		return nil, exprErr(0, msg.XLSFormSelectedChoiceQuestionsNotOne, n.arg.ref)
	case nodeCmp:
		return sc.comparison(n)
	}
	return nil, exprErr(0, msg.XLSFormRegexBelongsConstraintColumn)
}

// comparison compiles ${f} op literal and count-selected(${f}) op n.
func (sc scope) comparison(n *node) (any, error) {
	if n.arg.ref == "" {
		return nil, exprErr(0, msg.XLSFormBelongsConstraintColumnHereWrite)
	}
	f, err := sc.field(n.arg)
	if err != nil {
		return nil, err
	}
	if n.arg.fn == "count-selected" {
		if f.kind != kindMulti {
			return nil, exprErr(0, msg.XLSFormCountSelectedSelectMultipleNot, n.arg.ref)
		}
		k, ok := wholeNumber(n.lit)
		// Only "at least k" agrees with XPath for an unanswered question:
		// XPath counts it as 0 ticked, a JSON Schema test as absent.
		if !ok || (n.op != ">=" && n.op != ">") || (n.op == ">=" && k < 1) {
			return nil, exprErr(0, msg.XLSFormCountSelectedSupportsNN)
		}
		if n.op == ">" {
			k++
		}
		return test(n.arg.ref, newObject().set("type", "array").set("minItems", json.Number(strconv.Itoa(k)))), nil
	}
	if n.arg.fn != "" {
		return nil, exprErr(0, msg.XLSFormNotSupportedCondition, n.arg.fn)
	}
	switch f.kind {
	case kindChoice, kindIntChoice, kindText:
		if n.op != "=" && n.op != "!=" {
			return nil, exprErr(0, msg.XLSFormCompareEquality, n.arg.ref)
		}
		var code any
		if f.kind == kindText {
			s, ok := n.lit.(string)
			if !ok || s == "" {
				return nil, exprErr(0, msg.XLSFormCompareNonEmptyQuotedText, n.arg.ref)
			}
			code = s
		} else if code, err = f.code(n.arg.ref, n.lit); err != nil {
			return nil, err
		}
		return equality(n.arg.ref, code, n.op == "!="), nil
	case kindInteger, kindNumber:
		num, ok := n.lit.(json.Number)
		if !ok {
			return nil, exprErr(0, msg.XLSFormCompareNumber, n.arg.ref)
		}
		if n.op == "=" || n.op == "!=" {
			return equality(n.arg.ref, num, n.op == "!="), nil
		}
		return test(n.arg.ref, newObject().set("type", string(f.kind)).set(boundKeyword[n.op], num)), nil
	case kindMulti:
		return nil, exprErr(0, msg.XLSFormSelectMultipleUseSelectedCode, n.arg.ref, n.arg.ref)
	}
	return nil, exprErr(0, msg.XLSFormQuestionsLikeCompared, n.arg.ref, f.kind)
}

// boundKeyword is the JSON Schema keyword of a comparison with a number.
var boundKeyword = map[string]string{">": "exclusiveMinimum", ">=": "minimum", "<": "exclusiveMaximum", "<=": "maximum"}

// equality is ${f} = v; ${f} != v is its negation, which also holds for
// an unanswered f, as in XPath.
func equality(name string, v any, negate bool) any {
	c := test(name, newObject().set("const", v))
	if negate {
		return newObject().set("not", c)
	}
	return c
}

// test is the condition that field name is answered and matches sub.
func test(name string, sub any) *object {
	return newObject().set("properties", newObject().set(name, sub)).set("required", []any{name})
}

// andConditions joins conditions: tests of distinct fields merge into one
// object, as the shipped forms write them; anything else is an allOf.
func andConditions(all []any) any {
	merged := newObject().set("properties", newObject())
	var required []any
	for _, c := range all {
		o, ok := c.(*object)
		name, single := singleTest(o)
		if !ok || !single {
			return newObject().set("allOf", all)
		}
		props := merged.vals["properties"].(*object)
		if _, dup := props.get(name); dup {
			return newObject().set("allOf", all)
		}
		v, _ := o.vals["properties"].(*object).get(name)
		props.set(name, v)
		required = append(required, name)
	}
	return merged.set("required", required)
}

// singleTest reports whether o is test(name, ...) of one field.
func singleTest(o *object) (string, bool) {
	if o == nil || len(o.keys) != 2 {
		return "", false
	}
	props, ok1 := o.vals["properties"].(*object)
	req, ok2 := o.vals["required"].([]any)
	if !ok1 || !ok2 || len(props.keys) != 1 || len(req) != 1 || req[0] != props.keys[0] {
		return "", false
	}
	return props.keys[0], true
}

// field finds the field an operand names in this scope.
func (sc scope) field(o operand) (*fieldInfo, error) {
	f, ok := sc[o.ref]
	if !ok {
		return nil, exprErr(0, msg.XLSFormNotQuestionSameLevelForm, o.ref)
	}
	return f, nil
}

// code checks that lit is one of a choice field's codes and returns it as
// the enum holds it.
func (f *fieldInfo) code(name string, lit any) (any, error) {
	var key string
	switch v := lit.(type) {
	case string:
		key = v
	case json.Number:
		key = string(v)
	}
	c, ok := f.codes[key]
	if !ok {
		return nil, exprErr(0, msg.XLSFormNoSuchCode, name, key)
	}
	return c, nil
}

// wholeNumber reads a non-negative integer literal.
func wholeNumber(lit any) (int, bool) {
	num, ok := lit.(json.Number)
	if !ok {
		return 0, false
	}
	k, err := strconv.Atoi(string(num))
	return k, err == nil && k >= 0
}

// conditionKey is a condition's identity, to gather the fields that one
// condition requires or forbids into one rule.
func conditionKey(c any) string {
	var buf bytes.Buffer
	_ = encodeValue(&buf, c)
	return buf.String()
}
