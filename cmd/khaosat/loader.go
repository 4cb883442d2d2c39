package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// A loader reads the command line of one verb. It knows two kinds of
// flags. A setting is configuration: it has a KHAOSAT_ variable, which
// replaces its default, and the flag wins over both. An argument says
// what one run does (--form, -o, --to) and is a flag only: a variable
// left in the environment must not pick what is exported or where.
//
// Settings whose text needs converting (numbers, durations, booleans)
// are converted after parsing, each against its range, and every bad
// one is reported at once.
type loader struct {
	fs     *flag.FlagSet
	getenv func(string) (string, bool)
	// args names the flags that are arguments; every other flag is a
	// setting.
	args map[string]bool
	// rest receives the positional arguments; nil refuses them.
	rest *[]string
	// converts turn settings' text into their values after parsing.
	converts []func() error
}

// A verbConfig is the configuration of one verb: bind declares its flags,
// check validates what they read once parsed. errs are the settings that
// did not convert; check reports them with its own.
type verbConfig interface {
	bind(l *loader)
	check(l *loader, errs []error) error
}

func newLoader(verb string, env []string, stderr io.Writer) *loader {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &loader{fs: fs, getenv: envLookup(env), args: map[string]bool{}}
}

// load fills c from the command line args and the environment env (a
// list of KEY=VALUE): the one loader of every verb.
func load(verb string, c verbConfig, args, env []string, stderr io.Writer) error {
	l := newLoader(verb, env, stderr)
	c.bind(l)
	if err := l.parse(args); err != nil {
		return err
	}
	var errs []error
	for _, conv := range l.converts {
		if err := conv(); err != nil {
			errs = append(errs, err)
		}
	}
	return c.check(l, errs)
}

func (l *loader) parse(args []string) error {
	if err := l.fs.Parse(args); err != nil {
		return err
	}
	if l.rest != nil {
		*l.rest = l.fs.Args()
	} else if l.fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(l.fs.Args(), " "))
	}
	return nil
}

// envName turns a flag name into its variable: mongodb-uri → KHAOSAT_MONGODB_URI.
func envName(flagName string) string {
	return "KHAOSAT_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// setting binds a text setting to its flag and its variable.
func (l *loader) setting(p *string, name, def, usage string) {
	if v, ok := l.getenv(envName(name)); ok {
		def = v
	}
	l.fs.StringVar(p, name, def, usage+" ($"+envName(name)+")")
}

// converted binds a setting whose text parse turns into its value; when
// parse says no, it is reported as "name: want <want>, got "text"".
func (l *loader) converted(name, def, want, usage string, parse func(string) bool) {
	s := new(string)
	l.setting(s, name, def, usage)
	l.converts = append(l.converts, func() error {
		if !parse(*s) {
			return fmt.Errorf("%s: want %s, got %q", name, want, *s)
		}
		return nil
	})
}

// number binds an integer setting from min to max; what names the unit
// in the error ("a number of bytes").
func number[T int | int64](l *loader, p *T, name, def string, min, max T, what, usage string) {
	l.converted(name, def, fmt.Sprintf("%s from %d to %d", what, min, max), usage, func(s string) bool {
		n, err := strconv.ParseInt(s, 10, 64)
		*p = T(n)
		return err == nil && n >= int64(min) && n <= int64(max)
	})
}

// duration binds a duration setting from min to max.
func (l *loader) duration(p *time.Duration, name, def string, min, max time.Duration, usage string) {
	want := "a duration from " + shortDuration(min) + " to " + shortDuration(max)
	l.converted(name, def, want, usage, func(s string) bool {
		var err error
		*p, err = time.ParseDuration(s)
		return err == nil && *p >= min && *p <= max
	})
}

// shortDuration writes d as an operator would: 1h, not 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2] // 1h0m0s → 1h0m, 1m0s → 1m
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2] // 1h0m → 1h
	}
	return s
}

// boolean binds a true/false setting.
func (l *loader) boolean(p *bool, name, def, usage string) {
	l.converted(name, def, "true or false", usage, func(s string) bool {
		var err error
		*p, err = strconv.ParseBool(s)
		return err == nil
	})
}

// list binds a comma-separated setting; blank items are dropped.
func (l *loader) list(p *[]string, name, def, usage string) {
	l.converted(name, def, "a comma-separated list", usage, func(s string) bool {
		*p = splitCSV(s)
		return true
	})
}

// arg binds a text argument: a flag only.
func (l *loader) arg(p *string, name, def, usage string) {
	l.args[name] = true
	l.fs.StringVar(p, name, def, usage)
}

// argBool binds a true/false argument: a flag only.
func (l *loader) argBool(p *bool, name string, def bool, usage string) {
	l.args[name] = true
	l.fs.BoolVar(p, name, def, usage)
}

// invalid joins the errors of a verb's configuration, or is nil.
func invalid(what string, errs []error) error {
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid %s:\n%w", what, err)
	}
	return nil
}
