package sqlite

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/khaosat/khaosat/internal/survey"
)

// PutAttachment stores the bytes of an attachment in the row of its
// name, replacing the row an earlier upload of the name left, once the
// limits allow it. The limits are read and the row written in one write
// of the single writer: no other upload runs between the check and the
// write.
func (s *Store) PutAttachment(ctx context.Context, a *survey.Attachment, body []byte, lim survey.AttachmentLimit) (replaced bool, err error) {
	if err := s.room(int64(len(body))); err != nil {
		return false, err
	}
	doc, err := encode(a)
	if err != nil {
		return false, err
	}
	size := int64(len(body))
	err = s.write(ctx, func(tx *wtx) error {
		replaced = false
		var files int
		var total, old int64
		var had bool
		if err := tx.QueryRow(`SELECT COUNT(*), COALESCE(SUM(length(body)), 0),
			COALESCE(SUM(CASE WHEN name = ? THEN length(body) END), 0), COUNT(CASE WHEN name = ? THEN 1 END) > 0
			FROM attachments WHERE submission = ?`, a.Name, a.Name, a.SubmissionID).Scan(&files, &total, &old, &had); err != nil {
			return translate("count attachments", err)
		}
		if !had {
			files++
		}
		if lim.Files > 0 && files > lim.Files {
			return fmt.Errorf("store attachment: %w", survey.ErrAttachmentCount)
		}
		if lim.Bytes > 0 && total-old+size > lim.Bytes {
			return fmt.Errorf("store attachment: %w", survey.ErrAttachmentBytes)
		}
		if lim.DayBytes > 0 {
			if err := countDay(tx, a.UploadedBy, lim, size); err != nil {
				return err
			}
		}
		if had {
			if _, err := tx.Exec(`DELETE FROM attachments WHERE submission = ? AND name = ?`, a.SubmissionID, a.Name); err != nil {
				return translate("replace attachment", err)
			}
		}
		if _, err := tx.Exec(`INSERT INTO attachments (submission, name, doc, body) VALUES (?, ?, ?, ?)`,
			a.SubmissionID, a.Name, doc, body); err != nil {
			return translate("store attachment", err)
		}
		replaced = had
		return nil
	})
	return replaced, err
}

// countDay adds size to what user uploaded on lim.Day, unless that
// passes lim.DayBytes, and forgets the days before.
func countDay(tx *wtx, user string, lim survey.AttachmentLimit, size int64) error {
	var used int64
	if err := tx.QueryRow(`SELECT COALESCE(SUM(bytes), 0) FROM attachment_days WHERE username = ? AND day = ?`, user, lim.Day).Scan(&used); err != nil {
		return translate("read daily uploads", err)
	}
	if used+size > lim.DayBytes {
		return fmt.Errorf("store attachment: %w", survey.ErrAttachmentDay)
	}
	if _, err := tx.Exec(`INSERT INTO attachment_days (username, day, bytes) VALUES (?, ?, ?)
		ON CONFLICT (username, day) DO UPDATE SET bytes = bytes + excluded.bytes`, user, lim.Day, size); err != nil {
		return translate("count daily uploads", err)
	}
	if _, err := tx.Exec(`DELETE FROM attachment_days WHERE day < ?`, lim.Day); err != nil {
		return translate("forget daily uploads", err)
	}
	return nil
}

func fixAttachment(a *survey.Attachment) *survey.Attachment {
	utc(&a.UploadedAt)
	return a
}

// OpenAttachment opens the upload of (submission, name).
func (s *Store) OpenAttachment(ctx context.Context, submissionID, name string) (*survey.Attachment, io.ReadCloser, error) {
	var raw, body []byte
	err := s.r.QueryRowContext(ctx, `SELECT doc, body FROM attachments WHERE submission = ? AND name = ?`,
		submissionID, name).Scan(&raw, &body)
	if err != nil {
		return nil, nil, translate("find attachment", err)
	}
	a := &survey.Attachment{}
	if err := decode(raw, a); err != nil {
		return nil, nil, translate("find attachment", err)
	}
	return fixAttachment(a), io.NopCloser(bytes.NewReader(body)), nil
}

// Attachments lists the attachments of a submission, the latest upload first.
func (s *Store) Attachments(ctx context.Context, submissionID string) ([]*survey.Attachment, error) {
	as, err := getAll[survey.Attachment](ctx, s, "list attachments",
		`SELECT doc FROM attachments WHERE submission = ? ORDER BY seq DESC`, submissionID)
	for _, a := range as {
		fixAttachment(a)
	}
	return as, err
}

// StoredAttachments counts the files stored for a submission's
// attachments and their bytes: what its attachments take in the
// database, whatever a listing shows.
func (s *Store) StoredAttachments(ctx context.Context, submissionID string) (files int, size int64, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(length(body)), 0) FROM attachments WHERE submission = ?`,
		submissionID).Scan(&files, &size)
	return files, size, translate("count stored attachments", err)
}
