package main

import (
	"context"
	"errors"
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

// backupConfig is the configuration of `khaosat backup`.
type backupConfig struct {
	Config
	To string
}

func (c *backupConfig) bind(l *loader) {
	l.setting(&c.DataDir, "data-dir", "./data", usageDataDir)
	l.setting(&c.MongoDBURI, "mongodb-uri", "", usageMongoDBURI)
	l.arg(&c.To, "to", "", "the new data directory to create (must not exist or be empty)")
}

func (c *backupConfig) check(_ *loader, errs []error) error {
	if c.To == "" {
		return errors.New("backup: --to DIR is required")
	}
	if c.MongoDBURI != "" {
		return errors.New("backup copies the embedded database; a MongoDB deployment is backed up with its own tools (mongodump, or snapshots of a replica set member)")
	}
	return errors.Join(errs...)
}

// backupCmd is `khaosat backup --to DIR`: a consistent online copy of the
// embedded database into a new data directory, while the server runs.
func backupCmd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	c := &backupConfig{}
	if err := load("backup", c, args, env, stderr); err != nil {
		return err
	}
	if err := app.RefuseFerretDB(c.DataDir); err != nil {
		return err
	}
	if entries, err := os.ReadDir(c.To); err == nil && len(entries) > 0 {
		return fmt.Errorf("backup: %s is not empty; give a new directory", c.To)
	}
	if err := os.MkdirAll(c.To, 0o700); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	src, dst := filepath.Join(c.DataDir, sqlite.FileName), filepath.Join(c.To, sqlite.FileName)
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
		if _, err := os.Stat(filepath.Join(c.DataDir, f)); err == nil {
			present = append(present, f)
		}
	}
	if len(present) > 0 {
		fmt.Fprintf(stdout, "khaosat: the key files are not in the backup, on purpose: keep a copy of %s from %s apart from the backups.\n"+
			"To start a server on the backup, put them beside it first:\n", strings.Join(present, ", "), c.DataDir)
		for _, f := range present {
			fmt.Fprintf(stdout, "  cp -p %s %s\n", filepath.Join(c.DataDir, f), filepath.Join(c.To, f))
		}
	}
	fmt.Fprintf(stdout, "then: khaosat serve --data-dir %s\n", c.To)
	return nil
}
