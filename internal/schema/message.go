package schema

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/khaosat/khaosat/internal/msg"
)

// The messages below name fields by label and state the rule. None of them
// takes a submitted value, so none can leak a sensitive or personal answer.

// quote sets a field name in guillemets, as both languages' messages do.
func quote(s string) string { return "«" + s + "»" }

func invalidMessage(n Label) Label { return msg.Text(msg.FieldInvalid, n) }

func requiredMessage(n Label) Label { return msg.Text(msg.FieldRequired, n) }

func unknownFieldMessage(prop string) Label { return msg.Text(msg.FieldUnknown, prop) }

func forbiddenMessage(n Label) Label { return msg.Text(msg.FieldForbidden, n) }

func uniqueMessage(n Label) Label { return msg.Text(msg.FieldUnique, n) }

func enumMessage(n Label, want []any) Label {
	codes := make([]string, len(want))
	for i, w := range want {
		codes[i] = fmt.Sprint(w)
	}
	list := strings.Join(codes, ", ")
	return msg.Text(msg.FieldEnum, n, list)
}

// rangeMessage states the whole allowed range of a number, taken from the
// schema that failed (s), or from the failed keyword alone if s is unknown.
func rangeMessage(n Label, s *jsonschema.Schema, k jsonschema.ErrorKind) Label {
	var lo, hi, xlo, xhi *big.Rat
	if s != nil {
		lo, hi, xlo, xhi = s.Minimum, s.Maximum, s.ExclusiveMinimum, s.ExclusiveMaximum
	} else {
		switch k := k.(type) {
		case *kind.Minimum:
			lo = k.Want
		case *kind.Maximum:
			hi = k.Want
		case *kind.ExclusiveMinimum:
			xlo = k.Want
		case *kind.ExclusiveMaximum:
			xhi = k.Want
		}
	}
	if lo != nil && hi != nil && xlo == nil && xhi == nil {
		return msg.Text(msg.FieldBetween, n, numberArg{lo}, numberArg{hi})
	}
	var clauses []Label
	clause := func(r *big.Rat, key msg.Key) {
		if r != nil {
			clauses = append(clauses, msg.Text(key, numberArg{r}))
		}
	}
	clause(lo, msg.RangeAtLeast)
	clause(xlo, msg.RangeGreater)
	clause(hi, msg.RangeAtMost)
	clause(xhi, msg.RangeLess)
	return msg.Text(msg.FieldRange, n, msg.Join(clauses, msg.ListAnd))
}

// numberArg is a number as a message argument, written in the message's
// language.
type numberArg struct{ r *big.Rat }

func (a numberArg) In(lang string) string { return number(a.r, lang) }

// number writes r for people: Vietnamese uses a decimal comma.
func number(r *big.Rat, lang string) string {
	var s string
	if r.IsInt() {
		s = r.Num().String()
	} else {
		f, _ := r.Float64()
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	if lang == "vi" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// bounds returns the limits to state: the schema's pair if known, else the
// one that failed (the other given as -1); a minimum of 0 goes unstated.
func bounds(lo, hi *int, min, max int) (int, int) {
	if lo != nil {
		min = *lo
	}
	if hi != nil {
		max = *hi
	}
	if min == 0 {
		min = -1 // no lower limit worth stating
	}
	return min, max
}

// lengthMessage explains min_length (max < 0) or max_length (min < 0).
func lengthMessage(n Label, s *jsonschema.Schema, min, max int) Label {
	tooShort := max < 0
	if s != nil {
		min, max = bounds(s.MinLength, s.MaxLength, min, max)
	}
	switch {
	case tooShort && min == 1:
		return msg.Text(msg.FieldEmpty, n)
	case min >= 0 && max >= 0:
		return msg.Text(msg.FieldLengthBetween, n, min, max)
	case min >= 0:
		return msg.Text(msg.FieldLengthMin, n, min)
	}
	return msg.Text(msg.FieldLengthMax, n, max)
}

// itemsMessage explains min_items (max < 0) or max_items (min < 0).
func itemsMessage(n Label, s *jsonschema.Schema, min, max int) Label {
	tooFew := max < 0
	if s != nil {
		min, max = bounds(s.MinItems, s.MaxItems, min, max)
	}
	switch {
	case tooFew && min == 1:
		return msg.Text(msg.FieldItemsOne, n)
	case min >= 0 && max >= 0:
		return msg.Text(msg.FieldItemsBetween, n, min, max)
	case min >= 0:
		return msg.Text(msg.FieldItemsMin, n, min)
	}
	return msg.Text(msg.FieldItemsMax, n, max)
}

// patternMessage adds the field's hint, which says what shape is wanted.
func patternMessage(n Label, f *Field) Label {
	if f != nil && f.Hint != nil {
		return msg.Text(msg.FieldPatternHint, n, *f.Hint)
	}
	return msg.Text(msg.FieldPattern, n)
}

func formatMessage(n Label, format string) Label {
	switch format {
	case "date":
		return msg.Text(msg.FieldDate, n)
	case "date-time":
		return msg.Text(msg.FieldDateTime, n)
	case "uuid":
		return msg.Text(msg.FieldUUID, n)
	}
	return msg.Text(msg.FieldFormat, n, format)
}

var typeNames = map[string]msg.Key{
	"string":  msg.TypeString,
	"integer": msg.TypeInteger,
	"number":  msg.TypeNumber,
	"boolean": msg.TypeBoolean,
	"array":   msg.TypeArray,
	"object":  msg.TypeObject,
}

func typeMessage(n Label, want []string) Label {
	names := make([]Label, len(want))
	for i, t := range want {
		if key, ok := typeNames[t]; ok {
			names[i] = msg.Text(key)
		} else {
			names[i] = Label{VI: t, EN: t}
		}
	}
	return msg.Text(msg.FieldType, n, msg.Join(names, msg.ListOr))
}

func afterSurveyDateMessage(f *Field) Label { return msg.Text(msg.FieldAfterSurveyDate, f.Label) }

func ageOutOfRangeMessage(f *Field) Label {
	r := f.Age
	if r.Min == 0 {
		return msg.Text(msg.FieldAgeUnder, f.Label, r.Max+1)
	}
	return msg.Text(msg.FieldAgeBetween, f.Label, r.Min, r.Max)
}

func ageBandMessage(f, from *Field) Label { return msg.Text(msg.FieldAgeBand, f.Label, from.Label) }
