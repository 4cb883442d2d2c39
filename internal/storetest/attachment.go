package storetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// storageCounter is what an adapter tells of its storage: the files
// stored for a submission's attachments and their bytes, whatever a
// listing shows.
type storageCounter interface {
	StoredAttachments(ctx context.Context, submissionID string) (files int, size int64, err error)
}

func putAttachment(s Stores, sub, name, user, body string, lim survey.AttachmentLimit) (bool, error) {
	a := &survey.Attachment{SubmissionID: sub, Name: name, ContentType: "image/jpeg", Size: int64(len(body)), SHA256: body,
		UploadedAt: time.Now().UTC().Truncate(time.Millisecond), UploadedBy: user}
	return s.PutAttachment(ctx, a, []byte(body), lim)
}

func storedAttachments(t *testing.T, s Stores, sub string) (int, int64) {
	t.Helper()
	c, ok := s.(storageCounter)
	if !ok {
		t.Fatalf("%T does not count its stored attachments (StoredAttachments)", s)
	}
	n, size, err := c.StoredAttachments(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	return n, size
}

// testAttachmentReplaced: ten uploads of one name leave one stored file,
// the last one's bytes, and the listing shows it; only the first upload
// of the name says it created one.
func testAttachmentReplaced(t *testing.T, s Stores) {
	var last string
	for i := range 10 {
		last = fmt.Sprintf("upload %d %s", i, strings.Repeat("x", 1000*(i+1)))
		replaced, err := putAttachment(s, "s1", "photo.jpg", "lan", last, survey.AttachmentLimit{})
		if err != nil {
			t.Fatal(err)
		}
		if replaced != (i > 0) {
			t.Errorf("upload %d: replaced %v", i, replaced)
		}
	}
	if n, size := storedAttachments(t, s, "s1"); n != 1 || size != int64(len(last)) {
		t.Errorf("after ten uploads of one name: %d files, %d bytes stored; want 1 file of %d bytes", n, size, len(last))
	}
	a, rc, err := s.OpenAttachment(ctx, "s1", "photo.jpg")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != last || a.Size != int64(len(last)) {
		t.Errorf("served %d bytes (%d said), want the last upload's %d", len(b), a.Size, len(last))
	}
	if as, err := s.Attachments(ctx, "s1"); err != nil || len(as) != 1 || as[0].SHA256 != last {
		t.Errorf("listing: %d, %v", len(as), err)
	}
}

// testAttachmentLimits: a submission holds at most lim.Files names and
// lim.Bytes bytes (a replacement counted for its new size only); a user
// uploads at most lim.DayBytes a day, replacements included; a refused
// upload stores nothing and counts for nothing.
func testAttachmentLimits(t *testing.T, s Stores) {
	lim := survey.AttachmentLimit{Files: 3, Bytes: 100, DayBytes: 1000, Day: "2026-12-06"}
	put := func(sub, name, user string, size int) error {
		_, err := putAttachment(s, sub, name, user, strings.Repeat("a", size), lim)
		return err
	}
	for i, name := range []string{"a.jpg", "b.jpg", "c.jpg"} {
		if err := put("s1", name, "lan", 20+i); err != nil {
			t.Fatal(err)
		}
	}
	if err := put("s1", "d.jpg", "lan", 1); !errors.Is(err, survey.ErrAttachmentCount) {
		t.Errorf("a fourth name: %v, want ErrAttachmentCount", err)
	}
	if err := put("s1", "a.jpg", "lan", 30); err != nil { // 30+21+22 = 73
		t.Errorf("a replacement within the limits: %v", err)
	}
	if err := put("s1", "a.jpg", "lan", 58); !errors.Is(err, survey.ErrAttachmentBytes) { // 58+21+22 = 101
		t.Errorf("a replacement past the bytes: %v, want ErrAttachmentBytes", err)
	}
	if err := put("s1", "a.jpg", "lan", 57); err != nil { // exactly 100
		t.Errorf("a replacement up to the bytes: %v", err)
	}
	if n, size := storedAttachments(t, s, "s1"); n != 3 || size != 100 {
		t.Errorf("stored %d files, %d bytes; want 3, 100", n, size)
	}
	// lan uploaded 20+21+22+30+57 = 150 bytes today (the refused ones
	// not counted); 850 are left.
	for i := range 8 {
		if err := put(fmt.Sprintf("d%d", i), "p.jpg", "lan", 100); err != nil {
			t.Fatalf("upload %d within the day: %v", i, err)
		}
	}
	if err := put("d9", "p.jpg", "lan", 51); !errors.Is(err, survey.ErrAttachmentDay) {
		t.Errorf("past the day: %v, want ErrAttachmentDay", err)
	}
	if _, _, err := s.OpenAttachment(ctx, "d9", "p.jpg"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("a refused upload is stored: %v", err)
	}
	if err := put("d9", "p.jpg", "lan", 50); err != nil {
		t.Errorf("up to the day's limit: %v", err)
	}
	if err := put("e1", "q.jpg", "binh", 100); err != nil {
		t.Errorf("another user's day: %v", err)
	}
	next := lim
	next.Day = "2026-12-07"
	if _, err := putAttachment(s, "d10", "p.jpg", "lan", "next day", next); err != nil {
		t.Errorf("the next day: %v", err)
	}
}

// testRaceAttachmentLimits: ten uploads at once to one submission that
// has room for four pass the limit four times, whichever win; and ten at
// once by a user whose day has room for six, six times.
func testRaceAttachmentLimits(t *testing.T, s Stores) {
	for trial := range 5 {
		sub := fmt.Sprintf("race%d", trial)
		lim := survey.AttachmentLimit{Files: 4}
		errs := together(10, func(i int) error {
			_, err := putAttachment(s, sub, fmt.Sprintf("p%d.jpg", i), "lan", "bytes", lim)
			return err
		})
		if n := wins(t, errs, survey.ErrAttachmentCount); n != 4 {
			t.Fatalf("trial %d: %d of ten uploads passed a limit of 4 files", trial, n)
		}
		if n, _ := storedAttachments(t, s, sub); n != 4 {
			t.Fatalf("trial %d: %d files stored, want 4", trial, n)
		}
		day := survey.AttachmentLimit{DayBytes: 60, Day: fmt.Sprintf("2026-12-%02d", trial+1)}
		errs = together(10, func(i int) error {
			_, err := putAttachment(s, fmt.Sprintf("%s-%d", sub, i), "p.jpg", "lan", "ten bytes!", day)
			return err
		})
		if n := wins(t, errs, survey.ErrAttachmentDay); n != 6 {
			t.Fatalf("trial %d: %d of ten uploads of 10 bytes passed a day of 60", trial, n)
		}
	}
}
