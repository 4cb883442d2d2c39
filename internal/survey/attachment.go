package survey

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Attachment is a file (a photo of a document, a signature) that belongs
// to one submission.
type Attachment struct {
	SubmissionID string
	Name         string
	ContentType  string
	Size         int64
	SHA256       string
	UploadedAt   time.Time
	UploadedBy   string // username
}

// AttachmentStore keeps attachment bytes (GridFS).
type AttachmentStore interface {
	// PutAttachment stores the bytes under (submission, name), replacing
	// what was there.
	PutAttachment(ctx context.Context, a *Attachment, body []byte) error
	// OpenAttachment returns the latest bytes of (submission, name);
	// ErrNotFound if none.
	OpenAttachment(ctx context.Context, submissionID, name string) (*Attachment, io.ReadCloser, error)
	// Attachments lists the attachments of a submission by name.
	Attachments(ctx context.Context, submissionID string) ([]*Attachment, error)
}

// DefaultMaxAttachment is the default size limit of one attachment.
const DefaultMaxAttachment = 10 << 20

// attachmentTypes are the content types an attachment may have: what a
// phone's camera or signature pad produces, and scanned documents.
var attachmentTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true, "application/pdf": true}

// A name is a plain file name: no path, no leading dot, no "..".
var attachmentNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)

// UseAttachments gives the lifecycle an attachment store.
func (l *Lifecycle) UseAttachments(st AttachmentStore, maxSize int64) {
	l.files, l.MaxAttachment = st, maxSize
}

func checkAttachmentName(name string) error {
	if !attachmentNameRE.MatchString(name) || strings.Contains(name, "..") {
		e := Errorf(CodeMalformed, "Tên tệp đính kèm chỉ gồm chữ không dấu, số, '.', '_' và '-', tối đa 100 ký tự, không phải đường dẫn.",
			"An attachment name has only ASCII letters, digits, '.', '_' and '-', at most 100 characters, and is not a path.")
		e.Fields = []FieldError{fieldErr("name", "format", "Tên tệp không hợp lệ.", "Invalid attachment name.")}
		return e
	}
	return nil
}

// PutAttachment stores an attachment of a submission the actor may edit.
// The declared content type must be an accepted one and match the bytes.
func (l *Lifecycle) PutAttachment(ctx context.Context, actor Actor, formID, id, name, declared string, body []byte) (*Attachment, bool, error) {
	if !actor.CanSubmit() {
		return nil, false, forbidden()
	}
	if err := checkAttachmentName(name); err != nil {
		return nil, false, err
	}
	sub, err := l.in.Get(ctx, actor, formID, id)
	if err != nil {
		return nil, false, err
	}
	if actor.Role == RoleCollector && sub.ReviewState == ReviewApproved {
		return nil, false, errLocked()
	}
	if int64(len(body)) > l.MaxAttachment {
		return nil, false, Errorf(CodeTooLarge, "Tệp đính kèm quá lớn.", "The attachment is too large.")
	}
	mt, _, err := mime.ParseMediaType(declared)
	if err != nil || !attachmentTypes[mt] {
		e := Errorf(CodeInvalid, "Loại tệp không được nhận; chỉ nhận JPEG, PNG, WebP hoặc PDF.", "This file type is not accepted; send JPEG, PNG, WebP or PDF.")
		e.Fields = []FieldError{fieldErr("Content-Type", "unsupported_type", "Loại tệp không được nhận.", "File type not accepted.")}
		return nil, false, e
	}
	if detected, _, _ := mime.ParseMediaType(http.DetectContentType(body)); detected != mt {
		e := Errorf(CodeInvalid, "Nội dung tệp không khớp với loại tệp đã khai ("+mt+").", "The file's bytes do not match its declared type ("+mt+").")
		e.Fields = []FieldError{fieldErr("Content-Type", "type_mismatch", "Nội dung không khớp loại tệp.", "Bytes do not match the type.")}
		return nil, false, e
	}
	sum := sha256.Sum256(body)
	a := &Attachment{SubmissionID: id, Name: name, ContentType: mt, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:]),
		UploadedAt: l.in.now().UTC().Truncate(time.Millisecond), UploadedBy: actor.Username}
	_, rc, err := l.files.OpenAttachment(ctx, id, name)
	replaced := err == nil
	if replaced {
		rc.Close()
	} else if !isNotFound(err) {
		return nil, false, err
	}
	if err := l.files.PutAttachment(ctx, a, body); err != nil {
		return nil, false, err
	}
	return a, !replaced, nil
}

// OpenAttachment returns an attachment of a submission the actor may see.
func (l *Lifecycle) OpenAttachment(ctx context.Context, actor Actor, formID, id, name string) (*Attachment, io.ReadCloser, error) {
	if err := checkAttachmentName(name); err != nil {
		return nil, nil, err
	}
	if _, err := l.in.Get(ctx, actor, formID, id); err != nil {
		return nil, nil, err
	}
	a, rc, err := l.files.OpenAttachment(ctx, id, name)
	if isNotFound(err) {
		return nil, nil, notFound(Label{VI: "tệp đính kèm", EN: "Attachment"})
	}
	return a, rc, err
}

// Attachments lists the attachments present on a submission the actor may see.
func (l *Lifecycle) Attachments(ctx context.Context, actor Actor, formID, id string) ([]*Attachment, error) {
	if _, err := l.in.Get(ctx, actor, formID, id); err != nil {
		return nil, err
	}
	return l.files.Attachments(ctx, id)
}
