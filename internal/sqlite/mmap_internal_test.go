package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// TestReadersMapTheFile: every read connection maps the database file
// (exports read through it), the writer does not need to.
func TestReadersMapTheFile(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	// Two connections at once: both come from the pool's configuration.
	conns := make([]int64, 2)
	tx1, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback()
	tx2, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback()
	if err := tx1.QueryRowContext(ctx, "PRAGMA mmap_size").Scan(&conns[0]); err != nil {
		t.Fatal(err)
	}
	if err := tx2.QueryRowContext(ctx, "PRAGMA mmap_size").Scan(&conns[1]); err != nil {
		t.Fatal(err)
	}
	for i, got := range conns {
		if got != readMmapSize {
			t.Errorf("read connection %d: mmap_size %d, want %d", i, got, readMmapSize)
		}
	}
}
