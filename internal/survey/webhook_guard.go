package survey

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
)

// URLChecker decides at registration whether a webhook may be sent to a
// URL; it returns why not (ok false) in both languages. The webhook
// package's Guard implements it (https, no internal addresses).
type URLChecker func(ctx context.Context, raw string) (why Label, ok bool)

// WithURLCheck makes Register refuse the URLs check refuses. Without one,
// every URL the format allows is accepted.
func WithURLCheck(check URLChecker) HooksOption { return func(h *Hooks) { h.checkURL = check } }

// checkURLAllowed returns the field error of a refused URL, or nil.
func (h *Hooks) checkURLAllowed(ctx context.Context, raw string) *FieldError {
	if h.checkURL == nil {
		return nil
	}
	if why, ok := h.checkURL(ctx, raw); !ok {
		fe := FieldError{Path: "/url", Code: "not_allowed", Message: why}
		return &fe
	}
	return nil
}

// Webhook secrets are sealed at rest like sensitive answers: whoever
// reads the database cannot forge deliveries. A sealed secret is stored
// as "sealed:<key id>:<base64 box>", bound to its webhook's id.
const sealedSecretPrefix = "sealed:"

func secretAAD(id string) []byte { return []byte("webhook-secret:" + id) }

// sealSecret returns the stored form of a webhook's secret.
func (h *Hooks) sealSecret(id, secret string) (string, error) {
	kid, box, err := h.in.prot.Sealer.Seal([]byte(secret), secretAAD(id))
	if err != nil {
		return "", err
	}
	return sealedSecretPrefix + kid + ":" + base64.RawStdEncoding.EncodeToString(box), nil
}

// OpenSecret returns the secret of a stored webhook, for signing its
// deliveries. A secret stored before sealing (no prefix) is returned as
// it is.
func (h *Hooks) OpenSecret(w *Webhook) (string, error) {
	rest, ok := strings.CutPrefix(w.Secret, sealedSecretPrefix)
	if !ok {
		return w.Secret, nil
	}
	kid, enc, ok := strings.Cut(rest, ":")
	box, err := base64.RawStdEncoding.DecodeString(enc)
	if !ok || err != nil {
		return "", errors.New("webhook secret: malformed sealed value")
	}
	pt, err := h.in.prot.Sealer.Open(kid, box, secretAAD(w.ID))
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

// secretKeyID returns the key a stored webhook secret is sealed under, ""
// for one stored in clear (before secrets were sealed).
func secretKeyID(stored string) string {
	rest, ok := strings.CutPrefix(stored, sealedSecretPrefix)
	if !ok {
		return ""
	}
	kid, _, _ := strings.Cut(rest, ":")
	return kid
}

// SealedUnder counts the webhook secrets sealed under the data key keyID.
func (h *Hooks) SealedUnder(ctx context.Context, keyID string) (int64, error) {
	all, err := h.store.Webhooks(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, w := range all {
		if secretKeyID(w.Secret) == keyID {
			n++
		}
	}
	return n, nil
}

// Reseal seals every webhook secret that is not under the current key (or
// not sealed at all) again under it, each a compare-and-set on the stored
// value, and returns how many it changed. keys rotate runs it with the
// answers' and the facts' rotation.
func (h *Hooks) Reseal(ctx context.Context) (int, error) {
	all, err := h.store.Webhooks(ctx)
	if err != nil {
		return 0, err
	}
	cur, n := h.in.prot.Sealer.CurrentKeyID(), 0
	for _, w := range all {
		if secretKeyID(w.Secret) == cur {
			continue
		}
		secret, err := h.OpenSecret(w)
		if err != nil {
			return n, err
		}
		sealed, err := h.sealSecret(w.ID, secret)
		if err != nil {
			return n, err
		}
		if err := h.store.SetWebhookSecret(ctx, w.ID, w.Secret, sealed); err != nil && !isNotFound(err) {
			return n, err // not found: deleted, or resealed meanwhile
		}
		n++
	}
	return n, nil
}
