// Command khaosat is the survey server and its command-line tools.
//
//	khaosat serve [flags]     run the HTTP API (embedded database unless --mongodb-uri)
//	khaosat forms lint FILE…  check form files before publishing them
//	khaosat keys rotate       re-encrypt sensitive answers under a new data key
//	khaosat keys retire ID    take an old data key out of the ring once nothing needs it
//	khaosat seal              seal stored answers of fields a form now marks sensitive
//	khaosat indicators [flags] print the indicator table (indicators rebuild: recompute facts)
//	khaosat export [flags]    export a form's submissions to a file or stdout
//	khaosat backup --to DIR   copy the embedded database, online, into a new data directory
//	khaosat targets import FILE.csv  set a plan's targets from a CSV file
//	khaosat version           print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one verb of the binary.
type command struct {
	summary string
	run     func(ctx context.Context, args, env []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":      {"run the HTTP API server", serve},
		"forms":      {"form tools: 'forms lint FILE…' checks form files; 'forms import FILE.xlsx' reads an XLSForm", formsCmd},
		"keys":       {"rotate the data key (keys rotate re-encrypts sensitive answers), retire an old one (keys retire ID)", keysCmd},
		"seal":       {"seal the stored answers of fields a form now marks sensitive (the server also does it at start)", sealCmd},
		"indicators": {"print the indicator table; 'indicators rebuild' recomputes the facts", indicatorsCmd},
		"export":     {"export a form's submissions to a file (csv, zip, xlsx, jsonl)", exportCmd},
		"backup":     {"copy the embedded database into a new data directory, while the server runs", backupCmd},
		"targets":    {"'targets import FILE.csv' sets a whole plan's targets at once (nothing if any row is wrong)", targetsCmd},
		"version": {"print the version", func(_ context.Context, _, _ []string, stdout, _ io.Writer) error {
			_, err := fmt.Fprintln(stdout, "khaosat", version)
			return err
		}},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0) // -h printed the usage, as asked
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "khaosat:", err)
		os.Exit(2)
	}
}

// run dispatches to a verb; it is main without the process around it, so
// tests run the real thing.
func run(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(stderr, cmds)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, args[1:], env, stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: khaosat <command> [flags]\n\ncommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nrun 'khaosat <command> -h' for a command's flags")
}
