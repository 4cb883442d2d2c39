package survey

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
)

// AuditQuery selects audit entries; zero fields do not filter.
type AuditQuery struct {
	Action   string
	User     string // a user id or a username
	From, To time.Time
	After    *AuditKey
	Limit    int
}

// AuditKey is a position in the audit log's order (newest first).
type AuditKey struct {
	At time.Time
	ID string
}

// AuditFilter is what an administrator may ask of the audit log.
type AuditFilter struct {
	Action, User string
	From, To     time.Time
	Cursor       string
	Limit        int
}

// List returns a page of the audit log, newest first, and the cursor of
// the next page ("" at the end). Only an admin may read it.
func (a *Auditor) List(ctx context.Context, actor Actor, f AuditFilter) ([]*AuditEntry, string, error) {
	if actor.Role != RoleAdmin {
		return nil, "", forbidden()
	}
	q := AuditQuery{Action: f.Action, User: f.User, From: f.From, To: f.To, Limit: f.Limit}
	if q.Limit <= 0 {
		q.Limit = DefaultListLimit
	}
	if q.Limit > MaxListLimit {
		q.Limit = MaxListLimit
	}
	if f.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		var c cursorJSON
		if err != nil || json.Unmarshal(b, &c) != nil || c.I == "" {
			e := Errorf(CodeMalformed, msg.PageCursorInvalid)
			e.Fields = []FieldError{fieldErr("?cursor", "invalid", msg.CursorInvalidField)}
			return nil, "", e
		}
		q.After = &AuditKey{At: time.UnixMilli(c.T).UTC(), ID: c.I}
	}
	limit := q.Limit
	q.Limit++
	items, err := a.store.ListAudit(ctx, q)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		b, _ := json.Marshal(cursorJSON{T: last.At.UnixMilli(), I: last.ID})
		next = base64.RawURLEncoding.EncodeToString(b)
	}
	return items, next, nil
}
