// Package msg is the catalogue of the texts the Go side shows to people:
// each message has a key and a template in Vietnamese and in English.
// Code names a message by its key and hands it the arguments; the text is
// rendered from the catalogue in both languages, and the HTTP layer picks
// the language of a response ("message") once, at the edge, sending both
// beside it ("messages"), as the web side's catalogues expect.
//
// The catalogue is Go, not an embedded file: a key is a Go identifier, so
// a misspelt key does not compile, "go to definition" on a call site shows
// both texts, and the templates sit next to each other for translators.
// The tests beside it (TestCatalogue*) check that every key has both
// languages, that the two templates take the same arguments, and that
// every key is used.
//
// Templates use fmt verbs. An argument that knows its own languages (a
// Label, or anything with an In(lang string) string method) is rendered in
// the language of the template it goes into, so a field's Vietnamese label
// lands in the Vietnamese text and its English label in the English one.
package msg

import (
	"fmt"
	"sort"
)

// Key names one message of the catalogue. It is not a string: only the
// catalogue makes keys (def), so a text written where a key belongs, or a
// key that does not exist, does not compile.
type Key struct{ name string }

// String is the key's name.
func (k Key) String() string { return k.name }

// Label is a text in Vietnamese and English.
type Label struct {
	VI string `json:"vi"` // Vietnamese
	EN string `json:"en"` // English
}

// In returns the text in the language lang ("vi" or "en"), falling back to
// the other language when that one is empty. Any lang other than "en"
// selects Vietnamese, the language of the programme.
func (l Label) In(lang string) string {
	if lang == "en" && l.EN != "" || l.VI == "" {
		return l.EN
	}
	return l.VI
}

// Localized is an argument rendered differently in each language.
type Localized interface {
	In(lang string) string
}

type template struct{ vi, en string }

// catalogue holds every message; it is filled once, while the package
// initialises (by def), and only read afterwards.
var catalogue = map[Key]template{}

// def adds a message to the catalogue and returns its key.
func def(name, vi, en string) Key {
	key := Key{name}
	if _, dup := catalogue[key]; dup {
		panic("msg: key defined twice: " + name)
	}
	catalogue[key] = template{vi: vi, en: en}
	return key
}

// Text renders the message key with args in both languages.
func Text(key Key, args ...any) Label {
	t, ok := catalogue[key]
	if !ok {
		panic("msg: no message " + key.name)
	}
	return Label{VI: render(t.vi, "vi", args), EN: render(t.en, "en", args)}
}

func render(tmpl, lang string, args []any) string {
	if len(args) == 0 {
		return tmpl
	}
	in := make([]any, len(args))
	for i, a := range args {
		switch l := a.(type) {
		case Label: // exactly its text in lang, even if empty
			if lang == "en" {
				a = l.EN
			} else {
				a = l.VI
			}
		case Localized:
			a = l.In(lang)
		}
		in[i] = a
	}
	return fmt.Sprintf(tmpl, in...)
}

// Join joins parts, each rendered in its language, with the separator
// message sep (" hoặc " / " or ").
func Join(parts []Label, sep Key) Label {
	s := Text(sep)
	var out Label
	for i, p := range parts {
		if i > 0 {
			out.VI += s.VI
			out.EN += s.EN
		}
		out.VI += p.VI
		out.EN += p.EN
	}
	return out
}

// List joins items, the same in both languages (codes, names), with the
// separator message sep.
func List(items []string, sep Key) Label {
	parts := make([]Label, len(items))
	for i, it := range items {
		parts[i] = Label{VI: it, EN: it}
	}
	return Join(parts, sep)
}

// Keys returns every key of the catalogue, sorted.
func Keys() []Key {
	keys := make([]Key, 0, len(catalogue))
	for k := range catalogue {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].name < keys[j].name })
	return keys
}

// Templates returns the Vietnamese and English templates of key.
func Templates(key Key) (vi, en string, ok bool) {
	t, ok := catalogue[key]
	return t.vi, t.en, ok
}
