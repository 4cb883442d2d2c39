package survey

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/msg"
)

// Webhook is a manager's subscription to the change feed: each event of
// the chosen kinds that its owner may see is delivered to URL, signed
// with Secret.
type Webhook struct {
	ID        string
	URL       string
	Secret    string // HMAC-SHA256 key; shown to the owner once, stored sealed (OpenSecret)
	Form      string // "" = every form
	Events    []string
	Owner     Actor // whose scope the deliveries follow
	Cursor    string
	CreatedAt time.Time
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // gave up after the last attempt
)

// Delivery is one event to deliver to one webhook: the outbox entry.
type Delivery struct {
	ID          string // "<webhook id>/<event seq>": one per event and webhook
	Hook        string
	Event       Event
	State       string
	Attempts    int
	NextAt      time.Time
	LastStatus  int
	LastError   string
	CreatedAt   time.Time
	DeliveredAt *time.Time
}

// WebhookStore persists webhooks and their outbox.
type WebhookStore interface {
	InsertWebhook(ctx context.Context, h *Webhook) error
	Webhooks(ctx context.Context) ([]*Webhook, error)
	Webhook(ctx context.Context, id string) (*Webhook, error)
	DeleteWebhook(ctx context.Context, id string) error
	SetWebhookCursor(ctx context.Context, id, cursor string) error
	// SetWebhookSecret replaces the stored secret if it is still old
	// (ErrNotFound otherwise): a key rotation's compare-and-set.
	SetWebhookSecret(ctx context.Context, id, old, secret string) error
	// InsertDelivery adds to the outbox; ErrDuplicate if it is there.
	InsertDelivery(ctx context.Context, d *Delivery) error
	// DueDeliveries returns pending deliveries due at now, oldest first.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]*Delivery, error)
	UpdateDelivery(ctx context.Context, d *Delivery) error
	// PendingDeliveries counts the deliveries still to send (pending),
	// due now or waiting for a retry: the outbox's backlog, read from an
	// index.
	PendingDeliveries(ctx context.Context) (int64, error)
	// Deliveries returns the latest deliveries of a webhook, newest first.
	Deliveries(ctx context.Context, hook string, limit int) ([]*Delivery, error)
}

// Hooks is the service that registers webhooks.
type Hooks struct {
	store    WebhookStore
	in       *Intake
	now      func() time.Time
	checkURL URLChecker
}

// HooksOption adds to the webhook service what NewHooks does not require
// (WithURLCheck).
type HooksOption func(*Hooks)

// NewHooks returns the webhook service.
func NewHooks(store WebhookStore, in *Intake, opts ...HooksOption) *Hooks {
	h := &Hooks{store: store, in: in, now: time.Now}
	for _, o := range opts {
		o(h)
	}
	return h
}

var webhookEvents = []string{EventCreate, EventEdit, EventReview, EventDelete, EventRestore}

func canManageHooks(a Actor) bool { return a.Role == RoleManager || a.Role == RoleAdmin }

// NewWebhook is a registration as asked.
type NewWebhook struct {
	URL    string
	Form   string
	Events []string
}

// Register adds a webhook for the actor (a manager or admin). Deliveries
// start with the changes after registration.
func (h *Hooks) Register(ctx context.Context, actor Actor, in NewWebhook) (*Webhook, error) {
	if !canManageHooks(actor) {
		return nil, Errorf(CodeForbidden, msg.WebhookForbidden)
	}
	var fe []FieldError
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(in.URL) > 2000 {
		fe = append(fe, fieldErr("/url", "format", msg.WebhookURLShape))
	}
	if len(fe) == 0 {
		if e := h.checkURLAllowed(ctx, in.URL); e != nil {
			fe = append(fe, *e)
		}
	}
	if len(in.Events) == 0 {
		fe = append(fe, fieldErr("/events", "required", msg.WebhookEventsRequired))
	}
	for i, e := range in.Events {
		if !slices.Contains(webhookEvents, e) {
			fe = append(fe, fieldErr("/events/"+itoa(i), "enum", msg.WebhookEventEnum))
		}
	}
	if in.Form != "" {
		if _, err := h.in.catalog.Form(ctx, in.Form); ErrorCode(err) == CodeNotFound {
			fe = append(fe, fieldErr("/form", "unknown_form", msg.WebhookFormUnknown))
		} else if err != nil {
			return nil, err
		}
	}
	if len(fe) > 0 {
		return nil, invalid(fe)
	}
	// Start at the feed's current end: a new webhook gets new changes.
	cursor := ""
	for {
		evs, next, err := h.in.Changes(ctx, actor, cursor, in.Form, MaxFeedLimit)
		if err != nil {
			return nil, err
		}
		if len(evs) == 0 && next == cursor {
			break
		}
		cursor = next
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	hook := &Webhook{ID: uuid.NewString(), URL: in.URL, Secret: hex.EncodeToString(secret), Form: in.Form,
		Events: slices.Clone(in.Events), Owner: actor, Cursor: cursor, CreatedAt: h.now().UTC().Truncate(time.Millisecond)}
	stored := *hook
	if stored.Secret, err = h.sealSecret(hook.ID, hook.Secret); err != nil {
		return nil, err
	}
	if err := h.store.InsertWebhook(ctx, &stored); err != nil {
		return nil, err
	}
	return hook, nil // the secret in clear, for the one answer that shows it
}

// List returns the webhooks the actor owns (an admin: all).
func (h *Hooks) List(ctx context.Context, actor Actor) ([]*Webhook, error) {
	if !canManageHooks(actor) {
		return nil, forbidden()
	}
	all, err := h.store.Webhooks(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Webhook
	for _, w := range all {
		if actor.Role == RoleAdmin || w.Owner.UserID == actor.UserID {
			out = append(out, w)
		}
	}
	return out, nil
}

func (h *Hooks) get(ctx context.Context, actor Actor, id string) (*Webhook, error) {
	if !canManageHooks(actor) {
		return nil, forbidden()
	}
	w, err := h.store.Webhook(ctx, id)
	if isNotFound(err) || (err == nil && actor.Role != RoleAdmin && w.Owner.UserID != actor.UserID) {
		return nil, notFound(msg.Text(msg.NounWebhook))
	}
	return w, err
}

// Delete removes a webhook; its pending deliveries are no longer sent.
func (h *Hooks) Delete(ctx context.Context, actor Actor, id string) error {
	if _, err := h.get(ctx, actor, id); err != nil {
		return err
	}
	return h.store.DeleteWebhook(ctx, id)
}

// Deliveries returns the delivery log of a webhook, newest first.
func (h *Hooks) Deliveries(ctx context.Context, actor Actor, id string) ([]*Delivery, error) {
	if _, err := h.get(ctx, actor, id); err != nil {
		return nil, err
	}
	return h.store.Deliveries(ctx, id, 200)
}

// Collect moves the new events each webhook may see into its outbox, then
// advances its cursor. Run again after a crash, it adds nothing twice.
func (h *Hooks) Collect(ctx context.Context) error {
	hooks, err := h.store.Webhooks(ctx)
	if err != nil {
		return err
	}
	for _, w := range hooks {
		evs, next, err := h.in.Changes(ctx, w.Owner, w.Cursor, w.Form, MaxFeedLimit)
		if err != nil {
			return err
		}
		now := h.now().UTC().Truncate(time.Millisecond)
		for _, e := range evs {
			if !slices.Contains(w.Events, e.Kind) {
				continue
			}
			d := &Delivery{ID: w.ID + "/" + itoa(int(e.Seq)), Hook: w.ID, Event: *e, State: DeliveryPending, NextAt: now, CreatedAt: now}
			if err := h.store.InsertDelivery(ctx, d); err != nil && !isDuplicate(err) {
				return err
			}
		}
		if next != w.Cursor {
			if err := h.store.SetWebhookCursor(ctx, w.ID, next); err != nil {
				return err
			}
		}
	}
	return nil
}

// Store returns the webhook store, for the dispatcher that sends deliveries.
func (h *Hooks) Store() WebhookStore { return h.store }
