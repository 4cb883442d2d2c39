package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestDriverGivesEachBlobItsOwnBytes: a blob scanned as sql.RawBytes is a
// buffer of the row's own, still intact after the rows that follow, as
// scanParallel counts on (it keeps the documents of a batch without
// copying them). database/sql allows a driver to reuse the buffer (this
// one does for text: the scans cast their column to a blob); an upgrade
// that starts to for blobs would fail here.
func TestDriverGivesEachBlobItsOwnBytes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	const n = 50
	rows, err := s.r.QueryContext(ctx, `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM k WHERE i < ?)
		SELECT `+docBlob+` FROM (SELECT printf('%0*d', 1000 + i, i) AS doc FROM k)`, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var kept []sql.RawBytes
	var want [][]byte
	for rows.Next() {
		var b sql.RawBytes
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, b)
		want = append(want, bytes.Clone(b))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(kept) != n {
		t.Fatalf("%d rows, want %d", len(kept), n)
	}
	for i := range kept {
		if !bytes.Equal(kept[i], want[i]) {
			t.Fatalf("row %d: its bytes changed after the rows that followed", i+1)
		}
	}
}
