package survey

import (
	"context"
	"strings"
)

// KeyUse counts the records sealed under one data key: what still needs
// it in the ring.
type KeyUse struct {
	Submissions, Revisions, Facts, Webhooks int64
}

// InUse reports whether anything is still sealed under the key.
func (u KeyUse) InUse() bool { return u.Submissions+u.Revisions+u.Facts+u.Webhooks > 0 }

// SealedFactsCounter counts the indicator fact boxes sealed under a key.
type SealedFactsCounter interface {
	FactsSealedUnder(ctx context.Context, keyID string) (int64, error)
}

// KeyUseStore is what counting a key's use reads.
type KeyUseStore interface {
	SealedStore
	SealedFactsCounter
}

// KeyUse counts what is sealed under keyID, an older key of the ring:
// submissions' answers, kept revisions, indicator facts and webhook
// secrets. A key may leave the ring only when nothing is (keys retire).
// The answers are found among those not under the current key, as a
// rotation finds them.
func (s *Intake) KeyUse(ctx context.Context, store KeyUseStore, hooks *Hooks, keyID string) (KeyUse, error) {
	var u KeyUse
	cur := s.prot.Sealer.CurrentKeyID()
	for after := ""; ; {
		batch, err := store.SealedNotUnder(ctx, cur, after, resealBatch)
		if err != nil {
			return u, err
		}
		if len(batch) == 0 {
			break
		}
		for _, sub := range batch {
			after = sub.ID
			if sub.Sealed.KeyID == keyID {
				u.Submissions++
			}
		}
	}
	for after := (RevisionKey{}); ; {
		batch, err := store.RevisionsSealedNotUnder(ctx, cur, after, resealBatch)
		if err != nil {
			return u, err
		}
		if len(batch) == 0 {
			break
		}
		for _, rev := range batch {
			after = RevisionKey{ID: rev.ID, Revision: rev.Revision}
			if rev.Sealed.KeyID == keyID {
				u.Revisions++
			}
		}
	}
	var err error
	if u.Facts, err = store.FactsSealedUnder(ctx, keyID); err != nil {
		return u, err
	}
	u.Webhooks, err = hooks.sealedUnder(ctx, keyID)
	return u, err
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

func (h *Hooks) sealedUnder(ctx context.Context, keyID string) (int64, error) {
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
