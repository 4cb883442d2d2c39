package survey

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/khaosat/khaosat/internal/schema"
)

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
// nothing more than the clear answers (see sealpad.go), sealed under the
// data key KeyID. Nothing about them (not even which sensitive fields
// were answered, which could tell an HIV status through a conditional
// question) is stored in the clear.
type SealedAnswers struct {
	KeyID string
	Box   []byte
}

// Protection is what Intake needs to keep answers safe at rest.
type Protection struct {
	// Sealer encrypts the answers of x-sensitive fields.
	Sealer Sealer
	// HashKey keys the HMAC that identifies a submission's content for
	// retry detection; without a key the hash of a guessable answer would
	// be an oracle for it.
	HashKey []byte
	// Audit records every read of sealed answers (who, which submission).
	Audit *Auditor
}

func (p Protection) check() error {
	if p.Sealer == nil || len(p.HashKey) < 32 || p.Audit == nil {
		return errors.New("intake: a data key ring, a content hash key of at least 32 bytes and an auditor are required")
	}
	return nil
}

func sensitive(f *schema.Field) bool { return f.Sensitive }

func sealAAD(sub *Submission) []byte {
	return []byte("khaosat submission\x00" + sub.FormID + "\x00" + sub.ID)
}

// sealForStore returns the copy of sub that is written to the database:
// the answers of x-sensitive fields taken out of Data and sealed. sub
// itself keeps its plaintext, for whatever the caller does next in memory.
// Every write of a submission's answers goes through it.
func (s *Intake) sealForStore(sf *schema.Form, sub *Submission) (*Submission, error) {
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
			v, ok := getPointer(api, p)
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
	kid, box, err := s.prot.Sealer.Seal(pad(pt, bound), sealAAD(sub))
	if err != nil {
		return nil, fmt.Errorf("seal answers: %w", err)
	}
	out.Sealed = &SealedAnswers{KeyID: kid, Box: box}
	return &out, nil
}

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
	vals, err := s.openSealed(sub)
	if err != nil {
		return nil, err
	}
	for _, a := range vals {
		if err := setPointer(api, a.Pointer, sf.FromStorageAt(a.Pointer, a.Value)); err != nil {
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
	data, _, err := s.boxAnswers(sf, sub)
	return data, err
}

// boxAnswers is fullAnswers, with the length of the box's plaintext (0
// without a box): what tells whether it is padded as the rule says now.
func (s *Intake) boxAnswers(sf *schema.Form, sub *Submission) (map[string]any, int, error) {
	if sub.Sealed == nil {
		return sub.Data, 0, nil
	}
	vals, n, err := s.openSealedLen(sub)
	if err != nil {
		return nil, 0, err
	}
	api := sf.FromStorage(sub.Data)
	for _, a := range vals {
		if err := setPointer(api, a.Pointer, a.Value); err != nil {
			return nil, 0, fmt.Errorf("open answers of %s: %w", sub.ID, err)
		}
	}
	return sf.ToStorage(api), n, nil
}

func (s *Intake) openSealed(sub *Submission) ([]sealedAnswer, error) {
	vals, _, err := s.openSealedLen(sub)
	return vals, err
}

// openSealedLen opens sub's box: its answers, and its plaintext's length
// with the padding.
func (s *Intake) openSealedLen(sub *Submission) ([]sealedAnswer, int, error) {
	pt, err := s.prot.Sealer.Open(sub.Sealed.KeyID, sub.Sealed.Box, sealAAD(sub))
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
	SealedNotUnder(ctx context.Context, keyID, after string, limit int) ([]*Submission, error)
	// ReplaceSealed swaps a submission's sealed answers, only if they are
	// still old (so that a concurrent edit is never overwritten);
	// ErrNotFound otherwise.
	ReplaceSealed(ctx context.Context, id string, old, new *SealedAnswers) error
	// RevisionsSealedNotUnder returns up to limit kept revisions (history)
	// with sealed answers whose key is not keyID, in (submission id,
	// revision) order after after.
	RevisionsSealedNotUnder(ctx context.Context, keyID string, after RevisionKey, limit int) ([]*Submission, error)
	// ResealRevision is StoredSealStore's: it stores next's answers in the
	// kept revision next.Revision of submission next.ID, only if its
	// sealed answers still are cur's; ErrNotFound otherwise.
	ResealRevision(ctx context.Context, cur, next *Submission) error
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
func (s *Intake) Reseal(ctx context.Context, store SealedStore, progress func(ResealCount)) (ResealCount, error) {
	var n ResealCount
	cur, after := s.prot.Sealer.CurrentKeyID(), ""
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
			box, err := s.rekeyed(sub)
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
			box, err := s.rekeyed(rev)
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

// rekeyed returns sub's sealed answers sealed again under the current key.
func (s *Intake) rekeyed(sub *Submission) (*SealedAnswers, error) {
	pt, err := s.prot.Sealer.Open(sub.Sealed.KeyID, sub.Sealed.Box, sealAAD(sub))
	if err != nil {
		return nil, fmt.Errorf("open answers of %s (revision %d): %w", sub.ID, sub.Revision, err)
	}
	kid, box, err := s.prot.Sealer.Seal(pt, sealAAD(sub))
	if err != nil {
		return nil, err
	}
	return &SealedAnswers{KeyID: kid, Box: box}, nil
}

// sensitivePaths lists the JSON pointers of every x-sensitive field the
// form has at the places data's structure has (each item of a repeat),
// whether or not it was answered: what a caller without the right is told
// is withheld depends on the form, never on the answers.
func sensitivePaths(fields []*schema.Field, obj map[string]any, path string, out *[]string) {
	for _, f := range fields {
		p := path + "/" + escapeToken(f.Name)
		switch {
		case f.Sensitive:
			*out = append(*out, p)
		case f.Kind == schema.KindObject:
			if m, ok := obj[f.Name].(map[string]any); ok {
				sensitivePaths(f.Fields, m, p, out)
			}
		case f.Kind == schema.KindRepeat:
			items, _ := obj[f.Name].([]any)
			for i, it := range items {
				if m, ok := it.(map[string]any); ok {
					sensitivePaths(f.Fields, m, p+"/"+strconv.Itoa(i), out)
				}
			}
		}
	}
}

func escapeToken(t string) string {
	return strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
}

func unescapeToken(t string) string {
	if strings.IndexByte(t, '~') < 0 { // almost always: no search for each escape
		return t
	}
	return strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
}

// walkPointer finds the container holding the last token of pointer p.
func walkPointer(doc map[string]any, p string) (any, string, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, "", fmt.Errorf("bad pointer %q", p)
	}
	var cur any = doc
	rest := p[1:]
	for {
		t, after, more := strings.Cut(rest, "/")
		if !more {
			return cur, unescapeToken(t), nil
		}
		rest = after
		t = unescapeToken(t)
		switch c := cur.(type) {
		case map[string]any:
			cur = c[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(c) {
				return nil, "", fmt.Errorf("pointer %q: no item %s", p, t)
			}
			cur = c[i]
		default:
			return nil, "", fmt.Errorf("pointer %q: no container at %s", p, t)
		}
	}
}

func getPointer(doc map[string]any, p string) (any, bool) {
	c, last, err := walkPointer(doc, p)
	if err != nil {
		return nil, false
	}
	m, ok := c.(map[string]any)
	if !ok {
		return nil, false
	}
	v, ok := m[last]
	return v, ok
}

func setPointer(doc map[string]any, p string, v any) error {
	c, last, err := walkPointer(doc, p)
	if err != nil {
		return err
	}
	m, ok := c.(map[string]any)
	if !ok {
		return fmt.Errorf("pointer %q: the parent is not an object", p)
	}
	m[last] = v
	return nil
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
