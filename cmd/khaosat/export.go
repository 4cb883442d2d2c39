package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/khaosat/khaosat/internal/app"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/khaosat/khaosat/internal/survey"
)

// exportConfig is the configuration of `khaosat export`.
type exportConfig struct {
	Config
	Form    string
	Output  string
	Options survey.ExportOptions
	// The text of the arguments check converts into Options.
	from, to, version, header string
}

func parseExportConfig(args, env []string, stderr io.Writer) (*exportConfig, error) {
	c := &exportConfig{}
	if err := load("export", c, args, env, stderr); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *exportConfig) bind(l *loader) {
	c.bindStore(l)
	o := &c.Options
	l.arg(&c.Form, "form", "", "form to export (required)")
	l.arg(&c.Output, "o", "-", "output file; - writes to standard output")
	l.arg(&o.Format, "format", "csv", "csv, zip, xlsx or jsonl")
	l.arg(&o.Labels, "labels", "codes", "choices as codes, or labels in vi or en")
	l.arg(&c.header, "header", "names", "header row of field names or labels")
	l.argBool(&o.Split, "split", false, "one 0/1 column per choice of a multiple-choice field")
	l.argBool(&o.RawText, "raw-text", false, "CSV/ZIP: write text that begins like a spreadsheet formula (=, +, -, @, tab, CR) as it is, without the leading quote")
	l.arg(&o.Unit, "unit", "", "only this unit and the units below it")
	l.arg(&c.from, "from", "", "only survey dates on or after YYYY-MM-DD")
	l.arg(&c.to, "to", "", "only survey dates on or before YYYY-MM-DD")
	l.arg(&o.ReviewState, "review-state", "", "only this review state")
	l.arg(&c.version, "version", "", "only this form version")
	l.argBool(&o.IncludeDeleted, "include-deleted", false, "include soft-deleted submissions")
}

func (c *exportConfig) check(_ *loader, errs []error) error {
	o := &c.Options
	if c.Form == "" {
		errs = append(errs, errors.New("form: required"))
	}
	var err error
	if c.from != "" {
		if o.From, err = time.Parse(time.DateOnly, c.from); err != nil {
			errs = append(errs, fmt.Errorf("from: want YYYY-MM-DD, got %q", c.from))
		}
	}
	if c.to != "" {
		if o.To, err = time.Parse(time.DateOnly, c.to); err != nil {
			errs = append(errs, fmt.Errorf("to: want YYYY-MM-DD, got %q", c.to))
		}
	}
	if c.version != "" {
		if o.Version, err = strconv.Atoi(c.version); err != nil || o.Version < 1 {
			errs = append(errs, fmt.Errorf("version: want a positive integer, got %q", c.version))
		}
	}
	switch c.header {
	case "names":
	case "labels":
		o.HeaderLabels = true
	default:
		errs = append(errs, fmt.Errorf("header: want names or labels, got %q", c.header))
	}
	if c.DataDir == "" && c.MongoDBURI == "" {
		errs = append(errs, errors.New("data-dir: must not be empty"))
	}
	errs = append(errs, c.checkStore()...)
	return invalid("options", errs)
}

// cliActor is who `khaosat export` acts as. Whoever can run it holds the
// database itself (the data directory, or a connection string with its
// credentials) and could read every document directly; the export acts
// with an administrator's scope so that nothing is silently missing, and
// is audited under the operating-system user's name. For the same reason
// it holds the personal grant: the names are in the files it can read.
func cliActor() survey.Actor {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return survey.Actor{UserID: "cli", Username: "cli:" + name, Role: survey.RoleAdmin, PersonalAccess: true}
}

// exportCmd is `khaosat export`: the export of the API, from the command
// line, into a file or standard output.
func exportCmd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	cfg, err := parseExportConfig(args, env, stderr)
	if err != nil {
		return err
	}
	// Beside a running server the export reads the same database file;
	// SQLite coordinates the two processes. The export holds all the
	// answers: intake opens the sealed ones.
	db, svc, err := openServices(ctx, &cfg.Config, app.Alongside, app.Config{Log: warnLogger(stderr)})
	if err != nil {
		return err
	}
	defer db.Close()
	exports := svc.Exports
	job, err := exports.Prepare(ctx, cliActor(), cfg.Form, cfg.Options)
	if err != nil {
		return describe(err)
	}
	defer job.Release() // Run gives the slot back; this, when it never runs

	out, finish, err := openOutput(cfg.Output, stdout)
	if err != nil {
		return err
	}
	var bar *progressbar.ProgressBar
	if isTerminal(stderr) {
		bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("exporting"),
			progressbar.OptionShowCount(), progressbar.OptionSetItsString("submissions"), progressbar.OptionShowIts(),
			progressbar.OptionSpinnerType(14), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
		job.Progress = func(int64) { _ = bar.Add(1) }
	}
	rows, err := job.Run(ctx, out)
	if bar != nil {
		_ = bar.Finish()
	}
	if err := finish(err == nil); err != nil {
		return err
	}
	if err != nil {
		return describe(err)
	}
	dest := cfg.Output
	if dest == "-" {
		dest = "standard output"
	}
	fmt.Fprintf(stderr, "khaosat: exported %d submissions of %s to %s\n", rows, cfg.Form, dest)
	return nil
}

// describe gives a domain error's English message (and its fields).
func describe(err error) error {
	var e *survey.Error
	if !errors.As(err, &e) || e.Code == survey.CodeInternal {
		return err
	}
	msg := e.Message.EN
	for _, f := range e.Fields {
		msg += "; " + strings.TrimPrefix(f.Path, "?") + ": " + f.Message.EN
	}
	return errors.New(msg)
}

// openOutput opens the destination. A file is written under a temporary
// name and renamed when the export is complete, so that a failed or
// interrupted export never leaves a file that looks whole.
func openOutput(path string, stdout io.Writer) (io.Writer, func(ok bool) error, error) {
	if path == "-" || path == "" {
		return stdout, func(bool) error { return nil }, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".part-*")
	if err != nil {
		return nil, nil, err
	}
	return f, func(ok bool) error {
		cerr := f.Close()
		if !ok || cerr != nil {
			os.Remove(f.Name())
			return cerr
		}
		return os.Rename(f.Name(), path)
	}, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
