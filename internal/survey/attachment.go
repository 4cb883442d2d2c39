package survey

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
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
	// PutAttachment stores the bytes under (submission, name) if lim
	// allows it, and says whether they replaced earlier bytes of that
	// name. The replaced bytes are deleted: one name holds one stored
	// file. The check and the write are one atomic step, so concurrent
	// uploads cannot together pass a limit that each passes alone. Past
	// a limit it stores nothing and returns ErrAttachmentCount,
	// ErrAttachmentBytes or ErrAttachmentDay (wrapped).
	PutAttachment(ctx context.Context, a *Attachment, body []byte, lim AttachmentLimit) (replaced bool, err error)
	// OpenAttachment returns the bytes of (submission, name);
	// ErrNotFound if none.
	OpenAttachment(ctx context.Context, submissionID, name string) (*Attachment, io.ReadCloser, error)
	// Attachments lists the attachments of a submission by name.
	Attachments(ctx context.Context, submissionID string) ([]*Attachment, error)
}

// AttachmentLimit is what a store checks as it stores an attachment:
// the submission's attachments after the write (the replaced bytes of
// the same name no longer counted) at most Files files and Bytes bytes,
// and the bytes the uploader stored on Day, this upload included, at
// most DayBytes. A zero limit is no limit.
type AttachmentLimit struct {
	Files    int
	Bytes    int64
	DayBytes int64
	// Day is the upload's day, "2006-01-02" in Vietnam time (quotaZone).
	Day string
}

// The limits a store reports when an attachment would pass one.
var (
	ErrAttachmentCount = errors.New("attachment count limit of the submission")
	ErrAttachmentBytes = errors.New("attachment size limit of the submission")
	ErrAttachmentDay   = errors.New("daily upload limit of the user")
)

// AttachmentQuota is the configured bounds of attachments; a zero field
// is no limit.
type AttachmentQuota struct {
	// PerSubmissionFiles and PerSubmissionBytes bound the attachments
	// one submission holds.
	PerSubmissionFiles int
	PerSubmissionBytes int64
	// PerUserDayBytes bounds the bytes one user uploads in a day (in
	// Vietnam time), replaced uploads included: the traffic and the writes
	// happened.
	PerUserDayBytes int64
}

// The defaults of AttachmentQuota.
const (
	DefaultAttachmentsPerSubmission     = 20
	DefaultAttachmentBytesPerSubmission = 50 << 20
	DefaultAttachmentBytesPerUserDay    = 200 << 20
)

// quotaZone is the time zone of the daily upload quota: the day of the
// collectors, who all work in Vietnam (UTC+7 all year, no daylight
// saving time, so a fixed zone is exact and needs no tz database).
var quotaZone = time.FixedZone("UTC+7", 7*60*60)

// DefaultMaxAttachment is the default size limit of one attachment.
const DefaultMaxAttachment = 10 << 20

// attachmentTypes are the content types an attachment may have: what a
// phone's camera or signature pad produces, and scanned documents.
// Each maps to the name extensions that say it, the usual one first.
var attachmentTypes = map[string][]string{"image/jpeg": {".jpg", ".jpeg"}, "image/png": {".png"}, "image/webp": {".webp"}, "application/pdf": {".pdf"}}

// A name is a plain file name: no path, no leading dot, no "..".
var attachmentNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)

// WithAttachments gives the lifecycle an attachment store, the size limit
// of one attachment and the quota of attachments.
func WithAttachments(st AttachmentStore, maxSize int64, quota AttachmentQuota) LifecycleOption {
	return func(l *Lifecycle) { l.files, l.MaxAttachment, l.AttachmentQuota = st, maxSize, quota }
}

func checkAttachmentName(name string) error {
	if !attachmentNameRE.MatchString(name) || strings.Contains(name, "..") {
		e := Errorf(CodeMalformed, msg.AttachmentNameShape)
		e.Fields = []FieldError{fieldErr("name", "format", msg.AttachmentNameInvalid)}
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
		return nil, false, Errorf(CodeTooLarge, msg.AttachmentTooLarge)
	}
	mt, _, err := mime.ParseMediaType(declared)
	if err != nil || attachmentTypes[mt] == nil {
		e := Errorf(CodeInvalid, msg.AttachmentTypeRefused)
		e.Fields = []FieldError{fieldErr("Content-Type", "unsupported_type", msg.AttachmentTypeRefusedField)}
		return nil, false, e
	}
	if detected, _, _ := mime.ParseMediaType(http.DetectContentType(body)); detected != mt {
		e := Errorf(CodeInvalid, msg.AttachmentTypeMismatch, mt)
		e.Fields = []FieldError{fieldErr("Content-Type", "type_mismatch", msg.AttachmentTypeMismatchField)}
		return nil, false, e
	}
	if err := checkExtension(name, mt); err != nil {
		return nil, false, err
	}
	sum := sha256.Sum256(body)
	now := l.in.now()
	a := &Attachment{SubmissionID: id, Name: name, ContentType: mt, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:]),
		UploadedAt: now.UTC().Truncate(time.Millisecond), UploadedBy: actor.Username}
	q := l.AttachmentQuota
	replaced, err := l.files.PutAttachment(ctx, a, body, AttachmentLimit{Files: q.PerSubmissionFiles, Bytes: q.PerSubmissionBytes,
		DayBytes: q.PerUserDayBytes, Day: now.In(quotaZone).Format(time.DateOnly)})
	if err != nil {
		return nil, false, q.explain(err, now)
	}
	return a, !replaced, nil
}

// checkExtension refuses a name whose extension does not say the type
// the bytes were checked to have: whoever downloads photo.png, or
// report.pdf.exe, opens it by its name.
func checkExtension(name, mediaType string) error {
	exts := attachmentTypes[mediaType]
	ext := strings.ToLower(path.Ext(name))
	if slices.Contains(exts, ext) {
		return nil
	}
	want := msg.List(exts, msg.ListOr)
	e := Errorf(CodeInvalid, msg.AttachmentExtension, mediaType, want)
	e.Fields = []FieldError{fieldErr("name", "extension_mismatch", msg.AttachmentExtensionField, want)}
	return e
}

// explain turns a limit a store reports into the error its client
// reads, naming the limit; other errors pass through.
func (q AttachmentQuota) explain(err error, now time.Time) error {
	switch {
	case errors.Is(err, ErrAttachmentCount):
		n := fmt.Sprint(q.PerSubmissionFiles)
		e := Errorf(CodeInvalid, msg.AttachmentCountLimit, n)
		e.Fields = []FieldError{fieldErr("name", "attachment_count", msg.AttachmentCountLimitField, n)}
		return e
	case errors.Is(err, ErrAttachmentBytes):
		n := bytesText(q.PerSubmissionBytes)
		e := Errorf(CodeInvalid, msg.AttachmentBytesLimit, n)
		e.Fields = []FieldError{fieldErr("body", "attachment_bytes", msg.AttachmentBytesLimitField, n)}
		return e
	case errors.Is(err, ErrAttachmentDay):
		n := bytesText(q.PerUserDayBytes)
		local := now.In(quotaZone)
		y, m, d := local.Date()
		next := time.Date(y, m, d+1, 0, 0, 0, 0, quotaZone)
		e := Errorf(CodeTooManyRequests, msg.AttachmentDailyLimit, n)
		e.RetryAfter = next.Sub(now)
		return e
	}
	return err
}

// bytesText writes n bytes as people read sizes: 50 MiB, 1.5 MiB, 900 KiB.
func bytesText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
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
		return nil, nil, notFound(msg.Text(msg.NounAttachment))
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
