package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// TestMigrationZeroesClearFacts: a database of schema version 3 holding
// facts and monthly totals in clear, opened by this version, loses them
// from the file itself: after the migration and a checkpoint no byte of
// them is left in the database file's free pages.
func TestMigrationZeroesClearFacts(t *testing.T) {
	const marker = "CLEAR_FACT_MARKER_0003"
	file := filepath.Join(t.TempDir(), FileName)
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"migrations/0001_init.sql", "migrations/0002_housekeeping.sql", "migrations/0003_purged.sql"} {
		body, err := migrations.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`PRAGMA user_version = 3`); err != nil {
		t.Fatal(err)
	}
	// Enough rows to fill pages of the table and of both its indexes.
	for i := range 500 {
		if _, err := db.Exec(`INSERT INTO facts (submission, hierarchy, commune, district, survey_date, month, indicator, sex, age_group, den, num)
			VALUES (?, 'h', '00004', '001', 0, 202601, ?, 'male', '5-11', 1, 1)`, i, marker); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO fact_months (hierarchy, commune, indicator, sex, age_group, month, district, den, num)
		VALUES ('h', '00004', ?, 'male', '5-11', 202601, '001', 500, 500)`, marker); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO meta (key, value) VALUES ('indicators', 'old')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if b, _ := os.ReadFile(file); !bytes.Contains(b, []byte(marker)) {
		t.Fatal("the database of version 3 does not hold the marker: the test proves nothing")
	}

	ctx := context.Background()
	s, err := Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if err := s.r.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v < 4 { // 0004 applied (later migrations may follow)
		t.Fatalf("schema version after opening: %d, %v", v, err)
	}
	if h, err := s.IndicatorSetHash(ctx); err != nil || h != "" {
		t.Errorf("indicator hash after the migration: %q, %v; want none (the facts are rebuilt)", h, err)
	}
	if err := s.Close(); err != nil { // checkpoints the WAL into the file
		t.Fatal(err)
	}
	for _, f := range []string{file, file + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if n := bytes.Count(b, []byte(marker)); n > 0 {
			t.Errorf("%s holds the clear facts %d times after the migration", filepath.Base(f), n)
		}
	}
}
