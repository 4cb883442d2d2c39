package schema

import (
	"fmt"
	"strconv"
	"strings"
)

// EscapeToken escapes a field name as a token of a JSON pointer (RFC 6901).
func EscapeToken(t string) string {
	return strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
}

// walkPointer finds the container holding the last token of pointer p.
func walkPointer(doc map[string]any, p string) (any, string, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, "", fmt.Errorf("bad pointer %q", p)
	}
	var cur any = doc
	rest := p[1:]
	for {
		t, after, more := strings.Cut(rest, "/")
		if !more {
			return cur, unescapeToken(t), nil
		}
		rest = after
		t = unescapeToken(t)
		switch c := cur.(type) {
		case map[string]any:
			cur = c[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(c) {
				return nil, "", fmt.Errorf("pointer %q: no item %s", p, t)
			}
			cur = c[i]
		default:
			return nil, "", fmt.Errorf("pointer %q: no container at %s", p, t)
		}
	}
}

// GetPointer returns the value at JSON pointer p in doc.
func GetPointer(doc map[string]any, p string) (any, bool) {
	c, last, err := walkPointer(doc, p)
	if err != nil {
		return nil, false
	}
	m, ok := c.(map[string]any)
	if !ok {
		return nil, false
	}
	v, ok := m[last]
	return v, ok
}

// SetPointer sets the value at JSON pointer p in doc; its parent must be
// an object.
func SetPointer(doc map[string]any, p string, v any) error {
	c, last, err := walkPointer(doc, p)
	if err != nil {
		return err
	}
	m, ok := c.(map[string]any)
	if !ok {
		return fmt.Errorf("pointer %q: the parent is not an object", p)
	}
	m[last] = v
	return nil
}
