package schema

import (
	"bytes"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/khaosat/khaosat/internal/msg"
)

// The codes of a lint Problem.
const (
	LintJSON                = "json"                  // not a JSON object
	LintDialect             = "dialect"               // $schema is not draft 2020-12
	LintMetaschema          = "metaschema"            // not a valid draft 2020-12 schema
	LintCompile             = "compile"               // the compiler refuses the form
	LintFormID              = "form_id"               // x-form missing or malformed
	LintSchemaID            = "schema_id"             // $id does not follow the convention
	LintRootType            = "root_type"             // the root is not type object
	LintLabel               = "label"                 // a missing or incomplete vi/en label
	LintUnknownAnnotation   = "unknown_annotation"    // an x- keyword outside the vocabulary
	LintAnnotationValue     = "annotation_value"      // a malformed annotation value
	LintMisplacedAnnotation = "misplaced_annotation"  // an annotation where it has no meaning
	LintOrder               = "order"                 // x-order does not list the properties
	LintFieldName           = "field_name"            // not ASCII snake_case
	LintChoices             = "choices"               // enum and x-choices disagree
	LintFieldKind           = "field_kind"            // the field's kind cannot be told
	LintRequiredUnknown     = "required_unknown"      // required names no property
	LintEnvelope            = "envelope_field"        // a form redefines an envelope field
	LintAdditional          = "additional_properties" // an object without additionalProperties: false
	LintUnreachable         = "unreachable_rule"      // an if that can never hold
	LintConditionUnrequired = "condition_unrequired"  // an if that does not require what it tests
)

// Problem is one finding of Lint.
type Problem struct {
	// Path is a JSON pointer into the form document ("" is the root).
	Path string `json:"path"`
	// Code is one of the Lint* constants.
	Code string `json:"code"`
	// Message explains the problem in both languages.
	Message Label `json:"message"`
}

// LintReport holds the problems of a form: Errors keep it from being
// published, Warnings are worth a look.
type LintReport struct {
	Errors   []Problem `json:"errors"`
	Warnings []Problem `json:"warnings"`
}

// OK reports whether the form has no errors.
func (r LintReport) OK() bool { return len(r.Errors) == 0 }

// envelopeNames are the envelope's fields, which a form must not redefine.
var envelopeNames = map[string]bool{"id": true, "form_version": true, "unit": true, "survey_date": true,
	"started_at": true, "ended_at": true, "device_id": true, "location": true}

var (
	snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	formIDRE  = snakeCase
)

// Lint checks a form document and reports every problem it finds, not only
// the first: a valid draft 2020-12 schema, the x- vocabulary used as
// forms/README.md says, vi and en labels everywhere, x-choices beside every
// enum, snake_case ASCII field names, required names that exist, if/then
// rules that can hold, and no envelope field redefined. A form without
// errors compiles with Compile.
func Lint(raw []byte) LintReport {
	l := &linter{}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		l.errorf("", LintJSON, msg.LintNotJSON, err)
		return l.report()
	}
	root, ok := doc.(map[string]any)
	if !ok {
		l.errorf("", LintJSON, msg.LintNotObject)
		return l.report()
	}
	l.root = root
	l.header(root)
	l.vocabulary(root, "", true, false)
	l.metaschema(doc)
	l.object(root, "", "")
	if l.ok() {
		// The linter's own checks should catch everything Compile refuses;
		// this keeps the promise if they ever miss something.
		if _, err := Compile(raw); err != nil {
			l.errorf("", LintCompile, msg.LintDoesNotCompile, err)
		}
	}
	return l.report()
}

type linter struct {
	root     map[string]any
	errs     []Problem
	warnings []Problem
}

func (l *linter) ok() bool { return len(l.errs) == 0 }

func (l *linter) errorf(path, code string, key msg.Key, args ...any) {
	l.errs = append(l.errs, problem(path, code, key, args...))
}

func (l *linter) warnf(path, code string, key msg.Key, args ...any) {
	l.warnings = append(l.warnings, problem(path, code, key, args...))
}

// problem renders the message key with args in both languages.
func problem(path, code string, key msg.Key, args ...any) Problem {
	return Problem{Path: path, Code: code, Message: msg.Text(key, args...)}
}

func (l *linter) report() LintReport {
	sortProblems(l.errs)
	sortProblems(l.warnings)
	return LintReport{Errors: nonNil(l.errs), Warnings: nonNil(l.warnings)}
}

func nonNil(p []Problem) []Problem {
	if p == nil {
		return []Problem{}
	}
	return p
}

func sortProblems(p []Problem) {
	sort.SliceStable(p, func(i, j int) bool {
		if c := comparePaths(p[i].Path, p[j].Path); c != 0 {
			return c < 0
		}
		return p[i].Code < p[j].Code
	})
}

// header checks the root keywords.
func (l *linter) header(root map[string]any) {
	id, _ := root["x-form"].(string)
	switch {
	case id == "":
		l.errorf("/x-form", LintFormID, msg.LintFormIDMissing)
	case !formIDRE.MatchString(id) || len(id) > 64:
		l.errorf("/x-form", LintFormID, msg.LintFormIDShape, id)
	}
	if d, ok := root["$schema"]; ok && d != draft2020 && d != draft2020+"#" {
		l.errorf("/$schema", LintDialect, msg.LintDialect, draft2020)
	} else if !ok {
		l.warnf("", LintDialect, msg.LintDialectMissing, draft2020)
	}
	if sid, ok := root["$id"].(string); id != "" && (!ok || !strings.HasSuffix(sid, "/"+id+".json")) {
		l.warnf("/$id", LintSchemaID, msg.LintSchemaID, id)
	}
	if schemaType(root) != "object" {
		l.errorf("/type", LintRootType, msg.LintRootType)
	}
	l.label(root, "/x-title", "x-title")
}

// label checks a {"vi", "en"} annotation at ptr (key of s) when required
// or present.
func (l *linter) label(s map[string]any, ptr, key string) {
	v, ok := s[key]
	if !ok {
		l.errorf(ptr, LintLabel, msg.LintLabelMissing, key)
		return
	}
	l.labelValue(v, ptr)
}

func (l *linter) labelValue(v any, ptr string) {
	m, ok := v.(map[string]any)
	if !ok {
		l.errorf(ptr, LintLabel, msg.LintLabelShape)
		return
	}
	for _, lang := range []string{"vi", "en"} {
		if s, _ := m[lang].(string); strings.TrimSpace(s) == "" {
			l.errorf(ptr+"/"+lang, LintLabel, msg.LintLabelLangMissing, lang)
		}
	}
}

// vocabulary reports unknown x- keywords, flags that are not true, root
// annotations away from the root and annotations inside if/then/else,
// everywhere in the document.
func (l *linter) vocabulary(v any, ptr string, isRoot, inRule bool) {
	switch x := v.(type) {
	case []any:
		for i, item := range x {
			l.vocabulary(item, ptr+"/"+strconv.Itoa(i), false, inRule)
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			val := x[k]
			at := appendPointer(ptr, k)
			switch {
			case strings.HasPrefix(k, "x-"):
				known, flag := annotationKeyword(k)
				switch {
				case !known:
					l.errorf(at, LintUnknownAnnotation, msg.LintUnknownAnnotation, k)
				case flag && val != true:
					l.errorf(at, LintAnnotationValue, msg.LintFlagValue, k)
				case inRule:
					l.errorf(at, LintMisplacedAnnotation, msg.LintAnnotationInCondition, k)
				case !isRoot && (k == "x-form" || k == "x-title" || k == "x-sensitive-form"):
					l.errorf(at, LintMisplacedAnnotation, msg.LintAnnotationRootOnly, k)
				}
			case k == "enum" || k == "const" || k == "default" || k == "examples":
				// data, not schemas
			case k == "properties" || k == "$defs" || k == "patternProperties" || k == "dependentSchemas":
				names, _ := val.(map[string]any)
				for _, n := range sortedKeys(names) {
					l.vocabulary(names[n], appendPointer(at, n), false, inRule)
				}
			default:
				l.vocabulary(val, at, false, inRule || k == "if" || k == "then" || k == "else")
			}
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// metaschema reports every place where the document breaks the draft
// 2020-12 metaschema, and references the compiler refuses.
func (l *linter) metaschema(doc any) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(refusingLoader{})
	if err := c.AddResource(resourceURL, doc); err != nil {
		l.errorf("", LintCompile, msg.LintDoesNotCompile, err)
		return
	}
	_, err := c.Compile(resourceURL)
	if err == nil {
		return
	}
	var sve *jsonschema.SchemaValidationError
	var verr *jsonschema.ValidationError
	if !errors.As(err, &sve) || !errors.As(sve.Err, &verr) {
		l.errorf("", LintCompile, msg.LintDoesNotCompile, err)
		return
	}
	p := message.NewPrinter(language.English)
	var collect func(*jsonschema.ValidationError)
	collect = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			text := e.ErrorKind.LocalizedString(p)
			l.errorf(joinPointer(e.InstanceLocation), LintMetaschema, msg.LintMetaschema, text)
		}
		for _, c := range e.Causes {
			collect(c)
		}
	}
	collect(verr)
}
