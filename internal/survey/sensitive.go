package survey

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/khaosat/khaosat/internal/schema"
)

// The answers of x-sensitive fields as the core sees them: sealed at rest
// by the answer protection (internal/protect) intake is built with, opened
// for a view after the read is audited.

// Sealer encrypts answers at rest under a ring of data keys
// (internal/seal implements it with AES-256-GCM). aad binds a box to its
// submission, so a box copied into another record does not open.
type Sealer interface {
	CurrentKeyID() string
	Seal(plaintext, aad []byte) (keyID string, box []byte, err error)
	Open(keyID string, box, aad []byte) ([]byte, error)
}

// SealedAnswers is the encrypted part of a submission's answers: the
// answers of every x-sensitive field (every field of an x-sensitive-form
// form), as JSON {json-pointer: API value} padded to a length that says
// nothing more than the clear answers (see internal/protect/sealpad.go),
// sealed under the data key KeyID. Nothing about them (not even which sensitive fields
// were answered, which could tell an HIV status through a conditional
// question) is stored in the clear.
type SealedAnswers struct {
	KeyID string
	Box   []byte
}

// SealedAnswer is one answer of a sealed box: its instance pointer and its
// value as encoding/json decodes it with UseNumber.
type SealedAnswer struct {
	Pointer string
	Value   any
}

// AnswerSealer seals and opens the answers of x-sensitive fields at rest;
// the answer protection (internal/protect) provides it over the data key
// ring. Every write of a submission's answers goes through SealForStore
// (a new state) or Resealed (a stored one), every read of them through
// OpenSealed or BoxAnswers.
type AnswerSealer interface {
	// SealForStore returns the copy of sub that is written to the
	// database: the answers of x-sensitive fields taken out of Data and
	// sealed. sub itself keeps its plaintext.
	SealForStore(sf *schema.Form, sub *Submission) (*Submission, error)
	// Resealed returns a stored sub as it is to be stored now: every
	// answer its form seals sealed, padded by the rule of now; sub itself
	// when it already is.
	Resealed(ctx context.Context, sub *Submission) (*Submission, error)
	// Rekeyed returns sub's sealed answers sealed again under the current
	// key.
	Rekeyed(sub *Submission) (*SealedAnswers, error)
	// OpenSealed opens sub's box: its answers, and its plaintext's length
	// with the padding.
	OpenSealed(sub *Submission) ([]SealedAnswer, int, error)
	// BoxAnswers returns all of sub's answers in storage form, sealed ones
	// decrypted, with the length of the box's plaintext (0 without a box).
	BoxAnswers(sf *schema.Form, sub *Submission) (map[string]any, int, error)
	// KeepWithheld merges into env.Data the sensitive answers of cur that
	// actor may not see and left out, or refuses the edit.
	KeepWithheld(ctx context.Context, actor Actor, cur *Submission, env *Envelope) error
}

// Protection is what Intake needs to keep answers safe at rest.
type Protection struct {
	// Sealer is the data key ring: what Answers seals under, and what
	// seals the webhook secrets.
	Sealer Sealer
	// Answers seals and opens the answers of x-sensitive fields
	// (internal/protect, over Sealer).
	Answers AnswerSealer
	// HashKey keys the HMAC that identifies a submission's content for
	// retry detection; without a key the hash of a guessable answer would
	// be an oracle for it.
	HashKey []byte
	// Audit records every read of sealed answers (who, which submission).
	Audit *Auditor
}

func (p Protection) check() error {
	if p.Sealer == nil || p.Answers == nil || len(p.HashKey) < 32 || p.Audit == nil {
		return errors.New("intake: a data key ring, the sealing of answers over it, a content hash key of at least 32 bytes and an auditor are required")
	}
	return nil
}

func sensitive(f *schema.Field) bool { return f.Sensitive }

// recordSensitiveRead records that actor reads sub's sealed answers: in
// the audit log, or in the count of the export the read is part of.
func (s *Intake) recordSensitiveRead(ctx context.Context, actor Actor, sub *Submission) error {
	if n, ok := ctx.Value(exportReadsKey{}).(*atomic.Int64); ok {
		n.Add(1) // the export's own audit entry counts these reads
	} else if done, _ := ctx.Value(auditedReadsKey{}).(map[string]bool); !done[sub.ID] {
		if err := s.prot.Audit.Record(ctx, actor, AuditReadSensitive, sub.ID, map[string]any{"form": sub.FormID}); err != nil {
			return err
		}
	}
	return nil
}

// openView returns all of sub's answers in API form, the sealed ones put
// back in place, after recording the read: what View gives a caller
// allowed to see sensitive answers. Only the opened values are converted
// (each by its own field): taking the whole document to storage form and
// back, as fullAnswers does, normalised every text again and was most of
// the cost of exporting a form with sensitive answers.
//
// With owned, sub.Data is converted in place (see schema's
// FromStorageInPlace) and must not be used again.
func (s *Intake) openView(ctx context.Context, actor Actor, sf *schema.Form, sub *Submission, owned bool) (map[string]any, error) {
	api := fromStorage(sf, sub.Data, owned)
	if sub.Sealed == nil {
		return api, nil
	}
	if err := s.recordSensitiveRead(ctx, actor, sub); err != nil {
		return nil, err
	}
	vals, _, err := s.prot.Answers.OpenSealed(sub)
	if err != nil {
		return nil, err
	}
	for _, a := range vals {
		if err := schema.SetPointer(api, a.Pointer, sf.FromStorageAt(a.Pointer, a.Value)); err != nil {
			return nil, fmt.Errorf("open answers of %s: %w", sub.ID, err)
		}
	}
	return api, nil
}

// fullAnswers returns all of sub's answers in storage form, sealed ones
// decrypted, without any check or audit: only for derivations that stay
// inside the domain (indicator facts, edits), never for a response or an
// export, which go through View (openView).
func (s *Intake) fullAnswers(sf *schema.Form, sub *Submission) (map[string]any, error) {
	data, _, err := s.prot.Answers.BoxAnswers(sf, sub)
	return data, err
}

type auditedReadsKey struct{}

// exportReadsKey marks the reads of an export job: instead of one audit
// entry per submission (a write each, which made exports of sensitive
// forms crawl), the job counts them and records the count in its one
// export entry, with the filters that say which submissions they were.
type exportReadsKey struct{}

// AuditPage records in one audit entry that the actor is about to read
// the sealed answers of those of subs it may see (one entry per page of a
// listing or an export instead of one per submission), and returns a
// context under which View does not record them again.
func (s *Intake) AuditPage(ctx context.Context, actor Actor, subs []*Submission) (context.Context, error) {
	if !actor.SeesSensitive() {
		return ctx, nil
	}
	done := map[string]bool{}
	var ids []string
	form := ""
	for _, sub := range subs {
		if sub.Sealed != nil {
			done[sub.ID] = true
			ids = append(ids, sub.ID)
			form = sub.FormID
		}
	}
	if len(ids) == 0 {
		return ctx, nil
	}
	target := ids[0]
	if len(ids) > 1 {
		target = form
	}
	if err := s.prot.Audit.Record(ctx, actor, AuditReadSensitive, target, map[string]any{"form": form, "submissions": ids}); err != nil {
		return nil, err
	}
	return context.WithValue(ctx, auditedReadsKey{}, done), nil
}

// SameSealed reports whether a and b are the same sealed answers (both
// none, or the same key and box): what a store's compare-and-set on
// sealed answers compares.
func SameSealed(a, b *SealedAnswers) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.KeyID == b.KeyID && bytes.Equal(a.Box, b.Box)
}
