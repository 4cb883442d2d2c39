package sqlite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// Answers in storage form (schema.ToStorage: map[string]any, []any,
// string, bool, nil, int64, float64, time.Time) go into JSON and come back
// with their types:
//
//   - an int64 is an integer literal (7); a float64 a literal with a
//     fraction or an exponent (7.0, 1e+21), read back as a float64 even
//     when integral, as JSON itself and SQLite read them;
//   - a time is RFC 3339 text in UTC at millisecond precision, always as
//     wide (stampLayout), and its JSON pointer is listed beside
//     the answers (submissionDoc.Times): a text answer that looks like a
//     time stays text.

// errAnswerType is an answer of a type storage form does not have.
var errAnswerType = errors.New("an answer of a type storage does not keep")

// jsonAnswers converts answers in storage form to the values JSON writes
// as said above, and lists the pointers of its times. The input is not
// changed.
func jsonAnswers(data map[string]any) (map[string]any, []string, error) {
	var times []string
	out, err := jsonObject(data, "", &times)
	if out == nil {
		out = map[string]any{}
	}
	return out, times, err
}

func jsonObject(m map[string]any, at string, times *[]string) (map[string]any, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		j, err := jsonValue(v, at+"/"+escapePointer(k), times)
		if err != nil {
			return nil, err
		}
		out[k] = j
	}
	return out, nil
}

func jsonValue(v any, at string, times *[]string) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, int64, json.Number:
		return v, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case float64:
		return floatLiteral(x, at)
	case float32:
		return floatLiteral(float64(x), at)
	case time.Time:
		*times = append(*times, at)
		return formatStamp(x)
	case map[string]any:
		return jsonObject(x, at, times)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			j, err := jsonValue(e, at+"/"+strconv.Itoa(i), times)
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	}
	// Any other value (a []string of audit details, a struct) is kept as
	// JSON writes it, read back as plain values: as BSON kept it before,
	// a list of texts comes back a []any.
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is a %T: %w", errAnswerType, at, v, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var plain any
	if err := dec.Decode(&plain); err != nil {
		return nil, fmt.Errorf("%w: %s is a %T: %w", errAnswerType, at, v, err)
	}
	switch x := plain.(type) {
	case json.Number:
		n, err := plainNumber(x)
		if err != nil {
			return nil, err
		}
		return jsonValue(n, at, times)
	case map[string]any, []any:
		return jsonValue(x, at, times)
	}
	return plain, nil
}

// floatLiteral writes f as encoding/json would, with ".0" added to an
// integral value so that it reads back as a real.
func floatLiteral(f float64, at string) (json.Number, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("%w: %s is %v", errAnswerType, at, f)
	}
	b, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	s := string(b)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return json.Number(s), nil
}

// escapePointer escapes a key for a JSON pointer (RFC 6901).
func escapePointer(k string) string {
	if !strings.ContainsAny(k, "~/") {
		return k
	}
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

func unescapePointer(k string) string {
	if !strings.Contains(k, "~") {
		return k
	}
	return strings.ReplaceAll(strings.ReplaceAll(k, "~1", "/"), "~0", "~")
}

// answerReader reads answers from the tokens of a JSON decoder straight
// into storage form (map[string]any, []any, string, bool, nil, int64,
// float64; the listed times are set afterwards, see setTime): a number by
// its literal, an integer as an int64. Its key table makes the map keys
// of one scan share their strings (a form has a few dozen field names, a
// scan has them in every row); a zero answerReader works without.
//
// Short texts are kept the same way, boxed: choice codes repeat in every
// row, and a scan that allocated each of them twice (the text and its
// interface) spent a fifth of its decoding there. A boxed text is never
// changed, only replaced, so rows may share it.
type answerReader struct {
	keys  map[string]string
	texts map[string]any
	buf   []byte // unquoted text with escapes
	// sizes are the member counts of the last object read at each depth:
	// the size a new map is made with there. A form's objects at one
	// depth are much alike (the items of a repeat), and a map made too
	// small grows, one made too large costs its empty groups: sizing
	// maps was a sixth of an export's decoding.
	sizes [8]int
	depth int
}

// Texts up to internTextLen bytes are kept, at most internMax of them
// (texts that never repeat, such as names, stop being kept once the
// table is full: memory stays bounded whatever the scan's size).
const (
	internTextLen = 32
	internMax     = 4096
)

func newAnswerReader() answerReader {
	return answerReader{keys: make(map[string]string, 64), texts: make(map[string]any, 256)}
}

var errAnswersJSON = errors.New("stored answers: malformed JSON")

// readObject reads the object (or null) that comes next.
func (r *answerReader) readObject(dec *jsontext.Decoder) (map[string]any, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case 'n':
		return nil, nil
	case '{':
	default:
		return nil, errAnswersJSON
	}
	size := 8
	if r.depth < len(r.sizes) && r.sizes[r.depth] > 0 {
		size = r.sizes[r.depth]
	}
	m := make(map[string]any, size)
	r.depth++
	defer func() { r.depth-- }()
	for dec.PeekKind() != '}' {
		name, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		k, err := r.key(name)
		if err != nil {
			return nil, err
		}
		v, err := r.readValue(dec)
		if err != nil {
			return nil, err
		}
		m[k] = v
	}
	if _, err := dec.ReadToken(); err != nil { // }
		return nil, err
	}
	if d := r.depth - 1; d < len(r.sizes) {
		r.sizes[d] = len(m)
	}
	return m, nil
}

func (r *answerReader) readValue(dec *jsontext.Decoder) (any, error) {
	switch dec.PeekKind() {
	case '{':
		m, err := r.readObject(dec)
		if err != nil {
			return nil, err
		}
		return m, nil
	case '[':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		l := make([]any, 0, 4)
		for dec.PeekKind() != ']' {
			v, err := r.readValue(dec)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		if _, err := dec.ReadToken(); err != nil { // ]
			return nil, err
		}
		return l, nil
	case '"':
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		return r.text(v)
	case '0':
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		return plainNumber(v)
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case 't', 'f':
		return tok.Bool(), nil
	case 'n':
		return nil, nil
	}
	return nil, errAnswersJSON
}

// unquote gives the text of a JSON string as it was read: a view of the
// decoder's buffer (or of r.buf, for a text with escapes), valid until
// the next read.
func (r *answerReader) unquote(v jsontext.Value) ([]byte, error) {
	b := v[1 : len(v)-1]
	if bytes.IndexByte(b, '\\') < 0 {
		return b, nil
	}
	var err error
	r.buf, err = jsontext.AppendUnquote(r.buf[:0], v)
	return r.buf, err
}

func (r *answerReader) key(v jsontext.Value) (string, error) {
	b, err := r.unquote(v)
	if err != nil {
		return "", err
	}
	if r.keys == nil {
		return string(b), nil
	}
	if k, ok := r.keys[string(b)]; ok { // no allocation for the lookup
		return k, nil
	}
	k := string(b)
	r.keys[k] = k
	return k, nil
}

func (r *answerReader) text(v jsontext.Value) (any, error) {
	b, err := r.unquote(v)
	if err != nil {
		return nil, err
	}
	if r.texts == nil || len(b) > internTextLen {
		return string(b), nil
	}
	if t, ok := r.texts[string(b)]; ok {
		return t, nil
	}
	s := string(b)
	var t any = s
	if len(r.texts) < internMax {
		r.texts[s] = t
	}
	return t, nil
}

// plainNumber reads an integer literal as an int64, any other as a float64.
func plainNumber[N ~string | ~[]byte](n N) (any, error) {
	if !bytes.ContainsAny([]byte(n), ".eE") {
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return nil, fmt.Errorf("stored number %s: %w", n, err)
	}
	return f, nil
}

// plainObject and plainList turn the json.Number values of answers read
// by encoding/json with UseNumber (audit details) into int64 or float64.
func plainObject(m map[string]any) error {
	for k, v := range m {
		switch x := v.(type) {
		case json.Number:
			n, err := plainNumber(x)
			if err != nil {
				return err
			}
			m[k] = n
		case map[string]any:
			if err := plainObject(x); err != nil {
				return err
			}
		case []any:
			if err := plainList(x); err != nil {
				return err
			}
		}
	}
	return nil
}

func plainList(l []any) error {
	for i, v := range l {
		switch x := v.(type) {
		case json.Number:
			n, err := plainNumber(x)
			if err != nil {
				return err
			}
			l[i] = n
		case map[string]any:
			if err := plainObject(x); err != nil {
				return err
			}
		case []any:
			if err := plainList(x); err != nil {
				return err
			}
		}
	}
	return nil
}

// setTimes replaces the texts at the pointers times with the times they write.
func setTimes(data map[string]any, times []string) error {
	for _, p := range times {
		if err := setTime(data, p); err != nil {
			return err
		}
	}
	return nil
}

// setTime replaces the text at pointer p with the time it writes.
func setTime(data map[string]any, p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("stored time pointer %q", p)
	}
	parts := strings.Split(p[1:], "/")
	var cur any = data
	for i, part := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case map[string]any:
			k := unescapePointer(part)
			if last {
				t, err := parseStoredTime(c[k], p)
				if err != nil {
					return err
				}
				c[k] = t
				return nil
			}
			cur = c[k]
		case []any:
			j, err := strconv.Atoi(part)
			if err != nil || j < 0 || j >= len(c) {
				return fmt.Errorf("stored time pointer %q: no element %s", p, part)
			}
			if last {
				t, err := parseStoredTime(c[j], p)
				if err != nil {
					return err
				}
				c[j] = t
				return nil
			}
			cur = c[j]
		default:
			return fmt.Errorf("stored time pointer %q: nothing at %s", p, part)
		}
	}
	return fmt.Errorf("stored time pointer %q", p)
}

func parseStoredTime(v any, p string) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("stored time %s is a %T", p, v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %s: %w", p, err)
	}
	return t.UTC(), nil
}
