package protect

import (
	"bytes"
	"math/bits"
	"strconv"
	"unicode/utf8"

	"github.com/khaosat/khaosat/internal/schema"
)

// Padding of sealed boxes.
//
// A box's length follows its plaintext's, so an unpadded box told the
// answers to anyone holding a backup without the key: "negative" is
// shorter than "positive", one special circumstance longer than none. A
// box is therefore padded (with spaces after the JSON, which json.Marshal
// never ends with, so the padding is stripped unambiguously) to a length
// that depends only on what is stored in clear anyway:
//
//	length = F + T
//
//   - F, the form's bound, is the longest the box could be with every
//     free text empty, for the sealed fields the form has at the places the
//     clear answers have (each repeat item; the number of items is in
//     clear): each field's pointer, and its longest possible answer — the
//     longest code of a choice, every code of a multiple choice, 12 bytes
//     for a date, 20 for an integer, 24 for a number, 5 for a boolean, 38
//     for a uuid, 37 for a date-time, 4 (null or "") for free text.
//   - T is 0 when the sealed free texts (on the hiv form, the child's name)
//     are empty, else their encoded length rounded up to a power of two, at
//     least 64. Only the length of free text shows, to within a factor of
//     two; no choice does.
//
// So every answer of a form with the same clear structure and free texts
// of similar length lands in one bucket. A sealed repeat (which only a
// whole-sealed form may have) shows its number of items, as its clear
// counterpart would. Should an answer ever exceed the bound (it cannot
// pass validation), the box is padded to the next power of two of at
// least 256 bytes instead of failing. The cost is disk: a multiple choice
// takes the room of all its codes, see the README's security section for
// the figures.
//
// Boxes sealed before padding (without trailing spaces) are read as they
// are; the sealing sweep stores them again padded (sealFormat).

// sealFormat names the rule boxes are sealed by; it is part of what the
// sweep records of its last complete run over a form, so that a change of
// the rule makes the next start store every box again.
const sealFormat = "padded-1"

// sealBound is the size a form's box is padded to.
type sealBound struct {
	n     int // sealed places at the clear structure
	fixed int // F: everything but free text, at its longest
	text  int // the encoded length of the free text beyond F
}

// target is the padded length of a box.
func (b sealBound) target() int {
	if b.text == 0 {
		return b.fixed
	}
	return b.fixed + max(64, 1<<bits.Len(uint(b.text-1)))
}

// boundOf measures the box of data (storage form, all answers) against
// sf's sealed fields. It runs at every intake, so it measures pointers
// instead of building them.
func boundOf(sf *schema.Form, data map[string]any) sealBound {
	b := sealBound{fixed: 2}
	b.walk(sf.Fields, data, 0)
	return b
}

// walk adds the sealed fields of obj; path is the encoded length of obj's
// pointer (without quotes).
func (b *sealBound) walk(fields []*schema.Field, obj map[string]any, path int) {
	for _, f := range fields {
		p := path + 1 + tokenLen(f.Name) // "/" and the escaped name
		switch {
		case f.Sensitive:
			b.n++
			b.fixed += p + 4 // "pointer": and a comma
			b.value(f, obj[f.Name])
		case f.Kind == schema.KindObject:
			if m, ok := obj[f.Name].(map[string]any); ok {
				b.walk(f.Fields, m, p)
			}
		case f.Kind == schema.KindRepeat:
			items, _ := obj[f.Name].([]any)
			for i, it := range items {
				if m, ok := it.(map[string]any); ok {
					b.walk(f.Fields, m, p+1+digits(i))
				}
			}
		}
	}
}

// tokenLen is the encoded length (without quotes) of name as a pointer
// token: schema.EscapeToken turns "~" and "/" into two characters each.
func tokenLen(name string) int {
	n := jsonStringLen(name) - 2
	for i := 0; i < len(name); i++ {
		if name[i] == '~' || name[i] == '/' {
			n++
		}
	}
	return n
}

func digits(i int) int {
	n := 1
	for ; i >= 10; i /= 10 {
		n++
	}
	return n
}

// value adds the bound of one sealed answer v of f: its longest possible
// encoding but for free text, whose length beyond the fixed part is text.
func (b *sealBound) value(f *schema.Field, v any) {
	switch f.Kind {
	case schema.KindObject:
		m, _ := v.(map[string]any)
		b.object(f.Fields, m)
		return
	case schema.KindRepeat:
		items, _ := v.([]any)
		b.fixed += 2
		for _, it := range items {
			m, _ := it.(map[string]any)
			b.object(f.Fields, m)
			b.fixed++
		}
		return
	}
	base := 4 // null, or an empty text
	switch f.Kind {
	case schema.KindChoice:
		for _, c := range f.Choices {
			base = max(base, codeLen(c.Code))
		}
	case schema.KindMultiChoice:
		base = 2
		for _, c := range f.Choices {
			base += codeLen(c.Code) + 1
		}
	case schema.KindDate:
		base = len(`"2006-01-02"`)
	case schema.KindDateTime:
		base = len(`"2006-01-02T15:04:05.999999999+07:00"`)
	case schema.KindInteger:
		base = len("-9223372036854775808")
	case schema.KindNumber:
		base = len("-1.2345678901234567e-308")
	case schema.KindBoolean:
		base = len("false")
	case schema.KindString:
		if f.Format == "uuid" {
			base = len(`"01234567-89ab-cdef-0123-456789abcdef"`)
		}
	}
	b.fixed += base
	// Free text, a code, a date-time: whatever goes past base. Other
	// values fit base whatever they are (were one not to, pad falls back
	// to a power of two rather than fail).
	if v, ok := v.(string); ok {
		b.text += max(0, jsonStringLen(v)-base)
	}
}

func (b *sealBound) object(fields []*schema.Field, m map[string]any) {
	b.fixed += 2
	for _, c := range fields {
		b.fixed += jsonStringLen(c.Name) + 2
		b.value(c, m[c.Name])
	}
}

func codeLen(code any) int {
	if s, ok := code.(string); ok {
		return jsonStringLen(s)
	}
	if n, ok := code.(int64); ok {
		return len(strconv.FormatInt(n, 10))
	}
	return len("-9223372036854775808")
}

// jsonStringLen is the length of s as json.Marshal encodes it (quotes
// included, HTML characters escaped), or more.
func jsonStringLen(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t':
				n += 2
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			n += 6
		} else {
			n += size
		}
		i += size
	}
	return n
}

// pad returns pt padded to b's target with spaces, or to the next power
// of two of at least 256 bytes should it not fit.
func pad(pt []byte, b sealBound) []byte {
	n := b.target()
	if len(pt) > n {
		n = max(256, 1<<bits.Len(uint(len(pt)-1)))
	}
	if len(pt) == n {
		return pt
	}
	out := make([]byte, n)
	copy(out, pt)
	for i := len(pt); i < n; i++ {
		out[i] = ' '
	}
	return out
}

// unpad returns the JSON of a box's plaintext without its padding (a box
// sealed before padding has none).
func unpad(pt []byte) []byte {
	return bytes.TrimRight(pt, " ")
}
