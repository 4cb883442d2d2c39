// Package protect is the answer protection: the answers of x-sensitive
// fields sealed at rest under the data key ring (padded so that a box's
// size says nothing more than the clear answers), opened for the domain,
// kept through the edits of those who may not see them (withheld answers),
// sealed where they were stored in clear, and moved to a new key (resealing,
// and what a key still seals). It imports survey; survey never imports it:
// intake is built with its Answers as the survey.AnswerSealer.
package protect

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/khaosat/khaosat/internal/survey"

	"github.com/khaosat/khaosat/internal/schema"
)

// Answers is the answer protection: it seals and opens the answers of
// x-sensitive fields under the data key ring (the survey.AnswerSealer
// intake is built with), keeps the answers an editor may not see through
// an edit (KeepWithheld), and runs the jobs over what is stored: sealing
// answers stored in clear (SealStored), moving boxes to the current key
// (Reseal), counting what a key still seals (KeyUse).
type Answers struct {
	sealer  survey.Sealer
	catalog *survey.Catalog
}

// New returns the answer protection over the data key ring sealer; the
// catalog says which fields each form version seals.
func New(sealer survey.Sealer, catalog *survey.Catalog) *Answers {
	return &Answers{sealer: sealer, catalog: catalog}
}

func sensitive(f *schema.Field) bool { return f.Sensitive }

func sealAAD(sub *survey.Submission) []byte {
	return []byte("khaosat submission\x00" + sub.FormID + "\x00" + sub.ID)
}

// SealForStore returns the copy of sub that is written to the database:
// the answers of x-sensitive fields taken out of Data and sealed. sub
// itself keeps its plaintext, for whatever the caller does next in memory.
// Every write of a submission's answers goes through it.
func (s *Answers) SealForStore(sf *schema.Form, sub *survey.Submission) (*survey.Submission, error) {
	out := *sub
	rest, removed := sf.Strip(sub.Data, sensitive)
	out.Data, out.Sealed = rest, nil
	bound := boundOf(sf, sub.Data)
	if bound.n == 0 {
		return &out, nil // no sealed field at this structure: visible in clear
	}
	// A box even when no sealed field is answered: whether there is one
	// would tell as much as its size.
	vals := make(map[string]any, len(removed))
	if len(removed) > 0 {
		api := sf.FromStorage(sub.Data)
		for _, p := range removed {
			v, ok := schema.GetPointer(api, p)
			if !ok {
				return nil, fmt.Errorf("seal answers: %s vanished", p)
			}
			vals[p] = v
		}
	}
	pt, err := json.Marshal(vals)
	if err != nil {
		return nil, fmt.Errorf("seal answers: %w", err)
	}
	kid, box, err := s.sealer.Seal(pad(pt, bound), sealAAD(sub))
	if err != nil {
		return nil, fmt.Errorf("seal answers: %w", err)
	}
	out.Sealed = &survey.SealedAnswers{KeyID: kid, Box: box}
	return &out, nil
}

// BoxAnswers returns all of sub's answers in storage form, sealed ones
// decrypted, without any check or audit (see survey's fullAnswers), with
// the length of the box's plaintext (0 without a box): what tells whether
// it is padded as the rule says now.
func (s *Answers) BoxAnswers(sf *schema.Form, sub *survey.Submission) (map[string]any, int, error) {
	if sub.Sealed == nil {
		return sub.Data, 0, nil
	}
	vals, n, err := s.OpenSealed(sub)
	if err != nil {
		return nil, 0, err
	}
	api := sf.FromStorage(sub.Data)
	for _, a := range vals {
		if err := schema.SetPointer(api, a.Pointer, a.Value); err != nil {
			return nil, 0, fmt.Errorf("open answers of %s: %w", sub.ID, err)
		}
	}
	return sf.ToStorage(api), n, nil
}

// OpenSealed opens sub's box: its answers, and its plaintext's length
// with the padding.
func (s *Answers) OpenSealed(sub *survey.Submission) ([]survey.SealedAnswer, int, error) {
	pt, err := s.sealer.Open(sub.Sealed.KeyID, sub.Sealed.Box, sealAAD(sub))
	if err != nil {
		return nil, 0, fmt.Errorf("open answers of %s: %w", sub.ID, err)
	}
	vals, err := decodeSealed(unpad(pt))
	if err != nil {
		return nil, 0, fmt.Errorf("open answers of %s: %w", sub.ID, err)
	}
	return vals, len(pt), nil
}

// SealedStore is what re-encryption under a new data key needs.
type SealedStore interface {
	// SealedNotUnder returns up to limit submissions with sealed answers
	// whose key is not keyID, in id order after the id after.
	SealedNotUnder(ctx context.Context, keyID, after string, limit int) ([]*survey.Submission, error)
	// ReplaceSealed swaps a submission's sealed answers, only if they are
	// still old (so that a concurrent edit is never overwritten);
	// ErrNotFound otherwise.
	ReplaceSealed(ctx context.Context, id string, old, new *survey.SealedAnswers) error
	// RevisionsSealedNotUnder returns up to limit kept revisions (history)
	// with sealed answers whose key is not keyID, in (submission id,
	// revision) order after after.
	RevisionsSealedNotUnder(ctx context.Context, keyID string, after RevisionKey, limit int) ([]*survey.Submission, error)
	// ResealRevision is StoredSealStore's: it stores next's answers in the
	// kept revision next.Revision of submission next.ID, only if its
	// sealed answers still are cur's; ErrNotFound otherwise.
	ResealRevision(ctx context.Context, cur, next *survey.Submission) error
}

// ResealCount is how many sealed answers Reseal re-encrypted: of current
// submissions and of the revisions kept in their history.
type ResealCount struct {
	Submissions, Revisions int
}

// resealBatch is how many submissions or revisions one read of Reseal
// returns.
const resealBatch = 200

// Reseal re-encrypts the sealed answers of every submission, and of every
// revision kept in history, under the current data key, so that an old key
// can leave the ring once it has run. Each write is a compare-and-set on
// the box it read: a concurrent edit (which seals under the current key
// itself) or another rotation is never overwritten. It is idempotent and
// may be interrupted and run again: what is under the current key is not
// read again. progress is called after each batch with the count so far.
func (s *Answers) Reseal(ctx context.Context, store SealedStore, progress func(ResealCount)) (ResealCount, error) {
	var n ResealCount
	cur, after := s.sealer.CurrentKeyID(), ""
	for {
		batch, err := store.SealedNotUnder(ctx, cur, after, resealBatch)
		if err != nil || len(batch) == 0 {
			if err != nil {
				return n, err
			}
			break
		}
		for _, sub := range batch {
			after = sub.ID
			box, err := s.Rekeyed(sub)
			if err != nil {
				return n, err
			}
			err = store.ReplaceSealed(ctx, sub.ID, sub.Sealed, box)
			if err != nil && !isNotFound(err) { // not found: changed meanwhile, by a write under the current key
				return n, err
			}
			n.Submissions++
		}
		if progress != nil {
			progress(n)
		}
	}
	for after := (RevisionKey{}); ; {
		batch, err := store.RevisionsSealedNotUnder(ctx, cur, after, resealBatch)
		if err != nil {
			return n, err
		}
		if len(batch) == 0 {
			return n, nil
		}
		for _, rev := range batch {
			after = RevisionKey{ID: rev.ID, Revision: rev.Revision}
			box, err := s.Rekeyed(rev)
			if err != nil {
				return n, err
			}
			next := *rev
			next.Sealed = box
			err = store.ResealRevision(ctx, rev, &next)
			if err != nil && !isNotFound(err) { // not found: another rotation got there first
				return n, err
			}
			n.Revisions++
		}
		if progress != nil {
			progress(n)
		}
	}
}

// Rekeyed returns sub's sealed answers sealed again under the current key.
func (s *Answers) Rekeyed(sub *survey.Submission) (*survey.SealedAnswers, error) {
	pt, err := s.sealer.Open(sub.Sealed.KeyID, sub.Sealed.Box, sealAAD(sub))
	if err != nil {
		return nil, fmt.Errorf("open answers of %s (revision %d): %w", sub.ID, sub.Revision, err)
	}
	kid, box, err := s.sealer.Seal(pt, sealAAD(sub))
	if err != nil {
		return nil, err
	}
	return &survey.SealedAnswers{KeyID: kid, Box: box}, nil
}
