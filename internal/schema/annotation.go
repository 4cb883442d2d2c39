package schema

import (
	"encoding/json"
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
	f.Personal = s["x-personal"] == true
	if err := a.fieldKind(f, s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if raw, ok := s["x-age"]; ok {
		if f.Kind != KindDate {
			return nil, fmt.Errorf("%s: x-age on a %s field, want a date", path, f.Kind)
		}
		r, err := parseAgeRange(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: x-age: %w", path, err)
		}
		f.Age = &r
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

// fieldKind works out f.Kind, its choices and its children from s.
func (a *annotator) fieldKind(f *Field, s map[string]any) error {
	typ := schemaType(s)
	_, hasEnum := s["enum"]
	_, hasChoices := s["x-choices"]
	switch {
	case typ == "array":
		items, _ := s["items"].(map[string]any)
		if items == nil {
			return errors.New("an array field needs an items schema")
		}
		items, err := a.resolve(items)
		if err != nil {
			return fmt.Errorf("items: %w", err)
		}
		_, itemEnum := items["enum"]
		_, itemChoices := items["x-choices"]
		switch {
		case s["x-repeat"] == true || schemaType(items) == "object":
			f.Kind = KindRepeat
			f.Fields, err = a.objectFields(items, f.Path+"/*")
			return err
		case itemEnum || itemChoices:
			f.Kind = KindMultiChoice
			f.Choices, err = parseChoices(items)
			return err
		}
		return errors.New("an array field must be a repeat (x-repeat) or a multiple choice (items with enum)")
	case hasEnum || hasChoices:
		f.Kind = KindChoice
		var err error
		f.Choices, err = parseChoices(s)
		return err
	case typ == "object":
		f.Kind = KindObject
		var err error
		f.Fields, err = a.objectFields(s, f.Path)
		return err
	case typ == "string":
		switch s["format"] {
		case "date":
			f.Kind = KindDate
		case "date-time":
			f.Kind = KindDateTime
		default:
			f.Kind = KindString
		}
	case typ == "integer":
		f.Kind = KindInteger
	case typ == "number":
		f.Kind = KindNumber
	case typ == "boolean":
		f.Kind = KindBoolean
	default:
		return fmt.Errorf("cannot tell the kind of field from type %q", typ)
	}
	return nil
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

// parseChoices reads x-choices, which must sit beside enum and list the
// same codes in the same order.
func parseChoices(s map[string]any) ([]Choice, error) {
	enum, _ := s["enum"].([]any)
	list, ok := s["x-choices"].([]any)
	if !ok {
		return nil, errors.New("an enum needs x-choices, a list of {code, vi, en}")
	}
	if len(list) != len(enum) {
		return nil, fmt.Errorf("x-choices has %d codes, enum %d", len(list), len(enum))
	}
	choices := make([]Choice, 0, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("x-choices[%d] must be an object", i)
		}
		c, err := choiceCode(m["code"])
		if err != nil {
			return nil, fmt.Errorf("x-choices[%d].code: %w", i, err)
		}
		if e, err := choiceCode(enum[i]); err != nil || e != c {
			return nil, fmt.Errorf("x-choices[%d].code %v differs from enum[%d] %v", i, c, i, enum[i])
		}
		l, err := parseLabel(m)
		if err != nil {
			return nil, fmt.Errorf("x-choices[%d]: %w", i, err)
		}
		choices = append(choices, Choice{Code: c, Label: l})
	}
	return choices, nil
}

// choiceCode turns a decoded enum value into a string or int64 code.
func choiceCode(v any) (any, error) {
	switch c := v.(type) {
	case string:
		return c, nil
	case json.Number:
		n, err := c.Int64()
		if err != nil {
			return nil, fmt.Errorf("code %s is not an integer", c)
		}
		return n, nil
	}
	return nil, fmt.Errorf("code %v must be a string or an integer", v)
}

// parseLabel reads {"vi": ..., "en": ...}; both are needed.
func parseLabel(raw any) (Label, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return Label{}, errors.New(`want {"vi": ..., "en": ...}`)
	}
	vi, _ := m["vi"].(string)
	en, _ := m["en"].(string)
	if vi == "" || en == "" {
		return Label{}, errors.New(`want non-empty "vi" and "en"`)
	}
	return Label{VI: vi, EN: en}, nil
}

// parseAgeRange reads {"min": A, "max": B}.
func parseAgeRange(raw any) (AgeRange, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return AgeRange{}, errors.New(`want {"min": A, "max": B}`)
	}
	lo, err1 := intValue(m["min"])
	hi, err2 := intValue(m["max"])
	if err1 != nil || err2 != nil || lo < 0 || lo > hi {
		return AgeRange{}, errors.New(`want {"min": A, "max": B} with 0 ≤ A ≤ B`)
	}
	return AgeRange{Min: lo, Max: hi}, nil
}

// parseAgeBands reads {"from": name, "bands": {code: {min, max}}}.
func parseAgeBands(raw any) (*AgeBands, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New(`want {"from": ..., "bands": {...}}`)
	}
	from, _ := m["from"].(string)
	bands, _ := m["bands"].(map[string]any)
	if from == "" || len(bands) == 0 {
		return nil, errors.New(`want a "from" field name and some "bands"`)
	}
	b := &AgeBands{From: from, Bands: make(map[string]AgeRange, len(bands))}
	for code, r := range bands {
		ar, err := parseAgeRange(r)
		if err != nil {
			return nil, fmt.Errorf("band %q: %w", code, err)
		}
		b.Bands[code] = ar
	}
	return b, nil
}

// checkAgeBands checks that an x-age-bands field is a choice whose codes are
// the bands, and that it names a sibling date field.
func checkAgeBands(f *Field, siblings []*Field) error {
	if f.AgeBands == nil {
		return nil
	}
	if f.Kind != KindChoice {
		return fmt.Errorf("%s: x-age-bands on a %s field, want a choice", f.Path, f.Kind)
	}
	from := findField(siblings, f.AgeBands.From)
	if from == nil || from.Kind != KindDate {
		return fmt.Errorf("%s: x-age-bands.from %q is not a sibling date field", f.Path, f.AgeBands.From)
	}
	for _, c := range f.Choices {
		code, ok := c.Code.(string)
		if !ok {
			return fmt.Errorf("%s: x-age-bands needs string codes", f.Path)
		}
		if _, ok := f.AgeBands.Bands[code]; !ok {
			return fmt.Errorf("%s: x-age-bands has no band for choice %q", f.Path, code)
		}
	}
	if len(f.AgeBands.Bands) != len(f.Choices) {
		return fmt.Errorf("%s: x-age-bands has bands that are not choices", f.Path)
	}
	return nil
}

// stringList returns the strings of a decoded JSON list.
func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// intValue reads a decoded JSON integer.
func intValue(v any) (int, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, errors.New("not a number")
	}
	i, err := strconv.Atoi(string(n))
	if err != nil {
		return 0, errors.New("not an integer")
	}
	return i, nil
}

// displayPath names the data root "/" in compile errors.
func displayPath(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// annotationKeyword reports whether k is in the form annotation vocabulary
// (forms/README.md) and whether it is a flag, which is true or absent.
func annotationKeyword(k string) (known, flag bool) {
	switch k {
	case "x-repeat", "x-personal", "x-sensitive", "x-sensitive-form":
		return true, true
	case "x-form", "x-title", "x-label", "x-hint", "x-order", "x-choices", "x-age", "x-age-bands":
		return true, false
	}
	return false, false
}

// checkVocabulary rejects x- keywords outside the vocabulary, and flags
// that are anything but true, anywhere in the schema document v.
func checkVocabulary(v any, path string) error {
	switch x := v.(type) {
	case []any:
		for i, item := range x {
			if err := checkVocabulary(item, path+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, val := range x {
			at := appendPointer(path, k)
			switch {
			case strings.HasPrefix(k, "x-"):
				known, flag := annotationKeyword(k)
				if !known {
					return fmt.Errorf("%s: unknown annotation %s", displayPath(path), k)
				}
				if flag && val != true {
					return fmt.Errorf("%s: %s must be true or absent", displayPath(path), k)
				}
			case k == "enum" || k == "const" || k == "default" || k == "examples":
				// data, not schemas
			case k == "properties" || k == "$defs" || k == "patternProperties" || k == "dependentSchemas":
				names, _ := val.(map[string]any)
				for n, sub := range names {
					if err := checkVocabulary(sub, appendPointer(at, n)); err != nil {
						return err
					}
				}
			default:
				if err := checkVocabulary(val, at); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
