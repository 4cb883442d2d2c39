package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/khaosat/khaosat/internal/app"
	"io"
	"log/slog"
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
}

func parseExportConfig(args, env []string, stderr io.Writer) (*exportConfig, error) {
	getenv := envLookup(env)
	c := &exportConfig{}
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := func(p *string, name, def, usage string) {
		if v, ok := getenv(envName(name)); ok {
			def = v
		}
		fs.StringVar(p, name, def, usage+" ($"+envName(name)+")")
	}
	str(&c.DataDir, "data-dir", "./data", "data directory of the embedded database")
	str(&c.MongoDBURI, "mongodb-uri", "", "MongoDB connection string; empty uses the embedded database")
	str(&c.Database, "database", "khaosat", "database name")
	str(&c.DataKey, "data-key", "", "data key ring, as for serve; default the data directory's")
	str(&c.HashSecret, "hash-secret", "", "hash secret, as for serve; default the data directory's")
	var from, to, version, header string
	o := &c.Options
	fs.StringVar(&c.Form, "form", "", "form to export (required)")
	fs.StringVar(&c.Output, "o", "-", "output file; - writes to standard output")
	fs.StringVar(&o.Format, "format", "csv", "csv, zip, xlsx or jsonl")
	fs.StringVar(&o.Labels, "labels", "codes", "choices as codes, or labels in vi or en")
	fs.StringVar(&header, "header", "names", "header row of field names or labels")
	fs.BoolVar(&o.Split, "split", false, "one 0/1 column per choice of a multiple-choice field")
	fs.BoolVar(&o.RawText, "raw-text", false, "CSV/ZIP: write text that begins like a spreadsheet formula (=, +, -, @, tab, CR) as it is, without the leading quote")
	fs.StringVar(&o.Unit, "unit", "", "only this unit and the units below it")
	fs.StringVar(&from, "from", "", "only survey dates on or after YYYY-MM-DD")
	fs.StringVar(&to, "to", "", "only survey dates on or before YYYY-MM-DD")
	fs.StringVar(&o.ReviewState, "review-state", "", "only this review state")
	fs.StringVar(&version, "version", "", "only this form version")
	fs.BoolVar(&o.IncludeDeleted, "include-deleted", false, "include soft-deleted submissions")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	var errs []error
	if c.Form == "" {
		errs = append(errs, errors.New("form: required"))
	}
	var err error
	if from != "" {
		if o.From, err = time.Parse(time.DateOnly, from); err != nil {
			errs = append(errs, fmt.Errorf("from: want YYYY-MM-DD, got %q", from))
		}
	}
	if to != "" {
		if o.To, err = time.Parse(time.DateOnly, to); err != nil {
			errs = append(errs, fmt.Errorf("to: want YYYY-MM-DD, got %q", to))
		}
	}
	if version != "" {
		if o.Version, err = strconv.Atoi(version); err != nil || o.Version < 1 {
			errs = append(errs, fmt.Errorf("version: want a positive integer, got %q", version))
		}
	}
	switch header {
	case "names":
	case "labels":
		o.HeaderLabels = true
	default:
		errs = append(errs, fmt.Errorf("header: want names or labels, got %q", header))
	}
	if c.DataDir == "" && c.MongoDBURI == "" {
		errs = append(errs, errors.New("data-dir: must not be empty"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("invalid options:\n%w", err)
	}
	return c, nil
}

// cliActor is who `khaosat export` acts as. Whoever can run it holds the
// database itself (the data directory, or a connection string with its
// credentials) and could read every document directly; the export acts
// with an administrator's scope so that nothing is silently missing, and
// is audited under the operating-system user's name.
func cliActor() survey.Actor {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return survey.Actor{UserID: "cli", Username: "cli:" + name, Role: survey.RoleAdmin}
}

// exportCmd is `khaosat export`: the export of the API, from the command
// line, into a file or standard output.
func exportCmd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	cfg, err := parseExportConfig(args, env, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// Beside a running server the export reads the same database file;
	// SQLite coordinates the two processes.
	db, err := openDB(ctx, &cfg.Config, app.Alongside)
	if err != nil {
		return err
	}
	defer db.Close()
	// The export holds all the answers: intake opens the sealed ones.
	prot, err := protection(&cfg.Config)
	if err != nil {
		return err
	}
	svc, err := app.Build(ctx, db.Store, app.Config{Log: log, Protection: prot})
	if err != nil {
		return err
	}
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
