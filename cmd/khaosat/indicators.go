package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	acct "github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/app"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

// startIndicators brings the stored facts up to the loaded indicator set
// (a changed definition set is detected by its hash and rebuilt).
func startIndicators(ctx context.Context, ind *indicator.Indicators) error {
	if err := ind.EnsureCurrent(ctx); err != nil {
		return fmt.Errorf("indicator facts: %w", err)
	}
	return nil
}

// indicatorsConfig is the configuration of `khaosat indicators`.
type indicatorsConfig struct {
	Config
	Rebuild                                              bool
	Period, From, To, Unit, Level, By, Codes, Format, As string
}

func (c *indicatorsConfig) bind(l *loader) {
	c.bindStore(l)
	l.arg(&c.Period, "period", "", "period: a year (2026) or a quarter (2026Q2); default the current year")
	l.arg(&c.From, "from", "", "first survey date YYYY-MM-DD (with --to, instead of --period); with --as a user without the sensitive grant, sensitive indicators need a whole calendar year or quarter")
	l.arg(&c.To, "to", "", "last survey date YYYY-MM-DD")
	l.arg(&c.Unit, "unit", survey.CityCode, "unit code")
	l.arg(&c.Level, "level", "commune", "rows per commune, district or city")
	l.arg(&c.By, "by", "", "break down by sex and/or age_group, comma-separated")
	l.arg(&c.Codes, "codes", "", "indicator codes, comma-separated; default all")
	l.arg(&c.Format, "format", "text", "output: text or csv")
	l.arg(&c.As, "as", "", "print the table as this user would see it (their units, small sensitive cells suppressed); default the operator, who sees everything")
}

func (c *indicatorsConfig) check(_ *loader, errs []error) error {
	if c.Format != "text" && c.Format != "csv" {
		return fmt.Errorf("format: want text or csv, got %q", c.Format)
	}
	return invalid("configuration", append(errs, c.checkStore()...))
}

// indicatorsCmd is `khaosat indicators [rebuild] [flags]`: print the
// indicator table, or recompute every submission's facts.
func indicatorsCmd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	c := &indicatorsConfig{}
	if c.Rebuild = len(args) > 0 && args[0] == "rebuild"; c.Rebuild {
		args = args[1:]
	}
	if err := load("indicators", c, args, env, stderr); err != nil {
		return err
	}
	access := app.Alongside // the table reads; beside a running server it reads the same file
	if c.Rebuild {
		access = app.Exclusive
	}
	// Facts come from all the answers: intake opens the sealed ones.
	db, svc, err := openServices(ctx, &c.Config, access, app.Config{Log: warnLogger(stderr)})
	if err != nil {
		return err
	}
	defer db.Close()
	ind := svc.Indicators
	if c.Rebuild {
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
	operator, unit, err := c.operator(ctx, db.Store)
	if err != nil {
		return err
	}
	t, err := ind.Table(ctx, operator, indicator.TableQuery{Codes: splitCSV(c.Codes), Period: c.Period, From: c.From, To: c.To,
		Unit: unit, Level: c.Level, By: splitCSV(c.By)})
	if err != nil {
		return flagError(err)
	}
	return printTable(stdout, t, c.Format)
}

// operator is who the table is printed for: the operator, who sees
// everything, or the user --as names; and the unit, that user's own
// when --unit was left at the city and they hold one unit.
func (c *indicatorsConfig) operator(ctx context.Context, store app.Store) (survey.Actor, string, error) {
	operator := survey.Actor{UserID: "cli", Username: "cli", Role: survey.RoleAdmin}
	if c.As == "" {
		return operator, c.Unit, nil
	}
	u, err := store.UserByUsername(ctx, c.As)
	if err != nil {
		return operator, "", fmt.Errorf("--as %s: %w", c.As, err)
	}
	if c.Unit == survey.CityCode && !slices.Contains(u.Units, survey.CityCode) && len(u.Units) == 1 {
		return acct.ActorOf(u), u.Units[0], nil
	}
	return acct.ActorOf(u), c.Unit, nil
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

func printTable(w io.Writer, t *indicator.Table, format string) error {
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
