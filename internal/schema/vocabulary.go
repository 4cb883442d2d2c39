package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// This file reads the values of the annotation keywords (forms/README.md)
// and checks that a form uses no others.

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
		return fmt.Errorf("%s: x-age-bands is for choice fields, not %s ones", f.Path, f.Kind)
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

// PersonalOmit is the value of x-personal that leaves the answer out of
// the exports of callers without the personal grant (true pseudonymises).
const PersonalOmit = "omit"

// annotationKeyword reports whether k is in the form annotation vocabulary
// (forms/README.md) and whether it is a flag, which is true or absent.
func annotationKeyword(k string) (known, flag bool) {
	switch k {
	case "x-repeat", "x-personal", "x-sensitive", "x-sensitive-form":
		return true, true
	case "x-form", "x-title", "x-label", "x-hint", "x-order", "x-choices", "x-age", "x-age-bands", "x-ref":
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
				if k == "x-personal" {
					if val != true && val != PersonalOmit {
						return fmt.Errorf("%s: x-personal must be true, %q or absent", displayPath(path), PersonalOmit)
					}
				} else if flag && val != true {
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

// The registry records an x-ref may name (forms/README.md): the answer is
// the id of one, which the server checks exists and is the sender's to
// name.
const (
	RefChild     = "child"
	RefHousehold = "household"
)

// parseRef reads x-ref, which names a registry record kind and belongs on
// a uuid text field.
func parseRef(raw any, s map[string]any) (string, error) {
	v, _ := raw.(string)
	if v != RefChild && v != RefHousehold {
		return "", fmt.Errorf("want %q or %q", RefChild, RefHousehold)
	}
	if schemaType(s) != "string" || s["format"] != "uuid" {
		return "", errors.New("it is for text fields of format uuid")
	}
	return v, nil
}
