package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"github.com/khaosat/khaosat/internal/app"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// startIndicators brings the stored facts up to the loaded indicator set
// (a changed definition set is detected by its hash and rebuilt).
func startIndicators(ctx context.Context, ind *survey.Indicators) error {
	if err := ind.EnsureCurrent(ctx); err != nil {
		return fmt.Errorf("indicator facts: %w", err)
	}
	return nil
}

// indicatorsCmd is `khaosat indicators [rebuild] [flags]`: print the
// indicator table, or recompute every submission's facts.
func indicatorsCmd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	rebuild := len(args) > 0 && args[0] == "rebuild"
	if rebuild {
		args = args[1:]
	}
	getenv := envLookup(env)
	fs := flag.NewFlagSet("indicators", flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := func(name, def, usage string) *string {
		if v, ok := getenv(envName(name)); ok && (name == "data-dir" || name == "mongodb-uri" || name == "database" || name == "data-key" || name == "hash-secret") {
			def = v
		}
		return fs.String(name, def, usage)
	}
	dataDir := str("data-dir", "./data", "data directory of the embedded database ($KHAOSAT_DATA_DIR)")
	uri := str("mongodb-uri", "", "MongoDB connection string; empty opens the embedded database ($KHAOSAT_MONGODB_URI)")
	dbName := str("database", "khaosat", "database name ($KHAOSAT_DATABASE)")
	dataKey := str("data-key", "", "data key ring, as for serve ($KHAOSAT_DATA_KEY); default the data directory's")
	hashSecret := str("hash-secret", "", "hash secret, as for serve ($KHAOSAT_HASH_SECRET); default the data directory's")
	period := fs.String("period", "", "period: a year (2026) or a quarter (2026Q2); default the current year")
	from := fs.String("from", "", "first survey date YYYY-MM-DD (with --to, instead of --period); with --as a user without the sensitive grant, sensitive indicators need a whole calendar year or quarter")
	to := fs.String("to", "", "last survey date YYYY-MM-DD")
	unit := fs.String("unit", survey.CityCode, "unit code")
	level := fs.String("level", "commune", "rows per commune, district or city")
	by := fs.String("by", "", "break down by sex and/or age_group, comma-separated")
	codes := fs.String("codes", "", "indicator codes, comma-separated; default all")
	format := fs.String("format", "text", "output: text or csv")
	as := fs.String("as", "", "print the table as this user would see it (their units, small sensitive cells suppressed); default the operator, who sees everything")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *format != "text" && *format != "csv" {
		return fmt.Errorf("format: want text or csv, got %q", *format)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := &Config{DataDir: *dataDir, MongoDBURI: *uri, Database: *dbName, DataKey: *dataKey, HashSecret: *hashSecret}
	access := app.Alongside // the table reads; beside a running server it reads the same file
	if rebuild {
		access = app.Exclusive
	}
	db, err := openDB(ctx, cfg, access)
	if err != nil {
		return err
	}
	defer db.Close()
	// Facts come from all the answers: intake opens the sealed ones.
	prot, err := protection(cfg)
	if err != nil {
		return err
	}
	svc, err := app.Build(ctx, db.Store, app.Config{Log: log, Protection: prot})
	if err != nil {
		return err
	}
	ind := svc.Indicators
	if rebuild {
		start := time.Now()
		n, err := ind.Rebuild(ctx)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "rebuilt the indicator facts of %d submissions in %s\n", n, time.Since(start).Round(time.Millisecond))
		return err
	}
	if db.Embedded == nil || access == app.Exclusive {
		if err := ind.EnsureCurrent(ctx); err != nil {
			return err
		}
	}
	operator := survey.Actor{UserID: "cli", Username: "cli", Role: survey.RoleAdmin}
	if *as != "" {
		u, err := db.Store.UserByUsername(ctx, *as)
		if err != nil {
			return fmt.Errorf("--as %s: %w", *as, err)
		}
		operator = survey.ActorOf(u)
		if *unit == survey.CityCode && !slices.Contains(u.Units, survey.CityCode) && len(u.Units) == 1 {
			*unit = u.Units[0]
		}
	}
	t, err := ind.Table(ctx, operator, survey.TableQuery{Codes: splitCSV(*codes), Period: *period, From: *from, To: *to,
		Unit: *unit, Level: *level, By: splitCSV(*by)})
	if err != nil {
		return flagError(err)
	}
	return printTable(stdout, t, *format)
}

// flagError names the flags of the query parameters an error of the
// table names (?from is --from), so that an operator knows which to fix.
func flagError(err error) error {
	var e *survey.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	var flags []string
	for _, f := range e.Fields {
		flags = append(flags, "--"+strings.TrimPrefix(f.Path, "?"))
	}
	return fmt.Errorf("%s: %w", strings.Join(flags, ", "), err)
}

func splitCSV(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func printTable(w io.Writer, t *survey.Table, format string) error {
	header := []string{"indicator", "unit", "unit_name", "hierarchy", "sex", "age_group", "numerator", "denominator", "value"}
	rows := [][]string{}
	for _, r := range t.Rows {
		num, den, val := "", "", ""
		if r.Numerator != nil {
			num = strconv.Itoa(*r.Numerator)
		}
		if r.Denominator != nil {
			den = strconv.Itoa(*r.Denominator)
		}
		if r.Value != nil {
			val = strconv.FormatFloat(*r.Value, 'f', -1, 64)
		}
		if r.Suppressed {
			num, den, val = "(suppressed)", "(suppressed)", "(suppressed)"
		}
		rows = append(rows, []string{r.Indicator, r.Unit, r.UnitName, r.Hierarchy, r.Sex, r.AgeGroup, num, den, val})
	}
	if format == "csv" {
		cw := csv.NewWriter(w)
		_ = cw.Write(header)
		_ = cw.WriteAll(rows)
		return cw.Error()
	}
	fmt.Fprintf(w, "period %s – %s, unit %s, level %s\n", t.From.Format(time.DateOnly), t.To.Format(time.DateOnly), t.Unit, t.Level)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}
