package account_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/khaosat/khaosat/internal/sqlite"
)

// mustStore opens a store on a fresh database file.
func mustStore(tb testing.TB) *sqlite.Store {
	tb.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), sqlite.FileName))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = store.Close() })
	return store
}
