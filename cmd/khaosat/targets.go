package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	acct "github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/app"
	"github.com/khaosat/khaosat/internal/survey"
)

// targetsConfig is the configuration of `khaosat targets import`.
type targetsConfig struct {
	Config
	As, Lang string
	Files    []string
}

func (c *targetsConfig) bind(l *loader) {
	c.bindStore(l)
	l.arg(&c.As, "as", "", "import as this user (a manager: only units of their area); default the operator, as an administrator")
	l.arg(&c.Lang, "lang", "en", "language of the messages: en or vi")
	l.rest = &c.Files
}

func (c *targetsConfig) check(l *loader, errs []error) error {
	if len(c.Files) != 1 {
		l.fs.Usage()
		errs = append(errs, errors.New("targets import: give one CSV file"))
	}
	if c.Lang != "en" && c.Lang != "vi" {
		errs = append(errs, fmt.Errorf("lang: want en or vi, got %q", c.Lang))
	}
	return invalid("configuration", append(errs, c.checkStore()...))
}

// targetsCmd is `khaosat targets import FILE.csv`: a whole plan's targets
// at once, from the columns indicator, unit, period, value and optionally
// better, baseline_value, baseline_period. Every row is checked first; if
// any is wrong nothing is stored and each error is printed as
// "FILE: row N: column: message".
func targetsCmd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(stderr, "usage: khaosat targets import [--as USER] [--lang en|vi] FILE.csv")
		return errors.New("targets: want the subcommand import")
	}
	c := &targetsConfig{}
	if err := load("targets import", c, args[1:], env, stderr); err != nil {
		return err
	}
	file := c.Files[0]
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("targets import: %w", err)
	}
	defer f.Close()
	db, svc, err := openServices(ctx, &c.Config, app.Exclusive, app.Config{Log: warnLogger(stderr)})
	if err != nil {
		return err
	}
	defer db.Close()
	actor := cliActor()
	if c.As != "" {
		u, err := db.Store.UserByUsername(ctx, c.As)
		if err != nil {
			return fmt.Errorf("--as %s: %w", c.As, err)
		}
		actor = acct.ActorOf(u)
	}
	ts, err := svc.Plan.ImportCSV(ctx, actor, f)
	var e *survey.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		for _, fe := range e.Fields {
			fmt.Fprintf(stdout, "%s: %s: %s\n", file, rowColumn(fe.Path), fe.Message.In(c.Lang))
		}
		return fmt.Errorf("targets import: %d errors in %s; nothing was imported", len(e.Fields), file)
	}
	if err != nil {
		return describe(err)
	}
	_, err = fmt.Fprintf(stdout, "imported %d targets from %s\n", len(ts), file)
	return err
}

// rowColumn turns /rows/4/value into "row 4: value" (the line in the file).
func rowColumn(path string) string {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) == 3 && parts[0] == "rows" {
		return "row " + parts[1] + ": " + parts[2]
	}
	if len(parts) == 2 && parts[0] == "rows" {
		return "row " + parts[1]
	}
	return strings.Join(parts, ": ")
}
