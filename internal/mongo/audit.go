package mongo

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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
	e.ID = uuid.NewString()
	_, err := s.db.Collection(colAudit).InsertOne(ctx, auditDoc{
		ID: e.ID, At: e.At.Truncate(time.Millisecond), UserID: e.UserID, Username: e.Username, Role: string(e.Role),
		Action: e.Action, Target: e.Target, Details: e.Details,
	})
	return translate("append audit entry", err)
}

// ListAudit returns entries newest first, (at, _id) descending.
func (s *Store) ListAudit(ctx context.Context, q survey.AuditQuery) ([]*survey.AuditEntry, error) {
	and := bson.A{bson.D{}}
	if q.Action != "" {
		and = append(and, bson.D{{Key: "action", Value: q.Action}})
	}
	if q.User != "" {
		and = append(and, bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "user_id", Value: q.User}}, bson.D{{Key: "username", Value: q.User}}}}})
	}
	if !q.From.IsZero() {
		and = append(and, bson.D{{Key: "at", Value: bson.D{{Key: "$gte", Value: q.From}}}})
	}
	if !q.To.IsZero() {
		and = append(and, bson.D{{Key: "at", Value: bson.D{{Key: "$lte", Value: q.To}}}})
	}
	if q.After != nil {
		and = append(and, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: q.After.At}}}},
			bson.D{{Key: "at", Value: q.After.At}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: q.After.ID}}}},
		}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(q.Limit))
	cur, err := s.db.Collection(colAudit).Find(ctx, bson.D{{Key: "$and", Value: and}}, opts)
	if err != nil {
		return nil, translate("list audit entries", err)
	}
	var docs []auditDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list audit entries", err)
	}
	out := make([]*survey.AuditEntry, len(docs))
	for i, d := range docs {
		out[i] = &survey.AuditEntry{ID: d.ID, At: d.At.UTC(), UserID: d.UserID, Username: d.Username, Role: survey.Role(d.Role),
			Action: d.Action, Target: d.Target, Details: plainMap(d.Details)}
	}
	return out, nil
}
