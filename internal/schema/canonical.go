package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// Canonical returns one JSON encoding for all spellings of the same
// answers, to tell whether a retried submission carries identical content.
// It takes the answers in API form (as Validate does), in storage form (as
// ToStorage returns) or as read back from the database (as FromStorage
// takes), and writes them as the storage form would be in JSON: object keys
// sorted, dates "YYYY-MM-DD", integer fields and codes as integers, number
// fields in the shortest form that round-trips (so 1 and 1.0 agree), text
// NFC-normalised, no HTML escaping and no insignificant space.
func (f *Form) Canonical(data map[string]any) ([]byte, error) {
	v := convertObject(f.Fields, data, canonical)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// encoding/json sorts map keys and writes float64 and int64 in one
	// fixed way each, which is all the canonical form needs.
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("canonical %s answers: %w", f.ID, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// SameAnswer reports whether a and b are the same answer of field f, in
// whatever spelling (API form, storage form or as read back): their
// canonical encodings are equal, and the codes of a multiple choice are
// compared as a set (uniqueItems: their order means nothing).
func (f *Field) SameAnswer(a, b any) bool {
	ea, errA := canonicalAnswer(f, a)
	eb, errB := canonicalAnswer(f, b)
	return errA == nil && errB == nil && bytes.Equal(ea, eb)
}

func canonicalAnswer(f *Field, v any) ([]byte, error) {
	v = convert(f, v, canonical)
	if list, ok := v.([]any); ok && f.Kind == KindMultiChoice {
		items := make([]string, len(list))
		for i, it := range list {
			b, err := json.Marshal(it)
			if err != nil {
				return nil, err
			}
			items[i] = string(b)
		}
		sort.Strings(items)
		v = items
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return buf.Bytes(), err
}
