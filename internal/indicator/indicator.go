// Package indicator is the statistics indicator set (forms/indicators/)
// and everything computed from it.
//
// Definitions: conditions are CEL expressions compiled and type-checked at
// load against the fields of the indicator's form, so that a misspelt
// field, a wrong type or a choice code the form does not have fails at
// start-up, naming the indicator and the position (indicator.go, check.go,
// sensitive.go).
//
// Facts: each submission's rows are evaluated once, when it is written,
// into small facts stored with it (Deriver, which intake is built with as
// its survey.FactDeriver); a table is a count over the facts by the store
// (Indicators, query.go), rebuilt when the definitions change. The cells
// of sensitive indicators are kept sealed (factseal.go: the domain says
// which cells, the adapters only store them), and small counts are
// suppressed so that no table, nor two tables together, tells one child
// (suppress.go, suppress_cache.go).
//
// The package imports survey (actors, submissions, units, errors); survey
// never imports it.
package indicator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common"
	"github.com/google/cel-go/common/types"

	"github.com/khaosat/khaosat/internal/schema"
)

// Types of indicator.
const (
	TypePercent = "percent" // 100 × numerator / denominator
	TypeCount   = "count"   // the numerator
)

// Definition is one indicator as written in the definitions file.
type Definition struct {
	Code string       `json:"code"`
	Name schema.Label `json:"name"`
	Rule schema.Label `json:"rule"`
	Type string       `json:"type"`
	Form string       `json:"form"`
	// Rows is "" when a submission is one row, or the name of a root
	// repeat field whose items are the rows (e.g. "children").
	Rows string `json:"rows,omitempty"`
	// Denominator and Numerator are CEL conditions over the row's fields
	// and age; an empty denominator means every row.
	Denominator string `json:"denominator,omitempty"`
	Numerator   string `json:"numerator"`
	Sensitive   bool   `json:"sensitive,omitempty"`
}

// Indicator is a compiled definition.
type Indicator struct {
	Definition
	den, num cel.Program
	fields   []*schema.Field // the row's fields, the variables of the conditions
	usesAge  bool
}

// Set is the loaded indicator set, in file order.
type Set struct {
	Indicators []*Indicator
	// Hash identifies the definitions' content: facts are rebuilt when it changes.
	Hash   string
	byCode map[string]*Indicator
}

// ByCode returns the indicator with code.
func (s *Set) ByCode(code string) (*Indicator, bool) {
	ind, ok := s.byCode[code]
	return ind, ok
}

// ForForm returns the indicators whose rows come from form.
func (s *Set) ForForm(form string) []*Indicator {
	var out []*Indicator
	for _, ind := range s.Indicators {
		if ind.Form == form {
			out = append(out, ind)
		}
	}
	return out
}

type file struct {
	Indicators []Definition `json:"indicators"`
}

// Load parses and compiles the definitions in raw against forms (by id).
func Load(raw []byte, forms map[string]*schema.Form) (*Set, error) {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("indicator definitions: %w", err)
	}
	if len(f.Indicators) == 0 {
		return nil, fmt.Errorf("indicator definitions: no indicators")
	}
	sum := sha256.Sum256(raw)
	s := &Set{Hash: hex.EncodeToString(sum[:]), byCode: map[string]*Indicator{}}
	for i, d := range f.Indicators {
		ind, err := compile(d, forms)
		if err != nil {
			if d.Code == "" {
				return nil, fmt.Errorf("indicator #%d: %w", i+1, err)
			}
			return nil, fmt.Errorf("indicator %s: %w", d.Code, err)
		}
		if _, dup := s.byCode[d.Code]; dup {
			return nil, fmt.Errorf("indicator %s: defined twice", d.Code)
		}
		s.byCode[d.Code] = ind
		s.Indicators = append(s.Indicators, ind)
	}
	return s, nil
}

func compile(d Definition, forms map[string]*schema.Form) (*Indicator, error) {
	switch {
	case d.Code == "" || strings.ToUpper(d.Code) != d.Code || strings.ContainsAny(d.Code, " ,;"):
		return nil, fmt.Errorf("code must be upper-case without spaces, commas or semicolons")
	case d.Name.VI == "" || d.Name.EN == "" || d.Rule.VI == "" || d.Rule.EN == "":
		return nil, fmt.Errorf("name and rule need both vi and en")
	case d.Type != TypePercent && d.Type != TypeCount:
		return nil, fmt.Errorf("type is %q, want %q or %q", d.Type, TypePercent, TypeCount)
	case d.Numerator == "":
		return nil, fmt.Errorf("numerator is empty")
	}
	form := forms[d.Form]
	if form == nil {
		return nil, fmt.Errorf("unknown form %q", d.Form)
	}
	ind := &Indicator{Definition: d, fields: form.Fields}
	if d.Rows != "" {
		rep := form.Field("/" + d.Rows)
		if rep == nil || rep.Kind != schema.KindRepeat {
			return nil, fmt.Errorf("rows: form %s has no repeat %q", d.Form, d.Rows)
		}
		ind.fields = rep.Fields
	}
	env, err := newEnv(ind.fields)
	if err != nil {
		return nil, err
	}
	den := d.Denominator
	if den == "" {
		den = "true"
	}
	if ind.den, ind.usesAge, err = compileExpr(env, ind.fields, den, d.Code+" denominator"); err != nil {
		return nil, err
	}
	var numAge bool
	if ind.num, numAge, err = compileExpr(env, ind.fields, d.Numerator, d.Code+" numerator"); err != nil {
		return nil, err
	}
	ind.usesAge = ind.usesAge || numAge
	ind.Sensitive = ind.Sensitive || derivedSensitive(env, form, ind.fields, den, d.Numerator)
	return ind, nil
}

// celType is the CEL type of a field's answer; ok is false for fields that
// are not variables (groups and repeats).
func celType(f *schema.Field) (*cel.Type, bool) {
	intCodes := len(f.Choices) > 0
	for _, c := range f.Choices {
		if _, isInt := c.Code.(int64); !isInt {
			intCodes = false
		}
	}
	switch f.Kind {
	case schema.KindString, schema.KindDateTime:
		return cel.StringType, true
	case schema.KindInteger:
		return cel.IntType, true
	case schema.KindNumber:
		return cel.DoubleType, true
	case schema.KindBoolean:
		return cel.BoolType, true
	case schema.KindDate:
		return cel.TimestampType, true
	case schema.KindChoice:
		if intCodes {
			return cel.IntType, true
		}
		return cel.StringType, true
	case schema.KindMultiChoice:
		if intCodes {
			return cel.ListType(cel.IntType), true
		}
		return cel.ListType(cel.StringType), true
	}
	return nil, false
}

// AgeVar is the variable holding the row's age in completed years on the
// survey date, from its date_of_birth.
const AgeVar = "age"

// DateOfBirth is the field age is computed from.
const DateOfBirth = "date_of_birth"

func newEnv(fields []*schema.Field) (*cel.Env, error) {
	opts := []cel.EnvOption{cel.CrossTypeNumericComparisons(true)}
	for _, f := range fields {
		if t, ok := celType(f); ok {
			opts = append(opts, cel.Variable(f.Name, t))
		}
		if f.Name == AgeVar {
			return nil, fmt.Errorf("the form has a field named %q, which the age variable shadows", AgeVar)
		}
	}
	if slices.ContainsFunc(fields, func(f *schema.Field) bool { return f.Name == DateOfBirth && f.Kind == schema.KindDate }) {
		opts = append(opts, cel.Variable(AgeVar, cel.IntType))
	}
	return cel.NewEnv(opts...)
}

func compileExpr(env *cel.Env, fields []*schema.Field, expr, where string) (cel.Program, bool, error) {
	ast, iss := env.CompileSource(common.NewStringSource(expr, where))
	if iss.Err() != nil {
		return nil, false, fmt.Errorf("%w", iss.Err())
	}
	if ast.OutputType() != cel.BoolType {
		return nil, false, fmt.Errorf("%s: the condition is of type %s, want bool", where, ast.OutputType())
	}
	if err := checkCodes(ast, fields, where); err != nil {
		return nil, false, err
	}
	prg, err := env.Program(ast)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", where, err)
	}
	return prg, strings.Contains(expr, AgeVar) && referencesAge(ast), nil
}

// Eval returns whether a row is in the denominator and in the numerator
// (never in the numerator without being in the denominator). vars come
// from Vars.
func (ind *Indicator) Eval(vars map[string]any) (inDen, inNum bool, err error) {
	if inDen, err = evalBool(ind.den, vars); err != nil || !inDen {
		return false, false, err
	}
	inNum, err = evalBool(ind.num, vars)
	return inDen, inNum, err
}

func evalBool(p cel.Program, vars map[string]any) (bool, error) {
	out, _, err := p.Eval(vars)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("condition gave %v, not a bool", out)
	}
	return bool(b), nil
}

// Vars are the variables of one row: each field's answer (storage form),
// the type's zero value when absent (an older form version, or a question
// not asked), and age when the row has a date of birth.
func Vars(fields []*schema.Field, row map[string]any, surveyDate time.Time) map[string]any {
	vars := make(map[string]any, len(fields)+1)
	for _, f := range fields {
		t, ok := celType(f)
		if !ok {
			continue
		}
		v, present := row[f.Name]
		vars[f.Name] = value(t, v, present)
		if f.Name == DateOfBirth && f.Kind == schema.KindDate {
			if dob, ok := v.(time.Time); ok {
				vars[AgeVar] = int64(schema.Age(dob, surveyDate))
			} else {
				vars[AgeVar] = int64(-1) // no date: in no age range
			}
		}
	}
	return vars
}

func value(t *cel.Type, v any, present bool) any {
	switch t {
	case cel.IntType:
		if n, ok := v.(int64); ok && present {
			return n
		}
		if f, ok := v.(float64); ok && present {
			return int64(f)
		}
		return int64(0)
	case cel.DoubleType:
		switch n := v.(type) {
		case float64:
			return n
		case int64:
			return float64(n)
		}
		return float64(0)
	case cel.StringType:
		if s, ok := v.(string); ok {
			return s
		}
		return ""
	case cel.BoolType:
		b, _ := v.(bool)
		return b
	case cel.TimestampType:
		if tm, ok := v.(time.Time); ok {
			return tm
		}
		return time.Time{}
	}
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{}
}

// Fields returns the fields the indicator's conditions read.
func (ind *Indicator) Fields() []*schema.Field { return ind.fields }

// LoadSet reads the indicator definitions file of fsys and
// compiles it against the forms in formsDir (their current files).
func LoadSet(fsys fs.FS, formsDir, file string) (*Set, error) {
	names, err := fs.Glob(fsys, path.Join(formsDir, "*.json"))
	if err != nil {
		return nil, err
	}
	forms := map[string]*schema.Form{}
	for _, n := range names {
		raw, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		f, err := schema.Compile(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		forms[f.ID] = f
	}
	raw, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("indicator definitions: %w", err)
	}
	return Load(raw, forms)
}
