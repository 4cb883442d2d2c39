package sqlite

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// observer holds the survey.StoreObserver told of database operations.
type observer struct {
	o atomic.Pointer[survey.StoreObserver]
}

// SetObserver makes the store report its operations to o: each write as
// "write" (queueing and group commit included), each transaction as
// "commit", and reads by their operation name. Not found and duplicate
// are answers, not errors, and are not counted as errors.
func (s *Store) SetObserver(o survey.StoreObserver) { s.obs.o.Store(&o) }

func (s *Store) observe(op string, start time.Time, err error) {
	p := s.obs.o.Load()
	if p == nil || *p == nil {
		return
	}
	if errors.Is(err, survey.ErrNotFound) || errors.Is(err, survey.ErrDuplicate) {
		err = nil
	}
	(*p).StoreOp(op, time.Since(start), err)
}
