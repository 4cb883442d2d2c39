package schema

import "golang.org/x/text/unicode/norm"

// Forms count string lengths in code points of the NFC string, and a phone
// may send decomposed Vietnamese (NFD), whose "ễ" is three code points.
// Validate therefore checks an NFC view of the answers.

// allNFC reports whether every string in v is already NFC.
func allNFC(v any) bool {
	switch x := v.(type) {
	case string:
		return isASCII(x) || norm.NFC.IsNormalString(x)
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

// nfcView returns v with every string NFC-normalised, copying only the
// maps and lists on the way to a string that changes.
func nfcView(v any) any {
	switch x := v.(type) {
	case string:
		return norm.NFC.String(x)
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
