package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/khaosat/khaosat/internal/schema"
)

// formsCmd runs the form tools: `khaosat forms lint FILE…`, and
// `forms import FILE.xlsx` / `forms export FILE.json` (xlsformcmd.go).
func formsCmd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "lint":
		return lintCmd(ctx, args[1:], env, stdout, stderr)
	case len(args) > 0 && args[0] == "import":
		return importCmd(ctx, args[1:], env, stdout, stderr)
	case len(args) > 0 && args[0] == "export":
		return exportFormCmd(ctx, args[1:], env, stdout, stderr)
	}
	fmt.Fprintln(stderr, "usage: khaosat forms lint [--lang en|vi] FILE…\n       khaosat forms import [--lang en|vi] [--out FILE.json] FILE.xlsx\n       khaosat forms export --out FILE.xlsx FILE.json")
	return errors.New("forms: want the subcommand lint, import or export")
}

// lintConfig is the configuration of `khaosat forms lint`: arguments
// only, the form files last.
type lintConfig struct {
	Lang  string
	Files []string
}

func (c *lintConfig) bind(l *loader) {
	l.arg(&c.Lang, "lang", "en", "language of the messages: en or vi")
	l.rest = &c.Files
}

func (c *lintConfig) check(l *loader, errs []error) error {
	if len(c.Files) == 0 {
		l.fs.Usage()
		return errors.New("forms lint: no files given")
	}
	return errors.Join(errs...)
}

// lintCmd lints form files for designers working offline. It prints one
// line per problem, "file: path: code: message" (warnings with "warning:"
// before the message), and fails when any file has an error.
func lintCmd(_ context.Context, args, env []string, stdout, stderr io.Writer) error {
	c := &lintConfig{}
	if err := load("forms lint", c, args, env, stderr); err != nil {
		return err
	}
	var nerr, nwarn int
	for _, file := range c.Files {
		raw, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("forms lint: %w", err)
		}
		r := schema.Lint(raw)
		for _, p := range r.Errors {
			fmt.Fprintf(stdout, "%s: %s: %s: %s\n", file, displayPointer(p.Path), p.Code, p.Message.In(c.Lang))
		}
		for _, p := range r.Warnings {
			fmt.Fprintf(stdout, "%s: %s: %s: warning: %s\n", file, displayPointer(p.Path), p.Code, p.Message.In(c.Lang))
		}
		nerr += len(r.Errors)
		nwarn += len(r.Warnings)
	}
	if nerr > 0 {
		return fmt.Errorf("forms lint: %d error(s), %d warning(s)", nerr, nwarn)
	}
	fmt.Fprintf(stdout, "%d file(s) checked: no errors, %d warning(s)\n", len(c.Files), nwarn)
	return nil
}

func displayPointer(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
