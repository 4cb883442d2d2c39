package protect

import (
	"context"
	"github.com/khaosat/khaosat/internal/survey"
	"strconv"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// Edits by someone who may not see the sensitive answers.
//
// An edit replaces a submission's answers with those it sends. An editor
// without the right to read x-sensitive answers was shown the submission
// without them (View withholds them), so what such an editor sends lacks
// them: replacing would delete answers about a child that the editor never
// saw. What you were not allowed to see you cannot delete by omission, so
// for such an editor (KeepWithheld):
//
//   - every sensitive answer stored at a place the edit keeps (the same
//     object; the same repeat item, matched by its identity field when
//     the items have one, else by position) and left out of the edit is
//     kept as stored;
//   - a sensitive answer sent for such a place is refused (403, naming
//     the field) whatever the value, so that the answer never tells
//     whether a guess was right; and removing a repeat item (or a group)
//     that has sensitive fields is refused, whether or not they were
//     answered: what the editor is told depends on the form, never on the
//     answers;
//   - except for the collector of the submission, who gave those answers
//     and corrects them when a review asks: the collector's edit sets or
//     changes any answer it sends and may remove items, always accepted
//     (so it tells nothing either); what it leaves out is kept;
//   - a new repeat item is new content and carries its answers as sent,
//     as a new submission would.
//
// The merged answers are then validated like any edit. An editor allowed
// to see sensitive answers replaces them all, as before.

// KeepWithheld merges into env.Data the sensitive answers of cur that actor
// may not see and left out, or refuses the edit as the rules above say.
// It works on cur, the revision the edit is written against.
func (s *Answers) KeepWithheld(ctx context.Context, actor survey.Actor, cur *survey.Submission, env *survey.Envelope) error {
	if actor.SeesSensitive() || env.Data == nil || env.FormVersion < 1 {
		return nil
	}
	sf, err := s.catalog.Compiled(ctx, cur.FormID, env.FormVersion)
	if survey.ErrorCode(err) == survey.CodeNotFound {
		return nil // validation reports the unknown version
	}
	if err != nil {
		return err
	}
	curSF, err := s.catalog.Compiled(ctx, cur.FormID, cur.FormVersion)
	if err != nil {
		return err
	}
	all, _, err := s.BoxAnswers(curSF, cur)
	if err != nil {
		return err
	}
	m := withheldMerge{owner: cur.Collector == actor.UserID}
	m.object(sf.Fields, curSF.FromStorage(all), env.Data, "")
	if len(m.refused) > 0 {
		e := survey.Errorf(survey.CodeForbidden, msg.WithheldWhole)
		e.Fields = m.refused
		return e
	}
	return nil
}

// withheldMerge walks the fields of a form over the stored answers and the
// sent ones (both in API form), putting the stored sensitive answers back
// into the sent ones and collecting what it must refuse.
type withheldMerge struct {
	owner   bool // the editor collected the submission
	refused []survey.FieldError
}

func (m *withheldMerge) object(fields []*schema.Field, stored, sent map[string]any, path string) {
	for _, f := range fields {
		if !holdsSensitive(f) {
			continue
		}
		p := path + "/" + schema.EscapeToken(f.Name)
		old, had := stored[f.Name]
		v, sends := sent[f.Name]
		switch {
		case f.Sensitive:
			switch {
			case !sends:
				if had {
					sent[f.Name] = old
				}
			case !m.owner:
				m.refuse(p, f, "withheld_answer", msg.WithheldAnswer, f.Label)
			}
		case f.Kind == schema.KindObject:
			oldObj, _ := old.(map[string]any)
			if oldObj == nil {
				continue // nothing stored there: the group is new
			}
			if !sends {
				if m.owner {
					sent[f.Name] = oldObj // left out: kept
					continue
				}
				m.refuse(p, f, "withheld_removed", msg.WithheldGroup, f.Label)
				continue
			}
			if obj, ok := v.(map[string]any); ok {
				m.object(f.Fields, oldObj, obj, p)
			}
		case f.Kind == schema.KindRepeat:
			oldItems, _ := old.([]any)
			items, ok := v.([]any)
			if sends && !ok {
				continue // not a list: validation says so
			}
			if !sends && m.owner && old != nil {
				sent[f.Name] = old // left out: kept
				continue
			}
			match, gone := matchItems(f, oldItems, items)
			if m.owner {
				gone = nil // the collector's removal stands
			}
			for _, i := range gone {
				m.refuse(p+"/"+strconv.Itoa(i), f, "withheld_removed", msg.WithheldItem, i+1, f.Label)
			}
			for j, i := range match {
				oldObj, _ := oldItems[i].(map[string]any)
				obj, ok := items[j].(map[string]any)
				if oldObj != nil && ok {
					m.object(f.Fields, oldObj, obj, p+"/"+strconv.Itoa(j))
				}
			}
		}
	}
}

func (m *withheldMerge) refuse(path string, f *schema.Field, code string, key msg.Key, args ...any) {
	m.refused = append(m.refused, survey.NewFieldError("/data"+path, code, key, args...))
}

// holdsSensitive reports whether f is sensitive or has a sensitive field
// inside.
func holdsSensitive(f *schema.Field) bool {
	if f.Sensitive {
		return true
	}
	for _, c := range f.Fields {
		if holdsSensitive(c) {
			return true
		}
	}
	return false
}

// itemKey returns the name of the field that identifies the items of
// repeat f (a required, not sensitive uuid, like a household's child_id),
// or "".
func itemKey(f *schema.Field) string {
	for _, c := range f.Fields {
		if c.Kind == schema.KindString && c.Format == "uuid" && c.Required && !c.Sensitive {
			return c.Name
		}
	}
	return ""
}

// matchItems pairs the sent items of repeat f with the stored ones: match
// maps a sent item's index to its stored item's; gone lists the stored
// items no sent item matches. Items are matched by their identity field
// when the repeat has one and every stored item carries it (so that a
// reordered or shortened list keeps each child's answers with that child),
// else by position. A sent item matching nothing is new.
func matchItems(f *schema.Field, stored, sent []any) (match map[int]int, gone []int) {
	match = map[int]int{}
	key := itemKey(f)
	byKey := map[string]int{}
	for i, it := range stored {
		obj, _ := it.(map[string]any)
		k, _ := obj[key].(string)
		if key == "" || k == "" {
			byKey = nil
			break
		}
		if _, dup := byKey[k]; dup {
			byKey = nil // an identity twice: it identifies nothing
			break
		}
		byKey[k] = i
	}
	used := make([]bool, len(stored))
	for j, it := range sent {
		i := j
		if byKey != nil {
			obj, _ := it.(map[string]any)
			k, _ := obj[key].(string)
			var ok bool
			if i, ok = byKey[k]; !ok {
				continue
			}
		} else if j >= len(stored) {
			continue
		}
		if !used[i] {
			used[i] = true
			match[j] = i
		}
	}
	for i, u := range used {
		if !u {
			gone = append(gone, i)
		}
	}
	return match, gone
}
