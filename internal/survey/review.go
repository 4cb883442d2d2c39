package survey

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// AuditSubmissionRestore records the restore of a deleted submission.
const AuditSubmissionRestore = "submission.restore"

// MaxCommentLength is the longest comment, in characters.
const MaxCommentLength = 2000

var reviewStates = map[string]bool{ReviewReceived: true, ReviewHasIssues: true, ReviewApproved: true, ReviewRejected: true}

func reviewStateFilter(state string, q *SubmissionQuery) error {
	if state != "" && !reviewStates[state] {
		e := Errorf(CodeMalformed, msg.ReviewStateUnknown)
		e.Fields = []FieldError{fieldErr("?review_state", "enum", msg.ReviewStateEnum)}
		return e
	}
	q.ReviewState = state
	return nil
}

func canReview(a Actor) bool {
	return a.Role == RoleSupervisor || a.Role == RoleManager || a.Role == RoleAdmin
}

// commentText normalises a comment and checks its length; path names it.
func commentText(text, path string, required bool) (string, []FieldError) {
	text = strings.TrimSpace(schema.CleanText(text))
	switch {
	case text == "" && required:
		return "", []FieldError{fieldErr(path, "required", msg.ReviewCommentRequired)}
	case utf8.RuneCountInString(text) > MaxCommentLength:
		return "", []FieldError{fieldErr(path, "max_length", msg.CommentMaxLength)}
	}
	return text, nil
}

// ReviewInput is a review decision as asked.
type ReviewInput struct {
	State   string
	Comment string
	IfMatch int // 0: not checked
}

// Review sets the review state of a submission. has_issues and rejected
// need a comment, which also joins the comment thread.
func (l *Lifecycle) Review(ctx context.Context, actor Actor, formID, id string, in ReviewInput) (*Submission, error) {
	if !canReview(actor) {
		return nil, Errorf(CodeForbidden, msg.ReviewForbidden)
	}
	var fe []FieldError
	if !reviewStates[in.State] {
		fe = append(fe, fieldErr("/state", "enum", msg.ReviewStateField))
	}
	text, cfe := commentText(in.Comment, "/comment", in.State == ReviewHasIssues || in.State == ReviewRejected)
	if fe = append(fe, cfe...); len(fe) > 0 {
		return nil, invalid(fe)
	}
	cur, err := l.in.Get(ctx, actor, formID, id)
	if err != nil {
		return nil, err
	}
	if in.IfMatch != 0 && in.IfMatch != cur.Revision {
		return nil, errStale()
	}
	now := l.in.now().UTC().Truncate(time.Millisecond)
	note := &ReviewNote{State: in.State, Comment: text, At: now, By: actor.UserID, ByName: actor.Username}
	next := *cur
	next.ReviewState, next.LastReview, next.UpdatedAt = in.State, note, now
	c := &Comment{ID: uuid.NewString(), SubmissionID: id, At: now, By: actor.UserID, ByName: actor.Username, Role: actor.Role, Text: text, ReviewState: in.State}
	if err := l.change(ctx, cur, &next, l.in.event(EventReview, actor, &next, now), c); err != nil {
		return nil, err
	}
	return &next, nil
}

// Comments returns the comment thread of a submission the actor may see;
// a collector sees the thread of their own submissions.
func (l *Lifecycle) Comments(ctx context.Context, actor Actor, formID, id string) ([]*Comment, error) {
	if _, err := l.in.Get(ctx, actor, formID, id); err != nil {
		return nil, err
	}
	return l.store.Comments(ctx, id)
}

// AddComment adds a comment to the thread of a submission the actor may see.
func (l *Lifecycle) AddComment(ctx context.Context, actor Actor, formID, id, text string) (*Comment, error) {
	if !actor.CanReadData() {
		return nil, forbidden()
	}
	t, fe := commentText(text, "/text", true)
	if len(fe) > 0 {
		fe[0].Message = msg.Text(msg.CommentTextRequired)
		if fe[0].Code == "max_length" {
			fe[0].Message = msg.Text(msg.CommentMaxLength)
		}
		return nil, invalid(fe)
	}
	if _, err := l.in.Get(ctx, actor, formID, id); err != nil {
		return nil, err
	}
	c := &Comment{ID: uuid.NewString(), SubmissionID: id, At: l.in.now().UTC().Truncate(time.Millisecond),
		By: actor.UserID, ByName: actor.Username, Role: actor.Role, Text: t}
	if err := l.store.AddComment(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Mine lists the caller's own submissions across forms, optionally in one
// review state: the phone's to-do list.
func (l *Lifecycle) Mine(ctx context.Context, actor Actor, f ListFilter) ([]*Submission, string, error) {
	q := SubmissionQuery{Limit: f.Limit}
	if q.Limit <= 0 {
		q.Limit = DefaultListLimit
	}
	q.Limit = min(q.Limit, MaxListLimit)
	if err := l.in.restrictTo(actor, &q); err != nil {
		return nil, "", err
	}
	q.Collector = actor.UserID
	if err := reviewStateFilter(f.ReviewState, &q); err != nil {
		return nil, "", err
	}
	return l.in.page(ctx, q, f.Cursor)
}

// Delete soft-deletes a submission: it stays stored, hidden from every
// read, and can be restored within RestoreWindow. Collectors may delete
// their own while not approved; supervisors, managers and admins within
// their scope.
func (l *Lifecycle) Delete(ctx context.Context, actor Actor, formID, id string) error {
	if !actor.CanSubmit() {
		return forbidden()
	}
	cur, err := l.in.Get(ctx, actor, formID, id)
	if err != nil {
		return err
	}
	if actor.Role == RoleCollector && cur.ReviewState == ReviewApproved {
		return errLocked()
	}
	if err := l.audit.Record(ctx, actor, AuditSubmissionDrop, id, map[string]any{"form": formID, "revision": cur.Revision}); err != nil {
		return err
	}
	now := l.in.now().UTC().Truncate(time.Millisecond)
	next := *cur
	next.DeletedAt, next.DeletedBy, next.UpdatedAt = &now, actor.UserID, now
	return l.change(ctx, cur, &next, l.in.event(EventDelete, actor, cur, now), nil)
}

// Restore brings back a soft-deleted submission (managers and admins,
// within their scope and the restore window).
func (l *Lifecycle) Restore(ctx context.Context, actor Actor, formID, id string) (*Submission, error) {
	if actor.Role != RoleManager && actor.Role != RoleAdmin {
		return nil, Errorf(CodeForbidden, msg.RestoreForbidden)
	}
	sub, err := l.store.Submission(ctx, id)
	if isNotFound(err) {
		return nil, notFound(msg.Text(msg.NounSubmission))
	}
	if err != nil {
		return nil, err
	}
	live := *sub
	live.DeletedAt = nil
	if sub.FormID != formID || !l.in.canSee(actor, &live) {
		return nil, notFound(msg.Text(msg.NounSubmission))
	}
	if sub.DeletedAt == nil {
		return nil, Errorf(CodeConflict, msg.NotDeleted)
	}
	now := l.in.now().UTC().Truncate(time.Millisecond)
	if now.Sub(*sub.DeletedAt) > l.RestoreWindow {
		return nil, Errorf(CodeConflict, msg.RestoreWindowPassed)
	}
	if err := l.audit.Record(ctx, actor, AuditSubmissionRestore, id, map[string]any{"form": formID}); err != nil {
		return nil, err
	}
	live.DeletedBy, live.UpdatedAt = "", now
	if err := l.change(ctx, sub, &live, l.in.event(EventRestore, actor, &live, now), nil); err != nil {
		return nil, err
	}
	return &live, nil
}

// MaxBulk is the most ids one bulk request may name.
const MaxBulk = 500

// BulkResult is the outcome for one id of a bulk request.
type BulkResult struct {
	ID  string
	Err error // nil: done
}

// BulkReview reviews each submission of ids with the same decision; one
// failing id does not stop the others.
// A role that may not review at all is refused as a whole.
func (l *Lifecycle) BulkReview(ctx context.Context, actor Actor, formID string, ids []string, in ReviewInput) ([]BulkResult, error) {
	if !canReview(actor) {
		return nil, Errorf(CodeForbidden, msg.ReviewForbidden)
	}
	return l.bulk(ids, func(id string) error {
		_, err := l.Review(ctx, actor, formID, id, ReviewInput{State: in.State, Comment: in.Comment})
		return err
	})
}

// BulkDelete soft-deletes each submission of ids.
// A role that may not delete at all is refused as a whole.
func (l *Lifecycle) BulkDelete(ctx context.Context, actor Actor, formID string, ids []string) ([]BulkResult, error) {
	if !actor.CanSubmit() {
		return nil, forbidden()
	}
	return l.bulk(ids, func(id string) error { return l.Delete(ctx, actor, formID, id) })
}

func (l *Lifecycle) bulk(ids []string, do func(id string) error) ([]BulkResult, error) {
	if len(ids) == 0 || len(ids) > MaxBulk {
		e := Errorf(CodeInvalid, msg.ReviewIDsCount)
		e.Fields = []FieldError{fieldErr("/ids", "size", msg.ReviewIDsCountField)}
		return nil, e
	}
	out := make([]BulkResult, len(ids))
	for i, id := range ids {
		out[i] = BulkResult{ID: id, Err: do(id)}
	}
	return out, nil
}
