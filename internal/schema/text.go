package schema

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Forms count string lengths in code points of the NFC string, and a phone
// may send decomposed Vietnamese (NFD), whose "ễ" is three code points.
// Validate therefore checks an NFC view of the answers.

// CleanText is text as it is stored: NFC-normalised, so that Vietnamese
// typed on different keyboards compares equal, and without the invisible
// zero-width characters (U+200B–U+200D, U+2060, U+FEFF), with which two
// names that read the same would be different text.
func CleanText(s string) string {
	if isASCII(s) {
		return s
	}
	s = norm.NFC.String(s)
	if !hasZeroWidth(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if zeroWidth(r) {
			return -1
		}
		return r
	}, s)
}

func zeroWidth(r rune) bool {
	return (r >= 0x200b && r <= 0x200d) || r == 0x2060 || r == 0xfeff
}

// hasZeroWidth reports whether s holds a zero-width character. Each is
// encoded in UTF-8 starting with the byte 0xE2 or 0xEF, which Vietnamese
// letters (U+00C0–U+01B0, U+1EA0–U+1EF9) never start with, so text
// without either byte is known clean without decoding it.
func hasZeroWidth(s string) bool {
	if strings.IndexByte(s, 0xe2) < 0 && strings.IndexByte(s, 0xef) < 0 {
		return false
	}
	return strings.ContainsFunc(s, zeroWidth)
}

// allNFC reports whether every string in v is already as CleanText
// leaves it.
func allNFC(v any) bool {
	switch x := v.(type) {
	case string:
		return isASCII(x) || (norm.NFC.IsNormalString(x) && !hasZeroWidth(x))
	case map[string]any:
		for _, e := range x {
			if !allNFC(e) {
				return false
			}
		}
	case []any:
		for _, e := range x {
			if !allNFC(e) {
				return false
			}
		}
	}
	return true
}

// nfcView returns v with every string as CleanText leaves it, copying
// only the maps and lists on the way to a string that changes.
func nfcView(v any) any {
	switch x := v.(type) {
	case string:
		return CleanText(x)
	case map[string]any:
		if allNFC(x) {
			return x
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = nfcView(e)
		}
		return out
	case []any:
		if allNFC(x) {
			return x
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = nfcView(e)
		}
		return out
	}
	return v
}

// isASCII reports whether s is ASCII, and so NFC, without the allocation
// of norm's general check; codes, dates and identifiers all are.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
