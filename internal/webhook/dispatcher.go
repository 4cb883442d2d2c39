// Package webhook sends the deliveries of the webhook outbox over HTTP,
// signed with HMAC-SHA256, retrying with exponential backoff. The outbox
// lives in the database, so deliveries survive a restart.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// Headers of a delivery.
const (
	HeaderSignature = "X-Khaosat-Signature" // "sha256=" + hex HMAC of "<timestamp>.<body>"
	HeaderTimestamp = "X-Khaosat-Timestamp" // Unix seconds
	HeaderDelivery  = "X-Khaosat-Delivery"  // the delivery id: the same on every attempt
)

// Sign returns the signature of body sent at timestamp ts.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.", ts)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Dispatcher collects events into the outbox and sends what is due.
type Dispatcher struct {
	Hooks       *survey.Hooks
	Client      *http.Client
	Log         *slog.Logger
	Poll        time.Duration // how often to look for work
	Backoff     time.Duration // wait after the first failure; doubles each time
	MaxBackoff  time.Duration
	MaxAttempts int
	// Metrics, if set, is told the outbox's backlog after each poll and
	// each attempt's outcome.
	Metrics Observer
}

// Observer is told what the dispatcher does, for metrics.
type Observer interface {
	// WebhookPending is the number of deliveries still to send, due or
	// waiting for a retry.
	WebhookPending(n int64)
	WebhookDelivery(outcome string) // delivered, retry, failed, refused
}

func (d *Dispatcher) observe(del *survey.Delivery) {
	if d.Metrics == nil {
		return
	}
	switch {
	case del.State == survey.DeliveryDelivered:
		d.Metrics.WebhookDelivery("delivered")
	case del.LastError == "refused":
		d.Metrics.WebhookDelivery("refused")
	case del.State == survey.DeliveryFailed:
		d.Metrics.WebhookDelivery("failed")
	default:
		d.Metrics.WebhookDelivery("retry")
	}
}

// Run works until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	t := time.NewTicker(d.Poll)
	defer t.Stop()
	for {
		if err := d.Hooks.Collect(ctx); err != nil && ctx.Err() == nil {
			d.Log.Warn("webhook outbox: collecting events", "error", err)
		}
		if err := d.sendDue(ctx); err != nil && ctx.Err() == nil {
			d.Log.Warn("webhook outbox: sending", "error", err)
		}
		d.reportBacklog(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// reportBacklog tells the metrics how many deliveries are pending: the
// whole backlog, not the one batch a poll sends.
func (d *Dispatcher) reportBacklog(ctx context.Context) {
	if d.Metrics == nil {
		return
	}
	n, err := d.Hooks.Store().PendingDeliveries(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.Log.Warn("webhook outbox: counting pending deliveries", "error", err)
		}
		return
	}
	d.Metrics.WebhookPending(n)
}

type payloadJSON struct {
	Delivery string    `json:"delivery"`
	Webhook  string    `json:"webhook"`
	Event    eventJSON `json:"event"`
}

type eventJSON struct {
	Kind        string    `json:"kind"`
	ID          string    `json:"id"`
	Form        string    `json:"form"`
	Unit        string    `json:"unit"`
	SurveyDate  string    `json:"survey_date"`
	Revision    int       `json:"revision"`
	ReviewState string    `json:"review_state"`
	At          time.Time `json:"at"`
	By          string    `json:"by"`
}

func (d *Dispatcher) sendDue(ctx context.Context) error {
	store := d.Hooks.Store()
	due, err := store.DueDeliveries(ctx, time.Now().UTC(), 50)
	if err != nil {
		return err
	}
	secrets := map[string]*survey.Webhook{}
	for _, del := range due {
		w, ok := secrets[del.Hook]
		if !ok {
			if w, err = store.Webhook(ctx, del.Hook); err != nil {
				w = nil // deleted meanwhile: drop its deliveries below
			}
			secrets[del.Hook] = w
		}
		if w == nil {
			del.State, del.LastError = survey.DeliveryFailed, "webhook deleted"
		} else {
			d.attempt(ctx, w, del)
			d.observe(del)
		}
		if err := store.UpdateDelivery(context.WithoutCancel(ctx), del); err != nil {
			return err
		}
	}
	return nil
}

// attempt sends one delivery and records the outcome on it.
func (d *Dispatcher) attempt(ctx context.Context, w *survey.Webhook, del *survey.Delivery) {
	e := del.Event
	body, _ := json.Marshal(payloadJSON{Delivery: del.ID, Webhook: w.ID, Event: eventJSON{Kind: e.Kind, ID: e.SubmissionID, Form: e.Form,
		Unit: e.Unit, SurveyDate: e.SurveyDate.Format(time.DateOnly), Revision: e.Revision, ReviewState: e.ReviewState, At: e.At, By: e.By}})
	ts := time.Now().Unix()
	del.Attempts++
	secret, err := d.Hooks.OpenSecret(w)
	if err != nil {
		del.State, del.LastError = survey.DeliveryFailed, "the webhook secret cannot be opened"
		d.Log.Error("webhook secret", "webhook", w.ID, "error", err)
		return
	}
	status, err := d.post(ctx, w.URL, body, ts, Sign(secret, ts, body), del.ID)
	del.LastStatus = status
	if err == nil && status >= 200 && status < 300 {
		now := time.Now().UTC().Truncate(time.Millisecond)
		del.State, del.LastError, del.DeliveredAt = survey.DeliveryDelivered, "", &now
		return
	}
	if err != nil {
		del.LastError = deliveryError(err)
	} else {
		del.LastError = "HTTP " + strconv.Itoa(status)
	}
	if del.Attempts >= d.MaxAttempts {
		del.State = survey.DeliveryFailed
		return
	}
	wait := d.Backoff << min(del.Attempts-1, 20)
	del.NextAt = time.Now().UTC().Add(min(wait, d.MaxBackoff)).Truncate(time.Millisecond)
}

func (d *Dispatcher) post(ctx context.Context, url string, body []byte, ts int64, sig, id string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "khaosat-webhook/1")
	req.Header.Set(HeaderSignature, sig)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderDelivery, id)
	res, err := d.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, nil
}
