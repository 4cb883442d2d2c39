package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/survey"
)

// TestUpgradeKeepsHousekeeping: a database of schema version 1 (tokens
// and codes without an expires_at column) opened by this version is
// migrated, and housekeeping still deletes its expired tokens and codes
// (filling the new column from the documents) and keeps the others.
func TestUpgradeKeepsHousekeeping(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), FileName)
	db, err := sql.Open("sqlite", dsn(file, false))
	if err != nil {
		t.Fatal(err)
	}
	v1, err := migrations.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(v1) + "; PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	expired, valid := now.Add(-time.Hour), now.Add(time.Hour)
	for _, tok := range []account.RefreshToken{{Hash: "old", ExpiresAt: expired}, {Hash: "new", ExpiresAt: valid}} {
		doc, _ := encode(tok)
		if _, err := db.Exec(`INSERT INTO refresh_tokens (hash, family, user_id, device_id, doc) VALUES (?, 'f', 'u', '', ?)`, tok.Hash, doc); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range []account.Enrollment{{Hash: "old", ExpiresAt: expired}, {Hash: "new", ExpiresAt: valid}} {
		doc, _ := encode(e)
		if _, err := db.Exec(`INSERT INTO enrollments (hash, doc) VALUES (?, ?)`, e.Hash, doc); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	if err := s.r.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != len(names) {
		t.Fatalf("schema version after opening: %d, %v", v, err)
	}
	tokens, codes, err := s.DeleteExpired(ctx, now)
	if err != nil || tokens != 1 || codes != 1 {
		t.Fatalf("deleted %d tokens and %d codes (%v), want 1 and 1", tokens, codes, err)
	}
	if _, err := s.RefreshByHash(ctx, "old"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("the expired token: %v", err)
	}
	if _, err := s.RefreshByHash(ctx, "new"); err != nil {
		t.Errorf("the valid token: %v", err)
	}
	if _, err := s.EnrollmentByHash(ctx, "new"); err != nil {
		t.Errorf("the valid code: %v", err)
	}
	var unset int
	if err := s.r.QueryRow(`SELECT (SELECT COUNT(*) FROM refresh_tokens WHERE expires_at IS NULL) + (SELECT COUNT(*) FROM enrollments WHERE expires_at IS NULL)`).Scan(&unset); err != nil || unset != 0 {
		t.Errorf("%d rows still without expires_at (%v)", unset, err)
	}
}

// TestHousekeepingUsesIndexes: the queries housekeeping runs read an
// index, not the whole table.
func TestHousekeepingUsesIndexes(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{
		`DELETE FROM refresh_tokens WHERE expires_at < 1`,
		`DELETE FROM enrollments WHERE expires_at < 1`,
		`SELECT hash, doc FROM refresh_tokens WHERE expires_at IS NULL LIMIT 500`,
		`SELECT id FROM submissions WHERE deleted_at IS NOT NULL AND deleted_at < 1 ORDER BY deleted_at LIMIT 50`,
		`SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'`,
	} {
		rows, err := s.r.Query("EXPLAIN QUERY PLAN " + q)
		if err != nil {
			t.Fatal(err)
		}
		plan := ""
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan += detail + "; "
		}
		rows.Close()
		if !containsAny(plan, "USING INDEX", "USING COVERING INDEX") || containsAny(plan, "SCAN refresh_tokens;", "SCAN enrollments;", "SCAN submissions;", "SCAN webhook_deliveries;") {
			t.Errorf("%s: plan %q does not use an index", q, plan)
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// BenchmarkDeleteExpired: an hourly run over 20,000 refresh tokens, 200
// of them expired, with the expiry index (DeleteExpired) against the
// former way as the baseline, measured in the same run: read every row
// and decode its document to find the expired ones, then delete them by
// key. Both delete the same 200 rows in one write. Reports scan_ns/op,
// indexed_ns/op and their ratio.
func BenchmarkDeleteExpired(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n, expired = 20000, 200
	now := time.Now().UTC().Truncate(time.Millisecond)
	fill := func(to int) {
		err := s.write(ctx, func(tx *wtx) error {
			for i := range to {
				exp := now.Add(time.Hour)
				if i < expired {
					exp = now.Add(-time.Hour)
				}
				t := account.RefreshToken{Hash: "h" + strconv.Itoa(i), Family: "f", UserID: "u", CreatedAt: now, ExpiresAt: exp}
				doc, err := encode(t)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(`INSERT OR IGNORE INTO refresh_tokens (hash, family, user_id, device_id, expires_at, doc) VALUES (?, 'f', 'u', '', ?, ?)`,
					t.Hash, ms(exp), doc); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	fill(n)
	// The former DeleteExpired: read and decode every row, then delete
	// the expired ones by key in one write.
	scan := func() int {
		rows, err := s.r.QueryContext(ctx, `SELECT hash, doc FROM refresh_tokens`)
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		var found []string
		for rows.Next() {
			var hash string
			var raw []byte
			if err := rows.Scan(&hash, &raw); err != nil {
				b.Fatal(err)
			}
			var t account.RefreshToken
			if err := decode(raw, &t); err != nil {
				b.Fatal(err)
			}
			if t.ExpiresAt.Before(now) {
				found = append(found, hash)
			}
		}
		rows.Close()
		err = s.write(ctx, func(tx *wtx) error {
			for _, h := range found {
				if _, err := tx.Exec(`DELETE FROM refresh_tokens WHERE hash = ?`, h); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		return len(found)
	}
	var scanNS, indexNS time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if got := scan(); got != expired {
			b.Fatalf("the scan found %d expired", got)
		}
		scanNS += time.Since(start)
		b.StopTimer()
		fill(expired) // put the expired ones back
		b.StartTimer()
		start = time.Now()
		tokens, _, err := s.DeleteExpired(ctx, now)
		indexNS += time.Since(start)
		if err != nil || tokens != expired {
			b.Fatalf("deleted %d (%v), want %d", tokens, err, expired)
		}
		b.StopTimer()
		fill(expired)
		b.StartTimer()
	}
	b.ReportMetric(float64(scanNS.Nanoseconds())/float64(b.N), "scan_ns/op")
	b.ReportMetric(float64(indexNS.Nanoseconds())/float64(b.N), "indexed_ns/op")
	b.ReportMetric(float64(scanNS)/float64(indexNS), "speedup_x")
}
