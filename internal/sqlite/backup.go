package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
)

// Backup writes a consistent copy of the database file src to dst (which
// must not exist) with VACUUM INTO, through a read-only connection of its
// own: it runs beside a server that keeps writing (WAL readers do not
// block the writer) and copies the state of one read transaction, so the
// copy holds every write committed before it began.
func Backup(ctx context.Context, src, dst string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("backup: %s exists already", dst)
	}
	db, err := sql.Open("sqlite", dsn(src, true))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		os.Remove(dst)
		return fmt.Errorf("backup: %w", err)
	}
	return os.Chmod(dst, 0o600)
}
