package schema

// SensitivePaths returns the paths (Field.Path) of the x-sensitive fields
// of all the given forms together. Every field of a form marked
// x-sensitive-form is: the form is sealed whole at rest and its answers
// are withheld as sensitive ones (a child's name on the hiv form says the
// child is affected by HIV).
func SensitivePaths(forms ...*Form) map[string]bool {
	out := map[string]bool{}
	for _, f := range forms {
		f.Walk(func(fl *Field) {
			if fl.Sensitive || f.SensitiveForm {
				out[fl.Path] = true
			}
		})
	}
	return out
}

// WithSensitive returns f with the fields at paths marked sensitive too,
// or f itself when they all are already (or f has none of them). f is not
// modified: the fields on the way to a changed one are copied.
func (f *Form) WithSensitive(paths map[string]bool) *Form {
	fields, changed := withSensitive(f.Fields, paths)
	if !changed {
		return f
	}
	out := *f
	out.Fields = fields
	out.byPath = make(map[string]*Field, len(f.byPath))
	out.Walk(func(fl *Field) { out.byPath[fl.Path] = fl })
	return &out
}

func withSensitive(fields []*Field, paths map[string]bool) ([]*Field, bool) {
	var out []*Field
	for i, fl := range fields {
		next := fl
		if paths[fl.Path] && !fl.Sensitive {
			c := *fl
			c.Sensitive = true
			next = &c
		}
		if kids, changed := withSensitive(fl.Fields, paths); changed {
			if next == fl {
				c := *fl
				next = &c
			}
			next.Fields = kids
		}
		if next != fl && out == nil {
			out = append(make([]*Field, 0, len(fields)), fields[:i]...)
		}
		if out != nil {
			out = append(out, next)
		}
	}
	if out == nil {
		return fields, false
	}
	return out, true
}
