package sqlite_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/storetest"
)

// TestSensitiveFactsNotInFile: after the contract's sensitive facts are
// written, edited and rebuilt, neither the database file nor its WAL
// holds the code of the sensitive indicator: no cell and no total is
// kept in clear.
func TestSensitiveFactsNotInFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), sqlite.FileName)
	s, err := sqlite.Open(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	s.UseFactSealer(storetest.TestFactSealer(t))
	storetest.WriteSensitiveFacts(t, s)
	// The WAL as the writes left it, before the checkpoint of the close.
	wal, err := os.ReadFile(file + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"database file": db, "WAL": wal} {
		if bytes.Contains(b, []byte(storetest.SensitiveMarker)) {
			t.Errorf("the %s holds %s in clear", name, storetest.SensitiveMarker)
		}
	}
}
