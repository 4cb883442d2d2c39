package schema

import "strconv"

// Strip returns a copy of data (API or storage form) without the answers of
// the fields for which hide is true, and the JSON pointers of the answers it
// removed, in document order. data itself is not changed. It is how
// sensitive and personal answers are kept from callers without the right
// to see them.
func (f *Form) Strip(data map[string]any, hide func(*Field) bool) (map[string]any, []string) {
	var removed []string
	out := stripObject(f.Fields, data, "", hide, &removed)
	return out, removed
}

func stripObject(fields []*Field, obj map[string]any, path string, hide func(*Field) bool, removed *[]string) map[string]any {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		out[k] = v
	}
	for _, fd := range fields {
		v, ok := obj[fd.Name]
		if !ok {
			continue
		}
		p := appendPointer(path, fd.Name)
		if hide(fd) {
			delete(out, fd.Name)
			*removed = append(*removed, p)
			continue
		}
		switch fd.Kind {
		case KindObject:
			if m, ok := v.(map[string]any); ok {
				out[fd.Name] = stripObject(fd.Fields, m, p, hide, removed)
			}
		case KindRepeat:
			if items, ok := v.([]any); ok {
				copied := make([]any, len(items))
				for i, it := range items {
					if m, ok := it.(map[string]any); ok {
						copied[i] = stripObject(fd.Fields, m, p+"/"+strconv.Itoa(i), hide, removed)
					} else {
						copied[i] = it
					}
				}
				out[fd.Name] = copied
			}
		}
	}
	return out
}
