package survey

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/khaosat/khaosat/internal/msg"
)

// Text in requests must be valid UTF-8 without control characters. Go's
// JSON decoder turns invalid UTF-8 into U+FFFD without a word and lets
// "\u0000" through, so the raw body is checked before it is decoded, and
// the field is named in the 422. Tab, CR and LF are allowed where text
// may run over several lines (answers, comments, notes); every other C0
// control (NUL among them) is refused everywhere, and so are DEL, the C1
// controls (U+0080–U+009F) and the bidirectional embeddings, overrides
// and isolates (U+202A–U+202E, U+2066–U+2069), with which a name or an
// identifier can be made to read as another on screen. Zero-width
// characters and U+FEFF are not refused but stripped where text is stored
// (schema.CleanText). Text is normalised to
// NFC where it is stored (schema.ToStorage for answers, and the comment,
// user and filter code), so that Vietnamese typed as NFD on one keyboard
// and NFC on another compares equal.

// Codes of text problems.
const (
	CodeInvalidUTF8 = "invalid_utf8"
	CodeControlChar = "control_character"
)

// maxTextErrors caps the field errors of one body.
const maxTextErrors = 50

// LineBreaksOK says whether the string at a JSON pointer may hold tab, CR
// and LF.
type LineBreaksOK func(pointer string) bool

// AnswerLines allows line breaks in the answers of an envelope (under
// prefix + "/data/").
func AnswerLines(prefix string) LineBreaksOK {
	return func(p string) bool { return strings.HasPrefix(p, prefix+"/data/") }
}

// NamedLines allows line breaks in top-level fields with these names
// (e.g. a comment's "text").
func NamedLines(names ...string) LineBreaksOK {
	return func(p string) bool {
		for _, n := range names {
			if p == "/"+n {
				return true
			}
		}
		return false
	}
}

type textFrame struct {
	obj       bool
	expectKey bool
	key       string
	idx       int
}

// CheckText scans a raw JSON body and returns a field error (pointer
// under prefix) for each string, key or value, holding invalid UTF-8
// (raw, or an unpaired surrogate escape) or a control character other
// than those lines allows. A body that is not JSON gives none: the
// decoder reports it.
func CheckText(raw []byte, prefix string, lines LineBreaksOK) []FieldError {
	var stack []textFrame
	var errs []FieldError
	pointer := func() string {
		var b strings.Builder
		b.WriteString(prefix)
		for _, f := range stack {
			b.WriteByte('/')
			if f.obj {
				b.WriteString(escapePointer(f.key))
			} else {
				b.WriteString(strconv.Itoa(f.idx))
			}
		}
		return b.String()
	}
	for i := 0; i < len(raw) && len(errs) < maxTextErrors; {
		switch raw[i] {
		case '{':
			stack = append(stack, textFrame{obj: true, expectKey: true})
			i++
		case '[':
			stack = append(stack, textFrame{})
			i++
		case '}', ']':
			if len(stack) == 0 {
				return errs
			}
			stack = stack[:len(stack)-1]
			i++
		case ',':
			if n := len(stack); n > 0 {
				if stack[n-1].obj {
					stack[n-1].expectKey = true
				} else {
					stack[n-1].idx++
				}
			}
			i++
		case '"':
			isKey := len(stack) > 0 && stack[len(stack)-1].obj && stack[len(stack)-1].expectKey
			s, ctl, bad, end := scanString(raw, i)
			if end < 0 {
				return errs
			}
			i = end
			if isKey {
				top := &stack[len(stack)-1]
				top.key, top.expectKey = s, false
			}
			if !bad && ctl == 0 {
				continue // the common case: no pointer to build
			}
			p := pointer()
			switch {
			case bad:
				errs = append(errs, fieldErr(p, CodeInvalidUTF8, msg.TextInvalidUTF8))
			case ctl == 2 || (ctl == 1 && (isKey || lines == nil || !lines(p))):
				errs = append(errs, fieldErr(p, CodeControlChar, msg.TextControlChar))
			}
		default:
			i++
		}
	}
	return errs
}

// scanString reads the JSON string starting at raw[i] (a quote) and
// returns its text, whether it holds a control character (2: one never
// allowed; 1: only tab, CR or LF), whether it holds invalid UTF-8, and
// the index after its closing quote (-1 if it does not close).
func scanString(raw []byte, i int) (s string, ctl int, bad bool, end int) {
	var b strings.Builder
	control := func(r rune) {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			ctl = max(ctl, 1)
		case r < 0x20 || refused(r):
			ctl = 2
		}
	}
	for j := i + 1; j < len(raw); {
		c := raw[j]
		switch {
		case c == '"':
			return b.String(), ctl, bad, j + 1
		case c == '\\':
			if j+1 >= len(raw) {
				return "", 0, false, -1
			}
			e := raw[j+1]
			switch e {
			case 'u':
				r, n, ok := unicodeEscape(raw[j:])
				if !ok {
					bad = true
				}
				control(r)
				b.WriteRune(r)
				j += n
				continue
			case 'n':
				control('\n')
				b.WriteByte('\n')
			case 'r':
				control('\r')
				b.WriteByte('\r')
			case 't':
				control('\t')
				b.WriteByte('\t')
			case 'b', 'f':
				control(0x08)
			default:
				b.WriteByte(e)
			}
			j += 2
		case c < 0x20 || c == 0x7f:
			control(rune(c))
			j++
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			j++
		default:
			r, size := utf8.DecodeRune(raw[j:])
			if r == utf8.RuneError && size <= 1 {
				bad = true
				b.WriteRune(utf8.RuneError) // as the decoder reads it
				j++
				continue
			}
			control(r)
			b.WriteRune(r)
			j += size
		}
	}
	return "", 0, false, -1
}

// refused reports whether r is a control or format character refused in
// every text, beyond the C0 controls: DEL, C1, and the bidirectional
// embeddings, overrides and isolates.
func refused(r rune) bool {
	return r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// unicodeEscape decodes \uXXXX (and a following low surrogate) at the
// start of raw; ok is false for an unpaired surrogate or bad hex.
func unicodeEscape(raw []byte) (rune, int, bool) {
	hex := func(p []byte) (rune, bool) {
		if len(p) < 6 || p[0] != '\\' || p[1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(p[2:6]), 16, 32)
		return rune(n), err == nil
	}
	r, ok := hex(raw)
	if !ok {
		return utf8.RuneError, 2, false
	}
	if !utf16.IsSurrogate(r) {
		return r, 6, true
	}
	if r >= 0xDC00 { // a low surrogate first
		return utf8.RuneError, 6, false
	}
	lo, ok := hex(raw[6:])
	if !ok || lo < 0xDC00 || lo > 0xDFFF {
		return utf8.RuneError, 6, false
	}
	return utf16.DecodeRune(r, lo), 12, true
}

// malformed is the error of a body that cannot be read as JSON of the
// expected shape (400).
func malformed(key msg.Key, args ...any) *Error { return Errorf(CodeMalformed, key, args...) }
