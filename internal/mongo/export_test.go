package mongo

import (
	"context"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// ReserveSeq takes an event number and never uses it, as a writer that
// died would.
func (s *Store) ReserveSeq(ctx context.Context) (int64, error) {
	return s.reserveSeq(ctx, &survey.Event{})
}

// SetSettle shortens the wait for a missing event number.
func (s *Store) SetSettle(d time.Duration) { s.settle = d }
