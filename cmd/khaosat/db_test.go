package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/khaosat/khaosat/internal/sqlite"
)

// dbOf opens the embedded database of a running test server beside it,
// to look at what the API wrote (the audit log) and to seed data in bulk.
func dbOf(tb testing.TB, ts *testServer) *sqlite.Store {
	tb.Helper()
	store, err := sqlite.OpenAlongside(context.Background(), filepath.Join(ts.dataDir, sqlite.FileName))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	return store
}

// rawDB opens the database file of a test server read-only with plain
// SQL, to check how things are stored.
func rawDB(tb testing.TB, ts *testServer) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(ts.dataDir, sqlite.FileName)+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
