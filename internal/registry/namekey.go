package registry

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NameKey is the key names are compared by: NFC, lower case, diacritics
// removed (đ → d), spaces collapsed, so that "Nguyễn  Thị Hoà" and
// "nguyen thi hoa" have the same key. A phone typing without diacritics
// searches by the same key.
func NameKey(s string) string {
	s = strings.ToLower(norm.NFC.String(s))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// a combining mark: a diacritic or a tone
		case r == 'đ':
			b.WriteByte('d')
		default:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// oneEditApart reports whether a and b differ by exactly one inserted,
// deleted or substituted character (two names a typo apart).
func oneEditApart(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	if len(rb)-len(ra) > 1 {
		return false
	}
	i := 0
	for i < len(ra) && ra[i] == rb[i] {
		i++
	}
	if i == len(ra) {
		return len(rb) == len(ra)+1
	}
	if len(ra) == len(rb) {
		return string(ra[i+1:]) == string(rb[i+1:])
	}
	return string(ra[i:]) == string(rb[i+1:])
}
