package survey

import (
	"context"
	"time"
)

// AuditEntry records who did what to which thing, and when. It must never
// hold a secret (password, token, key) or an answer: Details carries
// identifiers, filters and counts only.
type AuditEntry struct {
	ID       string // set by the store
	At       time.Time
	UserID   string // "" for an anonymous caller (e.g. a failed login)
	Username string
	Role     Role
	Action   string // e.g. "login.success", "submission.read_sensitive", "export"
	Target   string // e.g. a submission id, a form id, a user id
	Details  map[string]any
}

// Audit actions. Keep the names stable: administrators filter on them.
const (
	AuditLoginSuccess   = "login.success"
	AuditLoginFailure   = "login.failure"
	AuditReadSensitive  = "submission.read_sensitive"
	AuditUserCreate     = "user.create"
	AuditFormPublish    = "form.publish"
	AuditExport         = "export"
	AuditSubmissionDrop = "submission.delete"
	AuditRefreshReuse   = "token.refresh_reuse"
	AuditUserChange     = "user.change"
	AuditEnrollment     = "enrollment.create"
	// AuditEnrollmentRedeem is a code redeemed on a phone.
	AuditEnrollmentRedeem = "enrollment.redeem"
	AuditDeviceRevoke     = "device.revoke"
)

// AuditStore appends to the audit log. The log is append-only: no method
// changes or removes an entry.
type AuditStore interface {
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// ListAudit returns up to q.Limit entries, newest first, after q.After.
	ListAudit(ctx context.Context, q AuditQuery) ([]*AuditEntry, error)
}

// SystemActor is the actor of what the server does on its own (for
// example publishing the form files at start-up).
var SystemActor = Actor{Username: "khaosat"}

// Auditor records audit entries.
type Auditor struct {
	store AuditStore
	now   func() time.Time
}

// NewAuditor returns an Auditor writing to store.
func NewAuditor(store AuditStore) *Auditor { return &Auditor{store: store, now: time.Now} }

// Record appends an entry for the actor. Failing to audit fails the action:
// an access that cannot be recorded must not happen.
func (a *Auditor) Record(ctx context.Context, actor Actor, action, target string, details map[string]any) error {
	return a.store.AppendAudit(ctx, &AuditEntry{
		At: a.now().UTC(), UserID: actor.UserID, Username: actor.Username, Role: actor.Role,
		Action: action, Target: target, Details: details,
	})
}
