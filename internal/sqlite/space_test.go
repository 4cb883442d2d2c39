package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/survey"
)

// TestSpaceGuard: with the free space the guard reads set below the
// reserve plus what a write brings, new attachments and submissions are
// refused with ErrNoSpace and nothing is stored; the guard reads the
// data directory's filesystem; other writes go on; with room again,
// writes pass.
func TestSpaceGuard(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t)
	var free atomic.Int64
	var asked atomic.Value
	s.GuardSpace(sqlite.SpaceGuard{Reserve: 1000, Free: func(dir string) (uint64, error) {
		asked.Store(dir)
		return uint64(free.Load()), nil
	}})
	body := []byte("0123456789")
	a := &survey.Attachment{SubmissionID: "s1", Name: "p.jpg", ContentType: "image/jpeg", Size: 10, SHA256: "x", UploadedAt: time.Now(), UploadedBy: "lan"}

	free.Store(1009) // one byte short of the reserve and the body
	if _, err := s.PutAttachment(ctx, a, body, survey.AttachmentLimit{}); !errors.Is(err, survey.ErrNoSpace) {
		t.Fatalf("attachment past the reserve: %v, want ErrNoSpace", err)
	}
	if got := asked.Load(); got != filepath.Dir(s.Path()) {
		t.Errorf("free space read on %v, want the data directory %s", got, filepath.Dir(s.Path()))
	}
	if _, _, err := s.OpenAttachment(ctx, "s1", "p.jpg"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("a refused attachment is stored: %v", err)
	}
	sub := &survey.Submission{ID: "8d1f0c6e-3b7a-4f2e-9c1d-2a3b4c5d6e7f", FormID: "household", FormVersion: 1, Unit: "00004",
		ReceivedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC(), Revision: 1, Data: map[string]any{"a": 1.0}}
	if err := s.CreateSubmission(ctx, sub, nil, nil); !errors.Is(err, survey.ErrNoSpace) {
		t.Errorf("submission past the reserve: %v, want ErrNoSpace", err)
	}
	if _, err := s.Submission(ctx, sub.ID); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("a refused submission is stored: %v", err)
	}
	// Other writes still go through: people can log in and work.
	u := &account.User{ID: "u1", Username: "lan", Role: survey.RoleCollector, CreatedAt: time.Now()}
	if err := s.InsertUser(ctx, u); err != nil {
		t.Errorf("a user past the reserve: %v", err)
	}

	free.Store(1010)
	if _, err := s.PutAttachment(ctx, a, body, survey.AttachmentLimit{}); err != nil {
		t.Errorf("attachment leaving exactly the reserve: %v", err)
	}
}

// TestDiskFree reads the real free space of a directory.
func TestDiskFree(t *testing.T) {
	n, err := sqlite.DiskFree(t.TempDir())
	if err != nil || n == 0 {
		t.Errorf("free space: %d, %v", n, err)
	}
}
