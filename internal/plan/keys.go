package plan

import (
	"context"
	"errors"
	"fmt"

	"github.com/khaosat/khaosat/internal/survey"
)

// Frozen figures are sealed under the data keys like the answers: a key
// rotation seals them again under the new key (the figures and their
// hash unchanged), and a key leaves the ring only once no frozen version
// is sealed under it.

// SealedUnder counts the frozen versions sealed under keyID.
func (s *Service) SealedUnder(ctx context.Context, keyID string) (int64, error) {
	ids, err := s.store.ReportIDs(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, id := range ids {
		r, err := s.store.Report(ctx, id)
		if err != nil {
			return n, err
		}
		for _, f := range r.Versions {
			if f.KeyID == keyID {
				n++
			}
		}
	}
	return n, nil
}

// Reseal seals every frozen version that is not under the current key
// again under it, and returns how many it sealed. Run again after an
// interruption, it goes on where it stopped.
func (s *Service) Reseal(ctx context.Context) (int, error) {
	if s.sealer == nil {
		return 0, errors.New("reseal reports: no data key")
	}
	ids, err := s.store.ReportIDs(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		for attempt := 0; ; attempt++ {
			k, err := s.resealOne(ctx, id)
			if errors.Is(err, survey.ErrNotFound) && attempt < 3 {
				continue // a transition came in between: read it again
			}
			if err != nil {
				return n, err
			}
			n += k
			break
		}
	}
	return n, nil
}

func (s *Service) resealOne(ctx context.Context, id string) (int, error) {
	r, err := s.store.Report(ctx, id)
	if err != nil {
		return 0, err
	}
	cur := s.sealer.CurrentKeyID()
	next := *r
	next.Versions = append([]Frozen(nil), r.Versions...)
	k := 0
	for i := range next.Versions {
		f := &next.Versions[i]
		if f.KeyID == cur {
			continue
		}
		pt, err := s.sealer.Open(f.KeyID, f.Box, reportAAD(r.ID, f.Version))
		if err != nil {
			return 0, fmt.Errorf("reseal report %s v%d: %w", r.ID, f.Version, err)
		}
		if f.KeyID, f.Box, err = s.sealer.Seal(pt, reportAAD(r.ID, f.Version)); err != nil {
			return 0, fmt.Errorf("reseal report %s v%d: %w", r.ID, f.Version, err)
		}
		k++
	}
	if k == 0 {
		return 0, nil
	}
	return k, s.store.UpdateReport(ctx, &next, r.Rev, nil)
}
