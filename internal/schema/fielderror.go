package schema

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// The codes of a FieldError.
const (
	CodeRequired        = "required"          // a required property is missing
	CodeEnum            = "enum"              // not one of the allowed codes
	CodeMinimum         = "minimum"           // below the minimum (inclusive or exclusive)
	CodeMaximum         = "maximum"           // above the maximum (inclusive or exclusive)
	CodeMinLength       = "min_length"        // text too short
	CodeMaxLength       = "max_length"        // text too long
	CodeMinItems        = "min_items"         // too few list entries
	CodeMaxItems        = "max_items"         // too many list entries
	CodePattern         = "pattern"           // text not in the expected shape
	CodeFormat          = "format"            // not a valid date, UUID, ...
	CodeType            = "type"              // wrong JSON type
	CodeUnknownField    = "unknown_field"     // a property the form does not have
	CodeUniqueItems     = "unique_items"      // a list with repeated entries
	CodeForbidden       = "forbidden"         // a property that must be absent here
	CodeInvalid         = "invalid"           // anything else
	CodeAfterSurveyDate = "after_survey_date" // an x-age date after the survey date
	CodeAgeOutOfRange   = "age_out_of_range"  // age on the survey date outside x-age
	CodeAgeBandMismatch = "age_band_mismatch" // x-age-bands band does not hold the age
)

// FieldError is one problem with a submission's answers.
type FieldError struct {
	// Path is a JSON pointer relative to the data object; the caller
	// prefixes "/data" when reporting on a whole submission.
	Path string `json:"path"`
	// Code is one of the Code constants.
	Code string `json:"code"`
	// Message explains the problem in both languages, naming the field by
	// its label. It never contains a submitted value.
	Message Label `json:"-"`
}

// Validate checks data (as decoded by encoding/json with UseNumber) against
// the form: the JSON Schema, then the age rules (x-age, x-age-bands) on
// surveyDate, which are skipped if surveyDate is zero. Text is checked in
// NFC, as ToStorage will store it, so lengths count NFC code points.
//
// It returns nil if the data is valid, otherwise one error per problem,
// sorted by path (list indexes compared as numbers, so /children/2 comes
// before /children/10) and then by code.
func (f *Form) Validate(data any, surveyDate time.Time) []FieldError {
	if !allNFC(data) {
		data = nfcView(data)
	}
	var errs []FieldError
	if err := f.schema.Validate(data); err != nil {
		var verr *jsonschema.ValidationError
		if errors.As(err, &verr) {
			fl := flattener{form: f, data: data}
			fl.flatten(verr)
			errs = fl.errs
		}
		if len(errs) == 0 {
			errs = append(errs, FieldError{Code: CodeInvalid, Message: invalidMessage(f.name(nil))})
		}
	}
	if f.ageRules && !surveyDate.IsZero() {
		if obj, ok := data.(map[string]any); ok {
			r := ageRules{survey: civil(surveyDate), errs: errs}
			r.check(f.Fields, obj, make([]string, 0, 8))
			errs = r.errs
		}
	}
	return sortErrors(errs)
}

// flattener turns jsonschema's tree of errors into its leaves: the causes a
// person can act on. allOf, $ref and if/then only group causes; a failing
// "if" is never reported by jsonschema in the first place.
type flattener struct {
	form *Form
	data any
	errs []FieldError
}

func (fl *flattener) flatten(e *jsonschema.ValidationError) {
	loc := e.InstanceLocation
	switch k := e.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.AllOf, *kind.Reference:
		for _, c := range e.Causes {
			fl.flatten(c)
		}
	case *kind.AnyOf, *kind.OneOf:
		// One failing alternative is the cause; of several, none is
		// more real than the others, so the value is just invalid.
		if len(e.Causes) == 1 {
			fl.flatten(e.Causes[0])
			return
		}
		fl.add(loc, CodeInvalid, invalidMessage(fl.form.name(loc)))
	case *kind.Required:
		fl.missing(loc, k.Missing)
	case *kind.DependentRequired:
		fl.missing(loc, k.Missing)
	case *kind.Dependency:
		fl.missing(loc, k.Missing)
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			at := child(loc, p)
			fl.add(at, CodeUnknownField, unknownFieldMessage(p))
		}
	case *kind.FalseSchema:
		fl.add(loc, CodeForbidden, forbiddenMessage(fl.form.name(loc)))
	case *kind.Not:
		fl.not(e)
	case *kind.Enum:
		fl.add(loc, CodeEnum, enumMessage(fl.form.name(loc), k.Want))
	case *kind.Const:
		fl.add(loc, CodeEnum, enumMessage(fl.form.name(loc), []any{k.Want}))
	case *kind.Minimum, *kind.ExclusiveMinimum:
		fl.add(loc, CodeMinimum, rangeMessage(fl.form.name(loc), fl.form.schemas[e.SchemaURL], e.ErrorKind))
	case *kind.Maximum, *kind.ExclusiveMaximum:
		fl.add(loc, CodeMaximum, rangeMessage(fl.form.name(loc), fl.form.schemas[e.SchemaURL], e.ErrorKind))
	case *kind.MinLength:
		fl.add(loc, CodeMinLength, lengthMessage(fl.form.name(loc), fl.form.schemas[e.SchemaURL], k.Want, -1))
	case *kind.MaxLength:
		fl.add(loc, CodeMaxLength, lengthMessage(fl.form.name(loc), fl.form.schemas[e.SchemaURL], -1, k.Want))
	case *kind.MinItems:
		fl.add(loc, CodeMinItems, itemsMessage(fl.form.name(loc), fl.form.schemas[e.SchemaURL], k.Want, -1))
	case *kind.MaxItems:
		fl.add(loc, CodeMaxItems, itemsMessage(fl.form.name(loc), fl.form.schemas[e.SchemaURL], -1, k.Want))
	case *kind.Pattern:
		fl.add(loc, CodePattern, patternMessage(fl.form.name(loc), fl.form.field(loc)))
	case *kind.Format:
		fl.add(loc, CodeFormat, formatMessage(fl.form.name(loc), k.Want))
	case *kind.Type:
		fl.add(loc, CodeType, typeMessage(fl.form.name(loc), k.Want))
	case *kind.InvalidJsonValue:
		fl.add(loc, CodeType, invalidMessage(fl.form.name(loc)))
	case *kind.UniqueItems:
		fl.add(loc, CodeUniqueItems, uniqueMessage(fl.form.name(loc)))
	default:
		fl.add(loc, CodeInvalid, invalidMessage(fl.form.name(loc)))
	}
}

func (fl *flattener) add(loc []string, code string, msg Label) {
	fl.errs = append(fl.errs, FieldError{Path: joinPointer(loc), Code: code, Message: msg})
}

// missing reports each missing property at its own path.
func (fl *flattener) missing(loc, names []string) {
	for _, n := range names {
		at := child(loc, n)
		fl.add(at, CodeRequired, requiredMessage(fl.form.name(at)))
	}
}

// not explains a failed "not". The usual use, {"not": {"required": [...]}}
// (or an anyOf of such), forbids properties: report each one present.
func (fl *flattener) not(e *jsonschema.ValidationError) {
	loc := e.InstanceLocation
	obj, _ := valueAt(fl.data, loc).(map[string]any)
	var names []string
	if s := fl.form.schemas[e.SchemaURL]; s != nil && s.Not != nil && obj != nil {
		names = append(names, s.Not.Required...)
		for _, alt := range slices.Concat(s.Not.AnyOf, s.Not.OneOf) {
			names = append(names, alt.Required...)
		}
	}
	found := false
	for _, n := range names {
		if _, ok := obj[n]; ok {
			at := child(loc, n)
			fl.add(at, CodeForbidden, forbiddenMessage(fl.form.name(at)))
			found = true
		}
	}
	if !found {
		fl.add(loc, CodeInvalid, invalidMessage(fl.form.name(loc)))
	}
}

// child returns loc extended by name, without sharing loc's array.
func child(loc []string, name string) []string {
	return append(slices.Clip(loc), name)
}

// valueAt returns the value at the instance location loc in data.
func valueAt(data any, loc []string) any {
	cur := data
	for _, tok := range loc {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// field returns the field that the instance location loc belongs to.
func (f *Form) field(loc []string) *Field {
	fl, _ := f.fieldAt(loc)
	return fl
}

// name is how messages call the value at loc: its field's label, the
// property name for something the form does not know, or the form itself.
func (f *Form) name(loc []string) Label {
	if len(loc) == 0 {
		return f.Title
	}
	if fl, ok := f.fieldAt(loc); ok {
		return fl.Label
	}
	last := loc[len(loc)-1]
	return Label{VI: last, EN: last}
}

// joinPointer makes a JSON pointer of the unescaped tokens.
func joinPointer(tokens []string) string {
	if len(tokens) == 0 {
		return ""
	}
	var b strings.Builder
	for _, t := range tokens {
		b.WriteString(appendPointer("", t))
	}
	return b.String()
}

// sortErrors sorts by path, then code, and drops duplicates: the same
// cause reached through two schema branches is one problem.
func sortErrors(errs []FieldError) []FieldError {
	if len(errs) < 2 {
		return errs
	}
	slices.SortStableFunc(errs, func(a, b FieldError) int {
		if c := comparePaths(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Code, b.Code)
	})
	return slices.CompactFunc(errs, func(a, b FieldError) bool {
		return a.Path == b.Path && a.Code == b.Code
	})
}

// comparePaths orders JSON pointers token by token, comparing list indexes
// as numbers so that /children/2 comes before /children/10.
func comparePaths(a, b string) int {
	for a != "" && b != "" {
		var ta, tb string
		ta, a = nextToken(a)
		tb, b = nextToken(b)
		if ta == tb {
			continue
		}
		na, errA := strconv.Atoi(ta)
		nb, errB := strconv.Atoi(tb)
		if errA == nil && errB == nil && na != nb {
			if na < nb {
				return -1
			}
			return 1
		}
		return strings.Compare(ta, tb)
	}
	return strings.Compare(a, b) // the shorter (a prefix) first
}

// nextToken splits "/tok/rest" into "tok" and "/rest".
func nextToken(p string) (string, string) {
	p = p[1:]
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i], p[i:]
	}
	return p, ""
}
