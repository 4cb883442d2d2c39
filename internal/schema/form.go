package schema

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// draft2020 is the only dialect a form may be written in.
const draft2020 = "https://json-schema.org/draft/2020-12/schema"

// resourceURL is where a form's document is registered with the compiler.
// It never leaves the process: a form's own $id, if any, is kept in
// Form.URL and resolves its local references as usual.
const resourceURL = "urn:khaosat:form"

// Form is a compiled survey form: the JSON Schema of a submission's data
// object, plus the tree of fields its annotations describe. A Form is
// immutable after Compile and safe for concurrent use.
type Form struct {
	// ID is x-form, e.g. "household".
	ID string
	// URL is the schema's $id, if it has one.
	URL string
	// Title is x-title.
	Title Label
	// SensitiveForm is x-sensitive-form: every answer needs protecting.
	SensitiveForm bool
	// Fields are the root fields, in x-order.
	Fields []*Field

	schema *jsonschema.Schema
	// byPath indexes every field by its Path.
	byPath map[string]*Field
	// schemas indexes every compiled subschema by its location, to explain
	// a validation error from the keyword that raised it.
	schemas map[string]*jsonschema.Schema
	// ageRules is whether any field has x-age or x-age-bands.
	ageRules bool
}

// Compile parses and compiles a form (JSON Schema draft 2020-12 with the
// x- annotation vocabulary). It fails if the document is not a valid
// schema, references anything outside itself, or has malformed
// annotations. Format assertions (date, uuid, ...) are enabled.
func Compile(raw []byte) (*Form, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("compile form: %w", err)
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("compile form: want a JSON object")
	}
	f := &Form{}
	if f.ID, _ = root["x-form"].(string); f.ID == "" {
		return nil, fmt.Errorf("compile form: missing x-form")
	}
	if d, ok := root["$schema"]; ok && d != draft2020 && d != draft2020+"#" {
		return nil, fmt.Errorf("compile form %s: $schema is %v, want %s", f.ID, d, draft2020)
	}
	if schemaType(root) != "object" {
		return nil, fmt.Errorf("compile form %s: the root must have type object", f.ID)
	}
	f.URL, _ = root["$id"].(string)
	if f.Title, err = parseLabel(root["x-title"]); err != nil {
		return nil, fmt.Errorf("compile form %s: x-title: %w", f.ID, err)
	}
	f.SensitiveForm = root["x-sensitive-form"] == true
	if err := checkVocabulary(root, ""); err != nil {
		return nil, fmt.Errorf("compile form %s: %w", f.ID, err)
	}

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(refusingLoader{})
	if err := c.AddResource(resourceURL, doc); err != nil {
		return nil, fmt.Errorf("compile form %s: %w", f.ID, err)
	}
	if f.schema, err = c.Compile(resourceURL); err != nil {
		return nil, fmt.Errorf("compile form %s: %w", f.ID, metaschemaProblems(err))
	}
	f.schemas = map[string]*jsonschema.Schema{}
	indexSchemas(f.schema, f.schemas)

	a := annotator{root: root}
	if f.Fields, err = a.objectFields(root, ""); err != nil {
		return nil, fmt.Errorf("compile form %s: %w", f.ID, err)
	}
	f.byPath = map[string]*Field{}
	f.Walk(func(fl *Field) {
		f.byPath[fl.Path] = fl
		f.ageRules = f.ageRules || fl.Age != nil || fl.AgeBands != nil
	})
	return f, nil
}

// metaschemaProblems spells out where a form breaks the draft 2020-12
// metaschema, which jsonschema's error only names; other errors pass as
// they are.
func metaschemaProblems(err error) error {
	var sve *jsonschema.SchemaValidationError
	var verr *jsonschema.ValidationError
	if !errors.As(err, &sve) || !errors.As(sve.Err, &verr) {
		return err
	}
	p := message.NewPrinter(language.English)
	var leaves []string
	var collect func(*jsonschema.ValidationError)
	collect = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			leaves = append(leaves, displayPath(joinPointer(e.InstanceLocation))+": "+e.ErrorKind.LocalizedString(p))
		}
		for _, c := range e.Causes {
			collect(c)
		}
	}
	collect(verr)
	return fmt.Errorf("not a valid JSON Schema (draft 2020-12): %s", strings.Join(leaves, "; "))
}

// refusingLoader keeps a form self-contained: no files, no network.
type refusingLoader struct{}

// Load implements jsonschema.URLLoader.
func (refusingLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("a form may only reference itself, not %s", url)
}

// Walk calls fn for every field, depth first, in x-order.
func (f *Form) Walk(fn func(*Field)) {
	walkFields(f.Fields, fn)
}

func walkFields(fields []*Field, fn func(*Field)) {
	for _, fl := range fields {
		fn(fl)
		walkFields(fl.Fields, fn)
	}
}

// Field returns the field at path, or nil. The path is a Field.Path such
// as "/children/*/sex"; an instance path with an index in place of the "*"
// ("/children/2/sex") finds the same field.
func (f *Form) Field(path string) *Field {
	if fl, ok := f.byPath[path]; ok {
		return fl
	}
	if path == "" || path[0] != '/' {
		return nil
	}
	// The tokens of an instance path of a few levels stay on the stack:
	// an export looks up a field for every sealed answer of every row.
	var buf [8]string
	if fl, ok := f.fieldAt(splitTokens(buf[:0], path[1:])); ok {
		return fl
	}
	return nil
}

// splitTokens appends to dst the tokens of p split at "/", as strings.Split.
func splitTokens(dst []string, p string) []string {
	for {
		t, rest, more := strings.Cut(p, "/")
		dst = append(dst, t)
		if !more {
			return dst
		}
		p = rest
	}
}

// fieldAt finds the field for the unescaped instance path tokens. It
// returns the deepest field it reached and whether that field is the one
// the whole path names; an item of a multiple choice belongs to its field.
func (f *Form) fieldAt(tokens []string) (*Field, bool) {
	var cur *Field
	fields := f.Fields
	index := false // whether the next token is a list index
	for i, tok := range tokens {
		tok = unescapeToken(tok)
		if index {
			if _, err := strconv.Atoi(tok); err != nil && tok != "*" {
				return cur, false
			}
			if cur.Kind == KindMultiChoice {
				return cur, i == len(tokens)-1
			}
			index = false
			continue
		}
		next := findField(fields, tok)
		if next == nil {
			return cur, false
		}
		cur, fields = next, next.Fields
		index = next.Kind == KindRepeat || next.Kind == KindMultiChoice
	}
	return cur, cur != nil
}

// unescapeToken undoes RFC 6901 escaping of one reference token.
func unescapeToken(tok string) string {
	if !strings.Contains(tok, "~") {
		return tok
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// indexSchemas records s and every schema reachable from it by location.
func indexSchemas(s *jsonschema.Schema, into map[string]*jsonschema.Schema) {
	if s == nil {
		return
	}
	if _, seen := into[s.Location]; seen {
		return
	}
	into[s.Location] = s
	var subs []*jsonschema.Schema
	subs = append(subs, s.Ref, s.RecursiveRef, s.Not, s.If, s.Then, s.Else,
		s.PropertyNames, s.UnevaluatedProperties, s.Contains, s.Items2020,
		s.UnevaluatedItems, s.ContentSchema)
	if s.DynamicRef != nil {
		subs = append(subs, s.DynamicRef.Ref)
	}
	subs = append(subs, s.AllOf...)
	subs = append(subs, s.AnyOf...)
	subs = append(subs, s.OneOf...)
	subs = append(subs, s.PrefixItems...)
	for _, p := range s.Properties {
		subs = append(subs, p)
	}
	for _, p := range s.PatternProperties {
		subs = append(subs, p)
	}
	for _, p := range s.DependentSchemas {
		subs = append(subs, p)
	}
	for _, d := range s.Dependencies {
		if p, ok := d.(*jsonschema.Schema); ok {
			subs = append(subs, p)
		}
	}
	for _, v := range []any{s.AdditionalProperties, s.AdditionalItems, s.Items} {
		switch v := v.(type) {
		case *jsonschema.Schema:
			subs = append(subs, v)
		case []*jsonschema.Schema:
			subs = append(subs, v...)
		}
	}
	for _, sub := range subs {
		indexSchemas(sub, into)
	}
}
