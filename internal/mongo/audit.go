package mongo

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/survey"
)

const colAudit = "audit"

type auditDoc struct {
	ID       string         `bson:"_id"`
	At       time.Time      `bson:"at"`
	UserID   string         `bson:"user_id,omitempty"`
	Username string         `bson:"username,omitempty"`
	Role     string         `bson:"role,omitempty"`
	Action   string         `bson:"action"`
	Target   string         `bson:"target,omitempty"`
	Details  map[string]any `bson:"details,omitempty"`
}

// AppendAudit inserts one audit entry.
func (s *Store) AppendAudit(ctx context.Context, e *survey.AuditEntry) error {
	_, err := s.db.Collection(colAudit).InsertOne(ctx, auditDoc{
		ID: uuid.NewString(), At: e.At, UserID: e.UserID, Username: e.Username, Role: string(e.Role),
		Action: e.Action, Target: e.Target, Details: e.Details,
	})
	return translate("append audit entry", err)
}
