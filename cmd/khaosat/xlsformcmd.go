package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/khaosat/khaosat/internal/xlsform"
)

// xlsformConfig is the configuration of `khaosat forms import` and
// `forms export`: arguments only, the file last.
type xlsformConfig struct {
	Lang  string
	Out   string
	Files []string
}

func (c *xlsformConfig) bind(l *loader) {
	l.arg(&c.Lang, "lang", "en", "language of the messages: en or vi")
	l.arg(&c.Out, "out", "", "file to write (import: the form as JSON, default standard output; export: the workbook, required)")
	l.rest = &c.Files
}

func (c *xlsformConfig) check(l *loader, errs []error) error {
	if len(c.Files) != 1 {
		l.fs.Usage()
		return errors.New("forms: give exactly one file")
	}
	return errors.Join(errs...)
}

// importCmd reads an XLSForm workbook into a form document for forms/ or
// the draft API. It prints one line per problem, "file: sheet, row R,
// column C: code: message" (warnings with "warning:"), and fails, writing
// nothing, when the workbook has any error.
func importCmd(_ context.Context, args, env []string, stdout, stderr io.Writer) error {
	c := &xlsformConfig{}
	if err := load("forms import", c, args, env, stderr); err != nil {
		return err
	}
	file := c.Files[0]
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("forms import: %w", err)
	}
	defer f.Close()
	// A workbook without settings takes its form id from the file name.
	id := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	res, err := xlsform.Read(f, xlsform.Options{FormID: formIDFromFile(id)})
	var xe *xlsform.Errors
	if errors.As(err, &xe) {
		for _, p := range xe.Problems {
			fmt.Fprintf(stdout, "%s: %s\n", file, problemLine(p, c.Lang))
		}
		return fmt.Errorf("forms import: %d error(s)", len(xe.Problems))
	} else if err != nil {
		return fmt.Errorf("forms import: %w", err)
	}
	for _, p := range res.Warnings {
		fmt.Fprintf(stdout, "%s: warning: %s\n", file, problemLine(p, c.Lang))
	}
	if c.Out == "" {
		_, err = stdout.Write(res.Schema)
		return err
	}
	if err := os.WriteFile(c.Out, res.Schema, 0o644); err != nil {
		return fmt.Errorf("forms import: %w", err)
	}
	fmt.Fprintf(stdout, "%s: form %s written to %s, %d warning(s)\n", file, res.FormID, c.Out, len(res.Warnings))
	return nil
}

// formIDFromFile is a file name usable as a form id, or "" (the settings
// sheet must then name the form).
func formIDFromFile(name string) string {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return ""
		}
	}
	return name
}

func problemLine(p xlsform.Problem, lang string) string {
	where := strings.TrimSuffix(p.In(lang), p.Message.In(lang))
	return where + p.Code + ": " + p.Message.In(lang)
}

// exportFormCmd writes a form document as an XLSForm workbook.
func exportFormCmd(_ context.Context, args, env []string, stdout, stderr io.Writer) error {
	c := &xlsformConfig{}
	if err := load("forms export", c, args, env, stderr); err != nil {
		return err
	}
	if c.Out == "" {
		return errors.New("forms export: --out FILE.xlsx is required")
	}
	raw, err := os.ReadFile(c.Files[0])
	if err != nil {
		return fmt.Errorf("forms export: %w", err)
	}
	var buf bytes.Buffer
	if err := xlsform.Write(&buf, raw, xlsform.WriteOptions{}); err != nil {
		var xe *xlsform.Errors
		if errors.As(err, &xe) {
			for _, p := range xe.Problems {
				fmt.Fprintf(stdout, "%s: %s: %s: %s\n", c.Files[0], p.Column, p.Code, p.Message.In(c.Lang))
			}
		}
		return fmt.Errorf("forms export: %w", err)
	}
	if err := os.WriteFile(c.Out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("forms export: %w", err)
	}
	fmt.Fprintf(stdout, "%s: written to %s\n", c.Files[0], c.Out)
	return nil
}
