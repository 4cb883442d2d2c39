package protect

import (
	"context"
	"github.com/khaosat/khaosat/internal/survey"
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
func (s *Answers) KeyUse(ctx context.Context, store KeyUseStore, hooks *survey.Hooks, keyID string) (KeyUse, error) {
	var u KeyUse
	cur := s.sealer.CurrentKeyID()
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
	u.Webhooks, err = hooks.SealedUnder(ctx, keyID)
	return u, err
}
