package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/khaosat/khaosat/internal/schema"
)

// formsCmd runs the form tools: `khaosat forms lint FILE…`.
func formsCmd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "lint" {
		fmt.Fprintln(stderr, "usage: khaosat forms lint [--lang en|vi] FILE…")
		return errors.New("forms: want the subcommand lint")
	}
	return lintCmd(ctx, args[1:], env, stdout, stderr)
}

// lintCmd lints form files for designers working offline. It prints one
// line per problem, "file: path: code: message" (warnings with "warning:"
// before the message), and fails when any file has an error.
func lintCmd(_ context.Context, args, _ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("forms lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", "en", "language of the messages: en or vi")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("forms lint: no files given")
	}
	var nerr, nwarn int
	for _, file := range fs.Args() {
		raw, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("forms lint: %w", err)
		}
		r := schema.Lint(raw)
		for _, p := range r.Errors {
			fmt.Fprintf(stdout, "%s: %s: %s: %s\n", file, displayPointer(p.Path), p.Code, p.Message.In(*lang))
		}
		for _, p := range r.Warnings {
			fmt.Fprintf(stdout, "%s: %s: %s: warning: %s\n", file, displayPointer(p.Path), p.Code, p.Message.In(*lang))
		}
		nerr += len(r.Errors)
		nwarn += len(r.Warnings)
	}
	if nerr > 0 {
		return fmt.Errorf("forms lint: %d error(s), %d warning(s)", nerr, nwarn)
	}
	fmt.Fprintf(stdout, "%d file(s) checked: no errors, %d warning(s)\n", fs.NArg(), nwarn)
	return nil
}

func displayPointer(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
