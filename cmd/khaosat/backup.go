package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/app"
	"github.com/khaosat/khaosat/internal/sqlite"
)

// keyFiles are the secrets the server generates into its data directory.
// A backup leaves them out on purpose: a stolen backup must not carry the
// keys that decrypt its sensitive answers.
var keyFiles = []string{dataKeysFile, "hash.secret", "jwt.secret"}

// backupCmd is `khaosat backup --to DIR`: a consistent online copy of the
// embedded database into a new data directory, while the server runs.
func backupCmd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	getenv := envLookup(env)
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := "./data"
	if v, ok := getenv(envName("data-dir")); ok {
		dataDir = v
	}
	fs.StringVar(&dataDir, "data-dir", dataDir, "data directory of the embedded database ($KHAOSAT_DATA_DIR)")
	to := fs.String("to", "", "the new data directory to create (must not exist or be empty)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *to == "" {
		return errors.New("backup: --to DIR is required")
	}
	if v, ok := getenv(envName("mongodb-uri")); ok && v != "" {
		return errors.New("backup copies the embedded database; a MongoDB deployment is backed up with its own tools (mongodump, or snapshots of a replica set member)")
	}
	if err := app.RefuseFerretDB(dataDir); err != nil {
		return err
	}
	if entries, err := os.ReadDir(*to); err == nil && len(entries) > 0 {
		return fmt.Errorf("backup: %s is not empty; give a new directory", *to)
	}
	if err := os.MkdirAll(*to, 0o700); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	src, dst := filepath.Join(dataDir, sqlite.FileName), filepath.Join(*to, sqlite.FileName)
	start := time.Now()
	if err := sqlite.Backup(ctx, src, dst); err != nil {
		return err
	}
	st, err := os.Stat(dst)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "khaosat: backed up %s to %s (%.1f MB) in %s\n", src, dst, float64(st.Size())/(1<<20), time.Since(start).Round(time.Millisecond))
	var present []string
	for _, f := range keyFiles {
		if _, err := os.Stat(filepath.Join(dataDir, f)); err == nil {
			present = append(present, f)
		}
	}
	if len(present) > 0 {
		fmt.Fprintf(stdout, "khaosat: the key files are not in the backup, on purpose: keep a copy of %s from %s apart from the backups.\n"+
			"To start a server on the backup, put them beside it first:\n", strings.Join(present, ", "), dataDir)
		for _, f := range present {
			fmt.Fprintf(stdout, "  cp -p %s %s\n", filepath.Join(dataDir, f), filepath.Join(*to, f))
		}
	}
	fmt.Fprintf(stdout, "then: khaosat serve --data-dir %s\n", *to)
	return nil
}
