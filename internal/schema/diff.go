package schema

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
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
			Message: Label{VI: "Đổi tên biểu mẫu.", EN: "The form's title changed."}})
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
			Message: Label{VI: "Thêm trường " + quote(nf.Label.VI) + ".", EN: "Field " + quote(nf.Label.EN) + " added."}})
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
			return Change{Kind: ChangeFieldMoved, Path: of.Path, To: nf.Path, Breaking: true, Message: Label{
				VI: fmt.Sprintf("Trường %s chuyển từ %s sang %s: dữ liệu đã thu sẽ không còn khớp; hãy tạo trường mới với tên mới.", quote(of.Label.VI), of.Path, nf.Path),
				EN: fmt.Sprintf("Field %s moves from %s to %s: collected data would no longer line up; add a new field with a new name instead.", quote(of.Label.EN), of.Path, nf.Path)}}
		}
	}
	return Change{Kind: ChangeFieldRemoved, Path: of.Path, Before: &of.Label, Message: Label{
		VI: "Bỏ trường " + quote(of.Label.VI) + " (dữ liệu cũ vẫn giữ theo phiên bản của nó).",
		EN: "Field " + quote(of.Label.EN) + " removed (older data keeps it under its own version)."}}
}

// fieldChanges compares one field present at the same path in both.
func fieldChanges(of, nf *Field) []Change {
	var out []Change
	if of.Kind != nf.Kind {
		before, after := Label{VI: string(of.Kind), EN: string(of.Kind)}, Label{VI: string(nf.Kind), EN: string(nf.Kind)}
		out = append(out, Change{Kind: ChangeKindChanged, Path: of.Path, Before: &before, After: &after, Breaking: true, Message: Label{
			VI: fmt.Sprintf("Trường %s đổi kiểu từ %s sang %s: dữ liệu đã thu sẽ bị hiểu sai; hãy tạo trường mới với tên mới.", quote(nf.Label.VI), of.Kind, nf.Kind),
			EN: fmt.Sprintf("Field %s changes kind from %s to %s: collected data would be misread; add a new field with a new name instead.", quote(nf.Label.EN), of.Kind, nf.Kind)}})
		return out
	}
	if of.Label != nf.Label || !sameHint(of.Hint, nf.Hint) {
		out = append(out, Change{Kind: ChangeFieldRelabelled, Path: of.Path, Before: &of.Label, After: &nf.Label,
			Message: Label{VI: "Đổi nhãn trường " + quote(nf.Label.VI) + ".", EN: "Field " + quote(nf.Label.EN) + " relabelled."}})
	}
	if of.Required != nf.Required || of.Conditional != nf.Conditional {
		out = append(out, Change{Kind: ChangeRequired, Path: of.Path, Message: Label{
			VI: "Đổi quy định bắt buộc của " + quote(nf.Label.VI) + " (chỉ áp dụng cho dữ liệu mới).",
			EN: "Whether " + quote(nf.Label.EN) + " is required changed (for new data only)."}})
	}
	if of.Sensitive != nf.Sensitive || of.Personal != nf.Personal || of.OmitPersonal != nf.OmitPersonal {
		out = append(out, Change{Kind: ChangeProtection, Path: of.Path, Message: Label{
			VI: "Đổi mức bảo vệ (nhạy cảm / cá nhân) của " + quote(nf.Label.VI) + ".",
			EN: "The protection (sensitive / personal) of " + quote(nf.Label.EN) + " changed."}})
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
			out = append(out, Change{Kind: ChangeChoiceRemoved, Path: of.Path, Code: oc.Code, Before: &oc.Label, Breaking: true, Message: Label{
				VI: fmt.Sprintf("Bỏ mã %v (%s) của %s: dữ liệu đã thu có thể chứa mã này.", oc.Code, quote(oc.Label.VI), quote(nf.Label.VI)),
				EN: fmt.Sprintf("Code %v (%s) of %s removed: collected data may hold it.", oc.Code, quote(oc.Label.EN), quote(nf.Label.EN))}})
		case oc.Label == nc.Label:
		case !sameText(oc.Label.VI, nc.Label.VI) && !sameText(oc.Label.EN, nc.Label.EN):
			out = append(out, Change{Kind: ChangeChoiceMeaning, Path: of.Path, Code: oc.Code, Before: &oc.Label, After: &nc.Label, Breaking: true, Message: Label{
				VI: fmt.Sprintf("Mã %v của %s đổi nhãn ở cả hai ngôn ngữ, tức là đổi nghĩa: hãy thêm mã mới; nếu chỉ sửa câu chữ, đổi từng ngôn ngữ một.", oc.Code, quote(nf.Label.VI)),
				EN: fmt.Sprintf("Code %v of %s changes its label in both languages, which changes its meaning: add a new code; to reword only, change one language at a time.", oc.Code, quote(nf.Label.EN))}})
		default:
			out = append(out, Change{Kind: ChangeChoiceRelabeled, Path: of.Path, Code: oc.Code, Before: &oc.Label, After: &nc.Label, Message: Label{
				VI: fmt.Sprintf("Đổi nhãn mã %v của %s.", oc.Code, quote(nf.Label.VI)),
				EN: fmt.Sprintf("Code %v of %s relabelled.", oc.Code, quote(nf.Label.EN))}})
		}
	}
	for _, nc := range nf.Choices {
		if of.Choice(nc.Code) == nil {
			out = append(out, Change{Kind: ChangeChoiceAdded, Path: nf.Path, Code: nc.Code, After: &nc.Label, Message: Label{
				VI: fmt.Sprintf("Thêm mã %v (%s) cho %s.", nc.Code, quote(nc.Label.VI), quote(nf.Label.VI)),
				EN: fmt.Sprintf("Code %v (%s) added to %s.", nc.Code, quote(nc.Label.EN), quote(nf.Label.EN))}})
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
