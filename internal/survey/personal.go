package survey

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"hash"
	"strconv"

	"github.com/khaosat/khaosat/internal/schema"
)

// SeesPersonal reports whether the actor may export answers marked
// x-personal (names, phones, dates of birth) as they are. No role implies
// it: an administrator gives the grant to each account, their own
// included. Reads through the API are not affected: supervisors and
// collectors working a household of their area keep seeing its names.
func (a Actor) SeesPersonal() bool { return a.PersonalAccess }

// pseudonymLabel separates the pseudonym key from the install's hash key
// and from every other key derived from it.
const pseudonymLabel = "khaosat/personal-pseudonym/v1"

// Pseudonyms turns personal answers into keyed pseudonyms: "P-" and the
// base32 of the first 10 bytes of an HMAC-SHA-256 of the form, the
// field's path and the answer (text NFC-normalised). Equal answers of one
// field get equal pseudonyms within one installation, so that rows can
// still be linked; without the installation's hash key a pseudonym cannot
// be recomputed from a guessed name. Not safe for concurrent use.
type Pseudonyms struct {
	form string
	mac  hash.Hash
	buf  []byte
}

// NewPseudonyms returns the pseudonyms of form's answers under the
// installation's hash key (Protection.HashKey), from which a key of their
// own is derived.
func NewPseudonyms(hashKey []byte, form string) *Pseudonyms {
	d := hmac.New(sha256.New, hashKey)
	d.Write([]byte(pseudonymLabel))
	return &Pseudonyms{form: form, mac: hmac.New(sha256.New, d.Sum(nil))}
}

var pseudonymEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Of returns the pseudonym of the answer v of the field at path (the
// field's schema path, "*" for repeat items).
func (p *Pseudonyms) Of(path string, v any) string {
	p.buf = append(p.buf[:0], p.form...)
	p.buf = append(p.buf, 0)
	p.buf = append(p.buf, path...)
	p.buf = append(p.buf, 0)
	switch x := v.(type) {
	case string:
		p.buf = append(p.buf, schema.CleanText(x)...)
	case int64:
		p.buf = strconv.AppendInt(p.buf, x, 10)
	default:
		b, _ := json.Marshal(x)
		p.buf = append(p.buf, b...)
	}
	p.mac.Reset()
	p.mac.Write(p.buf)
	var sum [sha256.Size]byte
	var out [2 + 16]byte // "P-" and 10 bytes in base32
	out[0], out[1] = 'P', '-'
	pseudonymEncoding.Encode(out[2:], p.mac.Sum(sum[:0])[:10])
	return string(out[:])
}

// Apply replaces, in data (API form, the row's own), every answer of a
// personal field of fields with its pseudonym, and removes those of the
// fields marked x-personal: "omit".
func (p *Pseudonyms) Apply(fields []*schema.Field, data map[string]any) {
	for _, f := range fields {
		v, ok := data[f.Name]
		if !ok || v == nil {
			continue
		}
		switch {
		case f.OmitPersonal:
			delete(data, f.Name)
		case f.Personal:
			data[f.Name] = p.pseudonymise(f, v)
		case f.Kind == schema.KindObject:
			if m, ok := v.(map[string]any); ok {
				p.Apply(f.Fields, m)
			}
		case f.Kind == schema.KindRepeat:
			items, _ := v.([]any)
			for _, it := range items {
				if m, ok := it.(map[string]any); ok {
					p.Apply(f.Fields, m)
				}
			}
		}
	}
}

// pseudonymise gives a personal answer's pseudonym; a group or a list
// marked personal as a whole has each of its values pseudonymised.
func (p *Pseudonyms) pseudonymise(f *schema.Field, v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = p.pseudonymise(f, it)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			out[k] = p.pseudonymise(f, it)
		}
		return out
	}
	return p.Of(f.Path, v)
}

// withoutOmittedPersonal leaves out the fields marked x-personal: "omit",
// for the columns of an export by a caller without the personal grant.
func withoutOmittedPersonal(fields []*schema.Field) []*schema.Field {
	var out []*schema.Field
	for _, f := range fields {
		if f.OmitPersonal {
			continue
		}
		if len(f.Fields) > 0 && !f.Personal {
			c := *f
			c.Fields = withoutOmittedPersonal(f.Fields)
			f = &c
		}
		out = append(out, f)
	}
	return out
}
