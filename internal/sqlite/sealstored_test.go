package sqlite_test

import (
	"database/sql"
	"testing"

	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/storetest"
)

func TestSealStored(t *testing.T) {
	storetest.SealStored(t, func(t *testing.T) storetest.Stores { return MustOpen(t) }, rawCopies, "")
}

func TestSealSizes(t *testing.T) {
	storetest.SealSizes(t, func(t *testing.T) storetest.Stores { return MustOpen(t) }, rawCopies)
}

// rawCopies reads a submission's row and its kept revisions' rows as the
// file holds them, through a connection of its own.
func rawCopies(t *testing.T, s storetest.Stores, id string) [][]byte {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+s.(*sqlite.Store).Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out [][]byte
	var doc []byte
	if err := db.QueryRow(`SELECT doc FROM submissions WHERE id = ?`, id).Scan(&doc); err != nil {
		t.Fatal(err)
	}
	out = append(out, doc)
	rows, err := db.Query(`SELECT doc FROM submission_history WHERE submission = ? ORDER BY revision`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			t.Fatal(err)
		}
		out = append(out, doc)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
