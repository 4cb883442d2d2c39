package indicator

import (
	"fmt"
	"strings"

	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types/ref"

	"github.com/khaosat/khaosat/internal/schema"
)

// checkCodes catches what type-checking cannot: a choice field compared
// with a code the form does not offer (`sex == 'mael'`, `'hiv' in
// special_circumstances`), which would silently count nothing.
func checkCodes(ast *cel.Ast, fields []*schema.Field, where string) error {
	native := ast.NativeRep()
	byName := map[string]*schema.Field{}
	for _, f := range fields {
		if len(f.Choices) > 0 {
			byName[f.Name] = f
		}
	}
	var err error
	var walk func(e celast.Expr)
	walk = func(e celast.Expr) {
		if err != nil || e == nil {
			return
		}
		switch e.Kind() {
		case celast.CallKind:
			call := e.AsCall()
			args := call.Args()
			switch call.FunctionName() {
			case operators.Equals, operators.NotEquals:
				err = firstErr(checkPair(native, byName, args[0], args[1], where), checkPair(native, byName, args[1], args[0], where))
			case operators.In:
				err = checkPair(native, byName, args[1], args[0], where)
			}
			if call.IsMemberFunction() {
				walk(call.Target())
			}
			for _, a := range args {
				walk(a)
			}
		case celast.ListKind:
			for _, el := range e.AsList().Elements() {
				walk(el)
			}
		case celast.SelectKind:
			walk(e.AsSelect().Operand())
		case celast.ComprehensionKind:
			c := e.AsComprehension()
			walk(c.IterRange())
			walk(c.AccuInit())
			walk(c.LoopCondition())
			walk(c.LoopStep())
			walk(c.Result())
		}
	}
	walk(native.Expr())
	return err
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// checkPair checks that lit, when a literal (or a list of literals),
// holds only codes of the choice field named by ident.
func checkPair(native *celast.AST, byName map[string]*schema.Field, ident, lit celast.Expr, where string) error {
	if ident.Kind() != celast.IdentKind {
		return nil
	}
	f := byName[ident.AsIdent()]
	if f == nil {
		return nil
	}
	lits := []celast.Expr{lit}
	if lit.Kind() == celast.ListKind {
		lits = lit.AsList().Elements()
	}
	for _, l := range lits {
		if l.Kind() != celast.LiteralKind {
			continue
		}
		if f.Choice(code(l.AsLiteral())) == nil {
			loc := native.SourceInfo().GetStartLocation(l.ID())
			return fmt.Errorf("ERROR: %s:%d:%d: '%v' is not a choice of field %s (choices: %s)",
				where, loc.Line(), loc.Column()+1, l.AsLiteral(), f.Name, choiceList(f))
		}
	}
	return nil
}

func code(v ref.Val) any {
	switch x := v.Value().(type) {
	case int64:
		return x
	case string:
		return x
	}
	return v.Value()
}

func choiceList(f *schema.Field) string {
	var parts []string
	for _, c := range f.Choices {
		parts = append(parts, fmt.Sprint(c.Code))
	}
	return strings.Join(parts, ", ")
}

func referencesAge(ast *cel.Ast) bool {
	for _, ref := range ast.NativeRep().ReferenceMap() {
		if ref.Name == AgeVar {
			return true
		}
	}
	return false
}
