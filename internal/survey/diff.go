package survey

import (
	"context"
	"reflect"
	"sort"
	"strconv"
	"time"
)

// Change is one field that differs between two revisions.
type Change struct {
	Path string // JSON pointer into the submission ("/unit", "/data/children/0/sex")
	Op   string // "added", "removed" or "changed"
	From any    // absent when added
	To   any    // absent when removed
}

// Diff returns the field-level differences between revisions from and to
// of a submission, as the actor may see them: both sides go through
// Intake.View, so withheld answers never show up in a diff.
func (l *Lifecycle) Diff(ctx context.Context, actor Actor, formID, id string, from, to int) ([]Change, error) {
	a, err := l.AtRevision(ctx, actor, formID, id, from)
	if err != nil {
		return nil, err
	}
	b, err := l.AtRevision(ctx, actor, formID, id, to)
	if err != nil {
		return nil, err
	}
	va, err := l.comparable(ctx, actor, a)
	if err != nil {
		return nil, err
	}
	vb, err := l.comparable(ctx, actor, b)
	if err != nil {
		return nil, err
	}
	var out []Change
	diffValue("", va, vb, &out)
	return out, nil
}

// comparable is a submission as the actor may see it, as one JSON-like tree.
func (l *Lifecycle) comparable(ctx context.Context, actor Actor, s *Submission) (map[string]any, error) {
	data, _, err := l.in.View(ctx, actor, s)
	if err != nil {
		return nil, err
	}
	m := map[string]any{
		"form_version": int64(s.FormVersion), "unit": s.Unit, "survey_date": s.SurveyDate.Format(time.DateOnly), "data": data,
	}
	if s.StartedAt != nil {
		m["started_at"] = s.StartedAt.Format(time.RFC3339Nano)
	}
	if s.EndedAt != nil {
		m["ended_at"] = s.EndedAt.Format(time.RFC3339Nano)
	}
	if s.DeviceID != "" {
		m["device_id"] = s.DeviceID
	}
	if s.Location != nil {
		loc := map[string]any{"lat": s.Location.Lat, "lon": s.Location.Lon}
		if s.Location.Accuracy != nil {
			loc["accuracy"] = *s.Location.Accuracy
		}
		m["location"] = loc
	}
	return m, nil
}

func diffValue(path string, a, b any, out *[]Change) {
	switch x := a.(type) {
	case map[string]any:
		if y, ok := b.(map[string]any); ok {
			keys := make([]string, 0, len(x)+len(y))
			for k := range x {
				keys = append(keys, k)
			}
			for k := range y {
				if _, ok := x[k]; !ok {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := path + "/" + escapePointer(k)
				va, inA := x[k]
				vb, inB := y[k]
				switch {
				case !inA:
					*out = append(*out, Change{Path: p, Op: "added", To: vb})
				case !inB:
					*out = append(*out, Change{Path: p, Op: "removed", From: va})
				default:
					diffValue(p, va, vb, out)
				}
			}
			return
		}
	case []any:
		if y, ok := b.([]any); ok {
			for i := 0; i < max(len(x), len(y)); i++ {
				p := path + "/" + strconv.Itoa(i)
				switch {
				case i >= len(x):
					*out = append(*out, Change{Path: p, Op: "added", To: y[i]})
				case i >= len(y):
					*out = append(*out, Change{Path: p, Op: "removed", From: x[i]})
				default:
					diffValue(p, x[i], y[i], out)
				}
			}
			return
		}
	}
	if !reflect.DeepEqual(a, b) {
		*out = append(*out, Change{Path: path, Op: "changed", From: a, To: b})
	}
}
