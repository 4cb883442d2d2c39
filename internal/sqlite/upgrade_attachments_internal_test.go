package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// TestUpgradeKeepsOneFilePerName: a database of schema version 4, where
// every upload of a name added a row, keeps after migration 0005 the
// latest row of each name only (the one every read served), and an
// upload then replaces it.
func TestUpgradeKeepsOneFilePerName(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), FileName)
	db, err := sql.Open("sqlite", dsn(file, false))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 4; i++ {
		names := map[int]string{1: "0001_init", 2: "0002_housekeeping", 3: "0003_purged", 4: "0004_sealed_facts"}
		body, err := migrations.ReadFile("migrations/" + names[i] + ".sql")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`PRAGMA user_version = 4`); err != nil {
		t.Fatal(err)
	}
	for i, u := range []struct{ sub, name string }{{"s1", "a.jpg"}, {"s1", "a.jpg"}, {"s1", "b.jpg"}, {"s1", "a.jpg"}, {"s2", "a.jpg"}} {
		body := fmt.Sprintf("%s %s %d", u.sub, u.name, i)
		doc, _ := encode(survey.Attachment{SubmissionID: u.sub, Name: u.name, Size: int64(len(body)), SHA256: body, UploadedAt: time.Now()})
		if _, err := db.Exec(`INSERT INTO attachments (submission, name, doc, body) VALUES (?, ?, ?, ?)`, u.sub, u.name, doc, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	read := func(sub, name string) string {
		_, rc, err := s.OpenAttachment(ctx, sub, name)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		return string(b)
	}
	for _, c := range []struct{ sub, name, want string }{{"s1", "a.jpg", "s1 a.jpg 3"}, {"s1", "b.jpg", "s1 b.jpg 2"}, {"s2", "a.jpg", "s2 a.jpg 4"}} {
		if got := read(c.sub, c.name); got != c.want {
			t.Errorf("%s/%s after the upgrade: %q, want %q", c.sub, c.name, got, c.want)
		}
	}
	if n, _, _ := s.StoredAttachments(ctx, "s1"); n != 2 {
		t.Errorf("s1 stores %d files after the upgrade, want 2", n)
	}
	a := &survey.Attachment{SubmissionID: "s1", Name: "a.jpg", Size: 3, SHA256: "new", UploadedAt: time.Now(), UploadedBy: "lan"}
	if replaced, err := s.PutAttachment(ctx, a, []byte("new"), survey.AttachmentLimit{}); err != nil || !replaced {
		t.Fatalf("an upload after the upgrade: %v, %v", replaced, err)
	}
	if n, _, _ := s.StoredAttachments(ctx, "s1"); n != 2 || read("s1", "a.jpg") != "new" {
		t.Errorf("after a replacement: %d files, %q", n, read("s1", "a.jpg"))
	}
}
