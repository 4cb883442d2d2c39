package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

const (
	colWebhooks   = "webhooks"
	colDeliveries = "webhook_deliveries"
)

type webhookDoc struct {
	ID        string    `bson:"_id"`
	URL       string    `bson:"url"`
	Secret    string    `bson:"secret"`
	Form      string    `bson:"form,omitempty"`
	Events    []string  `bson:"events"`
	OwnerID   string    `bson:"owner_id"`
	OwnerName string    `bson:"owner_name"`
	OwnerRole string    `bson:"owner_role"`
	Units     []string  `bson:"owner_units"`
	Sensitive bool      `bson:"owner_sensitive,omitempty"`
	Cursor    string    `bson:"cursor"`
	CreatedAt time.Time `bson:"created_at"`
}

func (d *webhookDoc) domain() *survey.Webhook {
	return &survey.Webhook{ID: d.ID, URL: d.URL, Secret: d.Secret, Form: d.Form, Events: d.Events, Cursor: d.Cursor,
		CreatedAt: d.CreatedAt.UTC(), Owner: survey.Actor{UserID: d.OwnerID, Username: d.OwnerName, Role: survey.Role(d.OwnerRole),
			Units: d.Units, SensitiveAccess: d.Sensitive}}
}

// InsertWebhook stores a new webhook.
func (s *Store) InsertWebhook(ctx context.Context, h *survey.Webhook) error {
	_, err := s.db.Collection(colWebhooks).InsertOne(ctx, webhookDoc{ID: h.ID, URL: h.URL, Secret: h.Secret, Form: h.Form,
		Events: h.Events, OwnerID: h.Owner.UserID, OwnerName: h.Owner.Username, OwnerRole: string(h.Owner.Role),
		Units: h.Owner.Units, Sensitive: h.Owner.SensitiveAccess, Cursor: h.Cursor, CreatedAt: h.CreatedAt})
	return translate("insert webhook", err)
}

// Webhooks lists every webhook.
func (s *Store) Webhooks(ctx context.Context) ([]*survey.Webhook, error) {
	cur, err := s.db.Collection(colWebhooks).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}}))
	if err != nil {
		return nil, translate("list webhooks", err)
	}
	var docs []webhookDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list webhooks", err)
	}
	out := make([]*survey.Webhook, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// Webhook finds one webhook.
func (s *Store) Webhook(ctx context.Context, id string) (*survey.Webhook, error) {
	var d webhookDoc
	if err := s.db.Collection(colWebhooks).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, translate("find webhook", err)
	}
	return d.domain(), nil
}

// DeleteWebhook removes a webhook and its pending deliveries (the log of
// what was delivered stays).
func (s *Store) DeleteWebhook(ctx context.Context, id string) error {
	if _, err := s.db.Collection(colWebhooks).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return translate("delete webhook", err)
	}
	_, err := s.db.Collection(colDeliveries).DeleteMany(ctx, bson.D{{Key: "hook", Value: id}, {Key: "state", Value: survey.DeliveryPending}})
	return translate("delete webhook deliveries", err)
}

// SetWebhookCursor records how far a webhook has read the change feed.
func (s *Store) SetWebhookCursor(ctx context.Context, id, cursor string) error {
	_, err := s.db.Collection(colWebhooks).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "cursor", Value: cursor}}}})
	return translate("advance webhook", err)
}

type deliveryDoc struct {
	ID          string     `bson:"_id"`
	Hook        string     `bson:"hook"`
	Event       eventDoc   `bson:"event"`
	State       string     `bson:"state"`
	Attempts    int        `bson:"attempts"`
	NextAt      time.Time  `bson:"next_at"`
	LastStatus  int        `bson:"last_status,omitempty"`
	LastError   string     `bson:"last_error,omitempty"`
	CreatedAt   time.Time  `bson:"created_at"`
	DeliveredAt *time.Time `bson:"delivered_at,omitempty"`
}

func toDeliveryDoc(d *survey.Delivery) deliveryDoc {
	e := d.Event
	return deliveryDoc{ID: d.ID, Hook: d.Hook, State: d.State, Attempts: d.Attempts, NextAt: d.NextAt, LastStatus: d.LastStatus,
		LastError: d.LastError, CreatedAt: d.CreatedAt, DeliveredAt: d.DeliveredAt,
		Event: eventDoc{Seq: e.Seq, Kind: e.Kind, Submission: e.SubmissionID, Form: e.Form, Unit: e.Unit, SurveyDate: e.SurveyDate,
			Collector: e.Collector, Revision: e.Revision, ReviewState: e.ReviewState, At: e.At, By: e.By}}
}

func (d *deliveryDoc) domain() *survey.Delivery {
	e := d.Event
	return &survey.Delivery{ID: d.ID, Hook: d.Hook, State: d.State, Attempts: d.Attempts, NextAt: d.NextAt.UTC(), LastStatus: d.LastStatus,
		LastError: d.LastError, CreatedAt: d.CreatedAt.UTC(), DeliveredAt: utcPtr(d.DeliveredAt),
		Event: survey.Event{Seq: e.Seq, Kind: e.Kind, SubmissionID: e.Submission, Form: e.Form, Unit: e.Unit, SurveyDate: e.SurveyDate.UTC(),
			Collector: e.Collector, Revision: e.Revision, ReviewState: e.ReviewState, At: e.At.UTC(), By: e.By}}
}

// InsertDelivery adds an entry to the outbox.
func (s *Store) InsertDelivery(ctx context.Context, d *survey.Delivery) error {
	_, err := s.db.Collection(colDeliveries).InsertOne(ctx, toDeliveryDoc(d))
	return translate("insert delivery", err)
}

func (s *Store) findDeliveries(ctx context.Context, filter bson.D, sort bson.D, limit int) ([]*survey.Delivery, error) {
	cur, err := s.db.Collection(colDeliveries).Find(ctx, filter, options.Find().SetSort(sort).SetLimit(int64(limit)))
	if err != nil {
		return nil, translate("list deliveries", err)
	}
	var docs []deliveryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("list deliveries", err)
	}
	out := make([]*survey.Delivery, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// PendingDeliveries counts the pending deliveries, on the state_next
// index.
func (s *Store) PendingDeliveries(ctx context.Context) (int64, error) {
	n, err := s.db.Collection(colDeliveries).CountDocuments(ctx, bson.D{{Key: "state", Value: survey.DeliveryPending}})
	return n, translate("count pending deliveries", err)
}

// DueDeliveries returns pending deliveries due at now.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]*survey.Delivery, error) {
	return s.findDeliveries(ctx, bson.D{{Key: "state", Value: survey.DeliveryPending}, {Key: "next_at", Value: bson.D{{Key: "$lte", Value: now}}}},
		bson.D{{Key: "next_at", Value: 1}, {Key: "_id", Value: 1}}, limit)
}

// UpdateDelivery records an attempt.
func (s *Store) UpdateDelivery(ctx context.Context, d *survey.Delivery) error {
	_, err := s.db.Collection(colDeliveries).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, toDeliveryDoc(d))
	return translate("update delivery", err)
}

// Deliveries returns a webhook's latest deliveries.
func (s *Store) Deliveries(ctx context.Context, hook string, limit int) ([]*survey.Delivery, error) {
	return s.findDeliveries(ctx, bson.D{{Key: "hook", Value: hook}}, bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}, limit)
}
