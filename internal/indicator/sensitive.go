package indicator

import (
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common"

	"github.com/khaosat/khaosat/internal/schema"
)

// derivedSensitive reports whether an indicator must be treated as
// sensitive whatever its definition says: its rows come from a form marked
// x-sensitive-form, or one of its conditions reads an answer marked
// x-sensitive. A count of such answers is itself sensitive data.
func derivedSensitive(env *cel.Env, form *schema.Form, fields []*schema.Field, exprs ...string) bool {
	if form.SensitiveForm {
		return true
	}
	sens := map[string]bool{}
	for _, f := range fields {
		if f.Sensitive {
			sens[f.Name] = true
		}
	}
	if len(sens) == 0 {
		return false
	}
	for _, expr := range exprs {
		ast, iss := env.CompileSource(common.NewStringSource(expr, "sensitivity"))
		if iss.Err() != nil {
			continue // compile already reported it
		}
		for _, ref := range ast.NativeRep().ReferenceMap() {
			if sens[ref.Name] {
				return true
			}
		}
	}
	return false
}
