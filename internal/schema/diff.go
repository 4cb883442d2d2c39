package schema

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/khaosat/khaosat/internal/msg"
)

// The kinds of Change. Breaking ones would corrupt the analysis of data
// already collected with the older version; publishing refuses them.
const (
	ChangeFieldAdded      = "field_added"       // safe: old submissions lack it
	ChangeFieldRemoved    = "field_removed"     // safe: old submissions keep it under their version
	ChangeFieldMoved      = "field_moved"       // breaking: the same name at another path
	ChangeKindChanged     = "kind_changed"      // breaking: the answer's type or kind changed
	ChangeFieldRelabelled = "field_relabelled"  // safe: x-label or x-hint changed
	ChangeChoiceAdded     = "choice_added"      // safe: a new code
	ChangeChoiceRemoved   = "choice_removed"    // breaking: stored data may hold the code
	ChangeChoiceMeaning   = "choice_meaning"    // breaking: both labels of a code changed
	ChangeChoiceRelabeled = "choice_relabelled" // safe: one language's label of a code changed
	ChangeRequired        = "required_changed"  // safe: required or conditional for new data
	ChangeProtection      = "protection_changed"
	ChangeTitle           = "title_changed" // safe: x-title changed
)

// Change is one difference between two versions of a form.
type Change struct {
	Kind string `json:"kind"`
	// Path is the field's path (Field.Path); for field_moved, the old one.
	Path string `json:"path"`
	// To is the new path of a moved field.
	To string `json:"to,omitempty"`
	// Code is the choice code of a choice change.
	Code any `json:"code,omitempty"`
	// Before and After are the labels a relabelling changed, or the kinds
	// of a kind change.
	Before *Label `json:"before,omitempty"`
	After  *Label `json:"after,omitempty"`
	// Breaking changes are refused at publish.
	Breaking bool  `json:"breaking"`
	Message  Label `json:"message"`
}

// Diff lists what changed from the form old to the form new, field by
// field in old's order, then the fields new adds.
//
// A choice whose label changes in both languages at once is taken as a
// change of meaning (breaking); a change in one language is a relabelling.
// Labels are compared ignoring case, spacing and punctuation, so fixing a
// typo or a capital in both is still a relabelling. A designer who really
// rewords both labels of a code publishes them one language at a time.
func Diff(old, new *Form) []Change {
	var out []Change
	if old.Title != new.Title {
		out = append(out, Change{Kind: ChangeTitle, Before: &old.Title, After: &new.Title,
			Message: msg.Text(msg.DiffTitleChanged)})
	}
	newByName := map[string][]*Field{}
	new.Walk(func(f *Field) { newByName[f.Name] = append(newByName[f.Name], f) })
	old.Walk(func(of *Field) {
		nf := new.byPath[of.Path]
		if nf == nil {
			out = append(out, removedOrMoved(old, of, newByName[of.Name]))
			return
		}
		out = append(out, fieldChanges(of, nf)...)
	})
	new.Walk(func(nf *Field) {
		if old.byPath[nf.Path] != nil {
			return
		}
		for _, of := range oldByName(old, nf.Name) {
			if new.byPath[of.Path] == nil {
				return // reported as moved
			}
		}
		out = append(out, Change{Kind: ChangeFieldAdded, Path: nf.Path, After: &nf.Label,
			Message: msg.Text(msg.DiffFieldAdded, nf.Label)})
	})
	return out
}

func oldByName(f *Form, name string) []*Field {
	var out []*Field
	f.Walk(func(fl *Field) {
		if fl.Name == name {
			out = append(out, fl)
		}
	})
	return out
}

// removedOrMoved reports a field missing at its old path: moved when a
// field of the same name appears at a path the old form did not have.
func removedOrMoved(old *Form, of *Field, sameName []*Field) Change {
	for _, nf := range sameName {
		if old.byPath[nf.Path] == nil {
			return Change{Kind: ChangeFieldMoved, Path: of.Path, To: nf.Path, Breaking: true, Message: msg.Text(msg.DiffFieldMoved, of.Label, of.Path, nf.Path)}
		}
	}
	return Change{Kind: ChangeFieldRemoved, Path: of.Path, Before: &of.Label, Message: msg.Text(msg.DiffFieldRemoved, of.Label)}
}

// fieldChanges compares one field present at the same path in both.
func fieldChanges(of, nf *Field) []Change {
	var out []Change
	if of.Kind != nf.Kind {
		before, after := Label{VI: string(of.Kind), EN: string(of.Kind)}, Label{VI: string(nf.Kind), EN: string(nf.Kind)}
		out = append(out, Change{Kind: ChangeKindChanged, Path: of.Path, Before: &before, After: &after, Breaking: true, Message: msg.Text(msg.DiffKindChanged, nf.Label, of.Kind, nf.Kind)})
		return out
	}
	if of.Label != nf.Label || !sameHint(of.Hint, nf.Hint) {
		out = append(out, Change{Kind: ChangeFieldRelabelled, Path: of.Path, Before: &of.Label, After: &nf.Label,
			Message: msg.Text(msg.DiffFieldRelabelled, nf.Label)})
	}
	if of.Required != nf.Required || of.Conditional != nf.Conditional {
		out = append(out, Change{Kind: ChangeRequired, Path: of.Path, Message: msg.Text(msg.DiffRequiredChanged, nf.Label)})
	}
	if of.Sensitive != nf.Sensitive || of.Personal != nf.Personal || of.OmitPersonal != nf.OmitPersonal {
		out = append(out, Change{Kind: ChangeProtection, Path: of.Path, Message: msg.Text(msg.DiffProtectionChanged, nf.Label)})
	}
	return append(out, choiceChanges(of, nf)...)
}

func sameHint(a, b *Label) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// choiceChanges compares the codes of a choice field.
func choiceChanges(of, nf *Field) []Change {
	var out []Change
	for _, oc := range of.Choices {
		nc := nf.Choice(oc.Code)
		switch {
		case nc == nil:
			out = append(out, Change{Kind: ChangeChoiceRemoved, Path: of.Path, Code: oc.Code, Before: &oc.Label, Breaking: true, Message: msg.Text(msg.DiffChoiceRemoved, oc.Code, oc.Label, nf.Label)})
		case oc.Label == nc.Label:
		case !sameText(oc.Label.VI, nc.Label.VI) && !sameText(oc.Label.EN, nc.Label.EN):
			out = append(out, Change{Kind: ChangeChoiceMeaning, Path: of.Path, Code: oc.Code, Before: &oc.Label, After: &nc.Label, Breaking: true, Message: msg.Text(msg.DiffChoiceMeaning, oc.Code, nf.Label)})
		default:
			out = append(out, Change{Kind: ChangeChoiceRelabeled, Path: of.Path, Code: oc.Code, Before: &oc.Label, After: &nc.Label, Message: msg.Text(msg.DiffChoiceRelabelled, oc.Code, nf.Label)})
		}
	}
	for _, nc := range nf.Choices {
		if of.Choice(nc.Code) == nil {
			out = append(out, Change{Kind: ChangeChoiceAdded, Path: nf.Path, Code: nc.Code, After: &nc.Label, Message: msg.Text(msg.DiffChoiceAdded, nc.Code, nc.Label, nf.Label)})
		}
	}
	return out
}

// sameText compares labels ignoring case, spacing and punctuation.
func sameText(a, b string) bool { return textKey(a) == textKey(b) }

func textKey(s string) string {
	var b strings.Builder
	for _, r := range norm.NFC.String(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// BreakingChanges lists the breaking changes of next against every earlier
// version (oldest first), each reported once: checking against all of them,
// not only the latest, catches a name reused with another meaning after a
// version that had dropped it. A change of a code's meaning is judged
// against the latest version only, so that rewording both labels one
// language per version stays possible.
func BreakingChanges(earlier []*Form, next *Form) []Change {
	var out []Change
	seen := map[string]bool{}
	for i, old := range earlier {
		for _, c := range Diff(old, next) {
			if c.Kind == ChangeChoiceMeaning && i != len(earlier)-1 {
				continue
			}
			key := fmt.Sprint(c.Kind, c.Path, c.To, c.Code)
			if c.Breaking && !seen[key] {
				seen[key] = true
				out = append(out, c)
			}
		}
	}
	return out
}
