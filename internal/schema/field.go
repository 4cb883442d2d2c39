package schema

import (
	"sort"
	"strings"

	"github.com/khaosat/khaosat/internal/msg"
)

// Label is a bilingual text; the message catalogue renders into it too.
type Label = msg.Label

// Choice is one answer of a single- or multiple-choice field.
type Choice struct {
	// Code is what is stored and exported: a string, or an int64 for the
	// integer-coded scales (for example the 1–4 difficulty scale).
	Code any
	// Label is the answer's text.
	Label Label
}

// Kind is what sort of answer a field holds.
type Kind string

// The kinds of field a form may have.
const (
	KindString      Kind = "string"      // free text
	KindInteger     Kind = "integer"     // int64 in storage
	KindNumber      Kind = "number"      // float64 in storage
	KindBoolean     Kind = "boolean"     // true or false
	KindDate        Kind = "date"        // "YYYY-MM-DD" in JSON, time.Time at UTC midnight in storage
	KindDateTime    Kind = "datetime"    // RFC 3339 text, kept as text in storage
	KindChoice      Kind = "choice"      // one code of Choices
	KindMultiChoice Kind = "multichoice" // a list of distinct codes of Choices
	KindObject      Kind = "object"      // a group of Fields
	KindRepeat      Kind = "repeat"      // a list of objects of Fields, e.g. a household's children
)

// AgeRange is an inclusive range of completed years, from x-age.
type AgeRange struct {
	Min int `json:"min"` // youngest allowed age
	Max int `json:"max"` // oldest allowed age
}

// Contains reports whether age lies in the range.
func (r AgeRange) Contains(age int) bool { return age >= r.Min && age <= r.Max }

// AgeBands ties a choice field to the age computed from a sibling date
// field (x-age-bands): the chosen band's range must contain that age.
type AgeBands struct {
	// From is the name of the sibling date field, e.g. "date_of_birth".
	From string `json:"from"`
	// Bands maps each choice code to its range of completed years.
	Bands map[string]AgeRange `json:"bands"`
}

// Band returns the code of the band that contains age; when bands
// overlap the smallest code wins, so the answer does not depend on map order.
func (b *AgeBands) Band(age int) (string, bool) {
	codes := make([]string, 0, len(b.Bands))
	for code := range b.Bands {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		if b.Bands[code].Contains(age) {
			return code, true
		}
	}
	return "", false
}

// Field is one question of a form, with its annotations. Fields are shared
// by every caller of a compiled Form and must not be modified.
type Field struct {
	// Name is the property name inside its object.
	Name string
	// Path is the JSON pointer from the data root, with "*" standing for
	// the index of a repeat item, e.g. "/children/*/sex".
	Path string
	// Kind is what sort of answer the field holds.
	Kind Kind
	// Label is x-label; Hint is x-hint, when present.
	Label Label
	Hint  *Label
	// Choices are the answers of a choice field, or of each item of a
	// multichoice field, in the form's order.
	Choices []Choice
	// Required means the object's "required" lists the field.
	Required bool
	// Conditional means an if/then (or dependentRequired) may require the
	// field, depending on other answers.
	Conditional bool
	// Format is the JSON Schema format of a text field ("uuid", "email",
	// ...), or "". A required uuid field of a repeat's items identifies
	// each item (a household's child_id).
	Format string
	// Sensitive (x-sensitive) and Personal (x-personal) mark answers that
	// need protecting; their values are never echoed in messages.
	Sensitive, Personal bool
	// OmitPersonal (x-personal: "omit") leaves a personal answer out of
	// the exports of callers without the personal grant, where a plain
	// personal answer (x-personal: true) becomes a keyed pseudonym.
	OmitPersonal bool
	// Ref is x-ref: the registry record kind (RefChild, RefHousehold) the
	// answer names by id, or "".
	Ref string
	// Age is x-age, on a date of birth.
	Age *AgeRange
	// AgeBands is x-age-bands, on an age-band choice.
	AgeBands *AgeBands
	// Fields are the children of an object or of a repeat's items, in
	// x-order.
	Fields []*Field
}

// Choice returns the choice with the given code, or nil. The code is as
// Choices hold it: a string, or an int64 (as ToStorage gives it).
func (f *Field) Choice(code any) *Choice {
	for i := range f.Choices {
		if f.Choices[i].Code == code {
			return &f.Choices[i]
		}
	}
	return nil
}

// child returns the direct child field called name, or nil.
func (f *Field) child(name string) *Field {
	return findField(f.Fields, name)
}

func findField(fields []*Field, name string) *Field {
	for _, c := range fields {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// appendPointer appends token to the JSON pointer path, escaping it as
// RFC 6901 asks.
func appendPointer(path, token string) string {
	if strings.ContainsAny(token, "~/") {
		token = strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
	}
	return path + "/" + token
}
