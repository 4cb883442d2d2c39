package schema

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// annotator reads the x- annotation vocabulary (see forms/README.md) from
// a form's raw schema document and builds the Field tree. The validator
// ignores these keywords, so this is the only place they are interpreted.
type annotator struct {
	root map[string]any
}

// maxRefDepth bounds chains of local $ref while reading annotations.
const maxRefDepth = 32

// resolve follows a local "$ref" ("#/$defs/..."), returning the target
// overlaid with the referring schema's own keywords, so that a property can
// say {"$ref": "#/$defs/yes_no", "x-label": ...}.
func (a *annotator) resolve(s map[string]any) (map[string]any, error) {
	for depth := 0; ; depth++ {
		ref, ok := s["$ref"].(string)
		if !ok || !strings.HasPrefix(ref, "#") {
			return s, nil
		}
		if depth == maxRefDepth {
			return nil, fmt.Errorf("$ref %q: too deep", ref)
		}
		target, err := lookupPointer(a.root, strings.TrimPrefix(ref, "#"))
		if err != nil {
			return nil, fmt.Errorf("$ref %q: %w", ref, err)
		}
		t, ok := target.(map[string]any)
		if !ok {
			// A boolean schema carries no annotations.
			return s, nil
		}
		merged := make(map[string]any, len(t)+len(s))
		for k, v := range t {
			merged[k] = v
		}
		for k, v := range s {
			if k != "$ref" {
				merged[k] = v
			}
		}
		s = merged
	}
}

// lookupPointer finds the value at the JSON pointer ptr inside doc.
func lookupPointer(doc any, ptr string) (any, error) {
	if ptr == "" {
		return doc, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, errors.New("only JSON pointers are supported")
	}
	cur := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, fmt.Errorf("%q not found", tok)
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("index %q out of range", tok)
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("%q not found", tok)
		}
	}
	return cur, nil
}

// objectFields builds the fields of an object schema, in x-order.
func (a *annotator) objectFields(obj map[string]any, path string) ([]*Field, error) {
	props, _ := obj["properties"].(map[string]any)
	names, err := fieldOrder(obj, props)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", displayPath(path), err)
	}
	required := map[string]bool{}
	for _, n := range stringList(obj["required"]) {
		required[n] = true
	}
	conditional := map[string]bool{}
	if err := a.collectConditional(obj, false, conditional); err != nil {
		return nil, fmt.Errorf("%s: %w", displayPath(path), err)
	}
	fields := make([]*Field, 0, len(names))
	for _, name := range names {
		ps, ok := props[name].(map[string]any)
		if !ok {
			// A boolean property schema ("x": false) forbids or allows
			// a name; it is not a question.
			continue
		}
		f, err := a.field(name, ps, appendPointer(path, name))
		if err != nil {
			return nil, err
		}
		f.Required = required[name]
		f.Conditional = !f.Required && conditional[name]
		fields = append(fields, f)
	}
	for _, f := range fields {
		if err := checkAgeBands(f, fields); err != nil {
			return nil, err
		}
	}
	return fields, nil
}

// fieldOrder returns the property names in x-order, which must list each
// of the object's properties exactly once.
func fieldOrder(obj, props map[string]any) ([]string, error) {
	raw, ok := obj["x-order"]
	if !ok {
		if len(props) == 0 {
			return nil, nil
		}
		return nil, errors.New("missing x-order")
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, errors.New("x-order must be a list of property names")
	}
	names := make([]string, 0, len(list))
	seen := map[string]bool{}
	for _, v := range list {
		n, ok := v.(string)
		if !ok {
			return nil, errors.New("x-order must be a list of property names")
		}
		if _, ok := props[n]; !ok {
			return nil, fmt.Errorf("x-order names %q, which is not a property", n)
		}
		if seen[n] {
			return nil, fmt.Errorf("x-order names %q twice", n)
		}
		seen[n] = true
		names = append(names, n)
	}
	var missing []string
	for n := range props {
		if !seen[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("x-order leaves out %s", strings.Join(missing, ", "))
	}
	return names, nil
}

// collectConditional gathers the names that an if/then/else branch (or
// dependentRequired) of obj may require.
func (a *annotator) collectConditional(s map[string]any, inBranch bool, into map[string]bool) error {
	s, err := a.resolve(s)
	if err != nil {
		return err
	}
	if inBranch {
		for _, n := range stringList(s["required"]) {
			into[n] = true
		}
	}
	if dr, ok := s["dependentRequired"].(map[string]any); ok {
		for _, names := range dr {
			for _, n := range stringList(names) {
				into[n] = true
			}
		}
	}
	for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
		list, _ := s[kw].([]any)
		for _, sub := range list {
			if m, ok := sub.(map[string]any); ok {
				if err := a.collectConditional(m, inBranch || kw != "allOf", into); err != nil {
					return err
				}
			}
		}
	}
	for _, kw := range []string{"then", "else"} {
		if m, ok := s[kw].(map[string]any); ok {
			if err := a.collectConditional(m, true, into); err != nil {
				return err
			}
		}
	}
	return nil
}

// field builds one field from its property schema.
func (a *annotator) field(name string, s map[string]any, path string) (*Field, error) {
	s, err := a.resolve(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f := &Field{Name: name, Path: path}
	if f.Label, err = parseLabel(s["x-label"]); err != nil {
		return nil, fmt.Errorf("%s: x-label: %w", path, err)
	}
	if raw, ok := s["x-hint"]; ok {
		h, err := parseLabel(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: x-hint: %w", path, err)
		}
		f.Hint = &h
	}
	f.Sensitive = s["x-sensitive"] == true
	f.Personal = s["x-personal"] == true || s["x-personal"] == PersonalOmit
	f.OmitPersonal = s["x-personal"] == PersonalOmit
	obj, err := a.fieldKind(f, s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if obj != nil {
		at := path
		if f.Kind == KindRepeat {
			at += "/*"
		}
		if f.Fields, err = a.objectFields(obj, at); err != nil {
			return nil, err
		}
	}
	if raw, ok := s["x-age"]; ok {
		if f.Kind != KindDate {
			return nil, fmt.Errorf("%s: x-age is for date fields, not %s ones", path, f.Kind)
		}
		r, err := parseAgeRange(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: x-age: %w", path, err)
		}
		f.Age = &r
	}
	if raw, ok := s["x-ref"]; ok {
		if f.Ref, err = parseRef(raw, s); err != nil {
			return nil, fmt.Errorf("%s: x-ref: %w", path, err)
		}
	}
	if raw, ok := s["x-age-bands"]; ok {
		b, err := parseAgeBands(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: x-age-bands: %w", path, err)
		}
		f.AgeBands = b
	}
	return f, nil
}

// fieldKind works out f.Kind and its choices from s. For an object or a
// repeat it returns the object schema that describes the children.
func (a *annotator) fieldKind(f *Field, s map[string]any) (map[string]any, error) {
	typ := schemaType(s)
	_, hasEnum := s["enum"]
	_, hasChoices := s["x-choices"]
	var err error
	switch {
	case typ == "array":
		items, _ := s["items"].(map[string]any)
		if items == nil {
			return nil, errors.New("an array field needs an items schema")
		}
		if items, err = a.resolve(items); err != nil {
			return nil, fmt.Errorf("items: %w", err)
		}
		_, itemEnum := items["enum"]
		_, itemChoices := items["x-choices"]
		switch {
		case s["x-repeat"] == true || schemaType(items) == "object":
			f.Kind = KindRepeat
			return items, nil
		case itemEnum || itemChoices:
			f.Kind = KindMultiChoice
			f.Choices, err = parseChoices(items)
			return nil, err
		}
		return nil, errors.New("an array field must be a repeat (x-repeat) or a multiple choice (items with enum)")
	case hasEnum || hasChoices:
		f.Kind = KindChoice
		f.Choices, err = parseChoices(s)
		return nil, err
	case typ == "object":
		f.Kind = KindObject
		return s, nil
	case typ == "string":
		switch s["format"] {
		case "date":
			f.Kind = KindDate
		case "date-time":
			f.Kind = KindDateTime
		default:
			f.Kind = KindString
			f.Format, _ = s["format"].(string)
		}
	case typ == "integer":
		f.Kind = KindInteger
	case typ == "number":
		f.Kind = KindNumber
	case typ == "boolean":
		f.Kind = KindBoolean
	default:
		return nil, fmt.Errorf("cannot tell the kind of field from type %q", typ)
	}
	return nil, nil
}

// schemaType returns the schema's "type", ignoring "null" in a list.
func schemaType(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		for _, v := range t {
			if str, ok := v.(string); ok && str != "null" {
				return str
			}
		}
	}
	return ""
}
