package msg_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/msg"
)

// TestCatalogueBothLanguages: every message has a Vietnamese and an
// English template.
func TestCatalogueBothLanguages(t *testing.T) {
	keys := msg.Keys()
	if len(keys) == 0 {
		t.Fatal("the catalogue is empty")
	}
	for _, k := range keys {
		vi, en, _ := msg.Templates(k)
		if strings.TrimSpace(vi) == "" || strings.TrimSpace(en) == "" {
			t.Errorf("%s: vi %q, en %q: want both", k, vi, en)
		}
	}
}

var verbRE = regexp.MustCompile(`%(\[(\d+)\])?[-+# 0]*\d*(\.\d+)?([a-zA-Z%])`)

// arguments returns the verb each argument of tmpl is written with, by
// argument number (from 1), following fmt's rules for explicit indexes.
func arguments(tmpl string) (map[int]string, error) {
	args := map[int]string{}
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(tmpl, -1) {
		if m[4] == "%" {
			continue
		}
		n := next
		if m[2] != "" {
			n, _ = strconv.Atoi(m[2])
		}
		if v, ok := args[n]; ok && v != m[4] {
			return nil, &verbError{n, v, m[4]}
		}
		args[n] = m[4]
		next = n + 1
	}
	return args, nil
}

type verbError struct {
	n    int
	a, b string
}

func (e *verbError) Error() string {
	return "argument " + strconv.Itoa(e.n) + " written with %" + e.a + " and %" + e.b
}

// TestCatalogueArguments: the two templates of a message take the same
// arguments, each with the same verb, numbered 1..n without a gap.
func TestCatalogueArguments(t *testing.T) {
	for _, k := range msg.Keys() {
		vi, en, _ := msg.Templates(k)
		va, err := arguments(vi)
		if err != nil {
			t.Errorf("%s (vi): %v", k, err)
			continue
		}
		ea, err := arguments(en)
		if err != nil {
			t.Errorf("%s (en): %v", k, err)
			continue
		}
		if diff := cmp.Diff(va, ea); diff != "" {
			t.Errorf("%s: the templates take different arguments (-vi +en):\n%s", k, diff)
		}
		for n := 1; n <= len(va); n++ {
			if _, ok := va[n]; !ok {
				t.Errorf("%s: argument %d is never used", k, n)
			}
		}
	}
}

// TestArgumentsCounted guards the checks above: a mismatch is seen.
func TestArgumentsCounted(t *testing.T) {
	a, _ := arguments("«%s» phải từ %d đến %d.")
	b, _ := arguments("%[1]s: %[3]d, %[2]d")
	if diff := cmp.Diff(map[int]string{1: "s", 2: "d", 3: "d"}, a); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Error(diff)
	}
	c, _ := arguments("«%s» phải từ %d.")
	if cmp.Equal(a, c) {
		t.Error("a missing argument went unseen")
	}
}

// TestTextRendersEachLanguage: a Label argument goes into each template
// in that template's language; plain arguments go into both.
func TestTextRendersEachLanguage(t *testing.T) {
	got := msg.Text(msg.FieldBetween, msg.Label{VI: "Số người", EN: "People"}, "1", "30")
	want := msg.Label{VI: "Giá trị của «Số người» phải từ 1 đến 30.", EN: "«People» must be between 1 and 30."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	list := msg.List([]string{".jpg", ".jpeg"}, msg.ListOr)
	if diff := cmp.Diff(msg.Label{VI: ".jpg hoặc .jpeg", EN: ".jpg or .jpeg"}, list); diff != "" {
		t.Error(diff)
	}
}

// definitions reads the catalogue's source: each "Name = def(...)".
func definitions(t *testing.T) map[string]msg.Key {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	defs := map[string]msg.Key{}
	byName := map[string]msg.Key{}
	for _, k := range msg.Keys() {
		byName[k.String()] = k
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok || len(vs.Values) != 1 {
				return true
			}
			call, ok := vs.Values[0].(*ast.CallExpr)
			if !ok {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "def" {
				return true
			}
			key, _ := strconv.Unquote(call.Args[0].(*ast.BasicLit).Value)
			k, ok := byName[key]
			if !ok {
				t.Fatalf("%s: key %q is not in the catalogue", vs.Names[0].Name, key)
			}
			defs[vs.Names[0].Name] = k
			return true
		})
	}
	return defs
}

// renderers take a message key followed by its arguments.
var renderers = map[string]bool{
	"Text": true, "Errorf": true, "Wrap": true, "NewFieldError": true, "fieldErr": true, "malformed": true,
	"queryErr": true, "exportParamError": true, "filterErr": true, "errorf": true, "warnf": true, "add": true,
	"refuse": true, "typeErr": true,
}

// TestCatalogueKeysUsed: every key of the catalogue is used by the code
// outside this package (non-test Go sources of the module), and every use
// that hands a key to a renderer passes as many arguments as its
// templates take.
func TestCatalogueKeysUsed(t *testing.T) {
	defs := definitions(t)
	if len(defs) != len(msg.Keys()) {
		t.Fatalf("%d definitions in the source, %d keys in the catalogue", len(defs), len(msg.Keys()))
	}
	used := map[string]int{}
	fset := token.NewFileSet()
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root {
			if rel, _ := filepath.Rel(root, path); rel == filepath.Join("internal", "msg") || strings.HasPrefix(d.Name(), ".") || d.Name() == "web" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.SelectorExpr:
				if id, ok := x.X.(*ast.Ident); ok && id.Name == "msg" {
					used[x.Sel.Name]++
				}
			case *ast.CallExpr:
				checkCall(t, fset, defs, x)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range defs {
		if used[name] == 0 {
			t.Errorf("msg.%s is never used", name)
		}
	}
}

// checkCall checks the arguments that follow a key handed to a renderer.
func checkCall(t *testing.T, fset *token.FileSet, defs map[string]msg.Key, call *ast.CallExpr) {
	t.Helper()
	var callee string
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		callee = fn.Name
	case *ast.SelectorExpr:
		callee = fn.Sel.Name
	}
	for i, a := range call.Args {
		sel, ok := a.(*ast.SelectorExpr)
		if !ok {
			continue
		}
		if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "msg" {
			continue
		}
		key, ok := defs[sel.Sel.Name]
		if !ok {
			continue
		}
		after := len(call.Args) - i - 1
		if call.Ellipsis.IsValid() || (after == 0 && !renderers[callee]) {
			return
		}
		vi, _, _ := msg.Templates(key)
		want, _ := arguments(vi)
		if after != len(want) {
			t.Errorf("%s: %s(msg.%s, …) passes %d arguments, the templates take %d", fset.Position(call.Pos()), callee, sel.Sel.Name, after, len(want))
		}
		return
	}
}
