package protect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/khaosat/khaosat/internal/survey"
	"sort"
	"strings"
	"sync"
)

// Sealing answers already stored.
//
// When a published version marks a field sensitive, every version of the
// form seals it from then on (Catalog.Compiled), but the submissions stored
// before, and the revisions kept in their history, still hold its answers
// in clear. SealStored finds them and seals them: one submission (or kept
// revision) per write, each a compare-and-set on what was read, so that
//
//   - a concurrent edit or review is never overwritten: the write matches
//     only the revision and the sealed answers it read; if they changed,
//     the submission is read again and looked at anew (a change written
//     meanwhile was sealed by its writer, which seals by the same rule);
//   - it can be interrupted anywhere and run again: a stored answer is
//     either still in clear (and sealed by the next run) or already sealed
//     (and left alone), so a rerun ends in the same state, seals nothing
//     twice and loses nothing.
//
// Sealing changes how answers are stored, not what they are: the revision,
// the content hash, the review state and the change feed stay as they are.
// A phone holding revision n still edits it with If-Match n, and nothing it
// syncs says the submission changed, since no answer did.

// StoredSealStore is what sealing stored answers needs.
type StoredSealStore interface {
	// Forms lists every form.
	Forms(ctx context.Context) ([]*survey.Form, error)
	// Submission finds a submission by id, deleted or not.
	Submission(ctx context.Context, id string) (*survey.Submission, error)
	// SubmissionsAfter returns up to limit submissions of form, deleted
	// ones too, in id order after the id after.
	SubmissionsAfter(ctx context.Context, form, after string, limit int) ([]*survey.Submission, error)
	// RevisionsAfter returns up to limit kept revisions (history) of the
	// submissions of form, in (id, revision) order after after.
	RevisionsAfter(ctx context.Context, form string, after RevisionKey, limit int) ([]*survey.Submission, error)
	// ResealAnswers stores next's Data and Sealed as the answers of
	// submission next.ID, only if it still has cur's revision and cur's
	// sealed answers (none when cur.Sealed is nil); ErrNotFound otherwise.
	// Nothing else of the submission changes and no event is written.
	ResealAnswers(ctx context.Context, cur, next *survey.Submission) error
	// ResealRevision does the same for the kept revision next.Revision of
	// submission next.ID.
	ResealRevision(ctx context.Context, cur, next *survey.Submission) error
	// Meta returns the value recorded under key, or "".
	Meta(ctx context.Context, key string) (string, error)
	// SetMeta records value under key.
	SetMeta(ctx context.Context, key, value string) error
}

// RevisionKey is a position in the (submission id, revision) order.
type RevisionKey struct {
	ID       string
	Revision int
}

// SealProgress is how far SealStored has come with one form.
type SealProgress struct {
	Form string
	// Scanned and Sealed count submissions; RevisionsScanned and
	// RevisionsSealed count kept revisions.
	Scanned, Sealed                   int
	RevisionsScanned, RevisionsSealed int
	// Busy counts those that kept changing under the sealer (each
	// compare-and-set failed sealBusyAttempts times); a later run
	// seals them.
	Busy int
	// Done is whether the form has been gone through entirely.
	Done bool
}

const (
	// sealBatch is how many submissions one read of the sealer returns.
	sealBatch = 200
	// sealBusyAttempts is how often the sealer reads a submission again
	// after its compare-and-set found it changed.
	sealBusyAttempts = 5
	// metaSealedPrefix + form id keys the hash of the sealed paths (and
	// of sealFormat) that the form's stored answers were last sealed by,
	// entirely.
	metaSealedPrefix = "sealed_paths:"
)

// SealAllStored runs SealStored for every form whose sealed paths changed
// since its stored answers were last sealed entirely, or, with force, for
// every form. The server runs it in the background at start (it only
// reads, then writes what needs it); `khaosat seal` runs it with force.
func (s *Answers) SealAllStored(ctx context.Context, store StoredSealStore, force bool, progress func(SealProgress)) ([]SealProgress, error) {
	forms, err := store.Forms(ctx)
	if err != nil {
		return nil, err
	}
	var out []SealProgress
	for _, f := range forms {
		if f.CurrentVersion == 0 {
			continue
		}
		paths, err := s.catalog.SealedPaths(ctx, f.ID)
		if err != nil {
			return out, err
		}
		hash := pathsHash(paths)
		if !force {
			done, err := store.Meta(ctx, metaSealedPrefix+f.ID)
			if err != nil {
				return out, err
			}
			if done == hash {
				continue
			}
		}
		p, err := s.SealStored(ctx, store, f.ID, progress)
		out = append(out, p)
		if err != nil {
			return out, err
		}
		if p.Busy == 0 {
			if err := store.SetMeta(ctx, metaSealedPrefix+f.ID, hash); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// pathsHash identifies a set of sealed paths.
func pathsHash(paths map[string]bool) string {
	list := make([]string, 0, len(paths))
	for p := range paths {
		list = append(list, p)
	}
	sort.Strings(list)
	// With the rule boxes are padded by, so that a new rule makes the
	// next start store every box again.
	sum := sha256.Sum256([]byte(sealFormat + "\n" + strings.Join(list, "\n")))
	return hex.EncodeToString(sum[:])
}

// SealStored seals the answers of form's stored submissions and kept
// revisions that the form seals (Catalog.SealedPaths) and that are still
// in clear. progress, if not nil, is called after each batch. Each batch's
// writes are kept in flight together (sealWorkers), so that an engine that
// commits concurrent writes together (the embedded one) does.
func (s *Answers) SealStored(ctx context.Context, store StoredSealStore, form string, progress func(SealProgress)) (SealProgress, error) {
	p := SealProgress{Form: form}
	var mu sync.Mutex // guards p while a batch is in flight
	report := func() {
		if progress != nil {
			progress(p)
		}
	}
	for after := ""; ; {
		batch, err := store.SubmissionsAfter(ctx, form, after, sealBatch)
		if err != nil {
			return p, err
		}
		if len(batch) == 0 {
			break
		}
		after = batch[len(batch)-1].ID
		err = inFlight(ctx, batch, func(sub *survey.Submission) error {
			sealed, busy, err := s.sealSubmission(ctx, store, sub)
			mu.Lock()
			defer mu.Unlock()
			p.Scanned++
			p.Sealed += b2i(sealed)
			p.Busy += b2i(busy)
			return err
		})
		if err != nil {
			return p, err
		}
		report()
	}
	for after := (RevisionKey{}); ; {
		batch, err := store.RevisionsAfter(ctx, form, after, sealBatch)
		if err != nil {
			return p, err
		}
		if len(batch) == 0 {
			break
		}
		last := batch[len(batch)-1]
		after = RevisionKey{ID: last.ID, Revision: last.Revision}
		err = inFlight(ctx, batch, func(rev *survey.Submission) error {
			sealed, err := s.sealRevision(ctx, store, rev)
			mu.Lock()
			defer mu.Unlock()
			p.RevisionsScanned++
			p.RevisionsSealed += b2i(sealed)
			return err
		})
		if err != nil {
			return p, err
		}
		report()
	}
	p.Done = true
	report()
	return p, nil
}

// sealWorkers is how many writes of the sweep are in flight at once.
const sealWorkers = 16

// inFlight calls fn for every submission of batch, sealWorkers at a time,
// and returns the first error (the calls under way finish; no new one
// starts after it).
func inFlight(ctx context.Context, batch []*survey.Submission, fn func(*survey.Submission) error) error {
	work := make(chan *survey.Submission)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range min(sealWorkers, len(batch)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sub := range work {
				if err := fn(sub); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, sub := range batch {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		work <- sub
	}
	close(work)
	wg.Wait()
	if first == nil {
		first = context.Cause(ctx)
	}
	return first
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sealRevision seals a kept revision's answers in clear. A kept revision
// never changes but by sealing: if the compare-and-set fails, another
// sealer got there first.
func (s *Answers) sealRevision(ctx context.Context, store StoredSealStore, rev *survey.Submission) (bool, error) {
	next, err := s.Resealed(ctx, rev)
	if err != nil || next == rev {
		return false, err
	}
	err = store.ResealRevision(ctx, rev, next)
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// sealSubmission seals sub's answers in clear, reading it again as long as
// it changes under the write. busy: it kept changing, and is left for a
// later run.
func (s *Answers) sealSubmission(ctx context.Context, store StoredSealStore, sub *survey.Submission) (sealed, busy bool, err error) {
	for attempt := 0; attempt < sealBusyAttempts; attempt++ {
		next, err := s.Resealed(ctx, sub)
		if err != nil || next == sub {
			return false, false, err
		}
		err = store.ResealAnswers(ctx, sub, next)
		if err == nil {
			return true, false, nil
		}
		if !isNotFound(err) {
			return false, false, err
		}
		sub, err = store.Submission(ctx, sub.ID)
		if isNotFound(err) {
			return false, false, nil // purged meanwhile
		}
		if err != nil {
			return false, false, err
		}
	}
	return false, true, nil
}

// Resealed returns sub as it is to be stored now: the answers its form
// seals (in any version) taken out of Data and sealed together with those
// sealed already, padded by the rule of now (sealpad.go). It returns sub
// itself when none of them is in clear and its box is padded so (which
// takes opening the box).
// Every write of a stored submission's answers (the current state of a
// review or a deletion, the revision an edit keeps in history) goes through
// it, so that a submission read before its answers were sealed is never
// written back with them in clear.
func (s *Answers) Resealed(ctx context.Context, sub *survey.Submission) (*survey.Submission, error) {
	sf, err := s.catalog.Compiled(ctx, sub.FormID, sub.FormVersion)
	if err != nil {
		return nil, err
	}
	_, clear := sf.Strip(sub.Data, sensitive)
	if len(clear) == 0 && boundOf(sf, sub.Data).n == 0 && sub.Sealed == nil {
		return sub, nil // nothing sealed at this structure
	}
	all, n, err := s.BoxAnswers(sf, sub)
	if err != nil {
		return nil, err
	}
	if len(clear) == 0 && sub.Sealed != nil && n == boundOf(sf, all).target() {
		return sub, nil // sealed, and padded by the rule of now
	}
	plain := *sub
	plain.Data, plain.Sealed = all, nil
	out, err := s.SealForStore(sf, &plain)
	if err != nil {
		return nil, fmt.Errorf("seal the answers of %s: %w", sub.ID, err)
	}
	return out, nil
}
