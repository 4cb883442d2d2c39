package survey

import (
	"context"

	"github.com/khaosat/khaosat/internal/msg"
)

// resolveDuplicate decides between a retry (identical content from the
// same collector: answer with what is stored) and a conflict.
func (s *Intake) resolveDuplicate(ctx context.Context, actor Actor, sub *Submission) (*Submission, bool, error) {
	old, err := s.store.Submission(ctx, sub.ID)
	if isNotFound(err) {
		return nil, false, errPurged() // the id is taken by a purged submission
	}
	if err != nil {
		return nil, false, err
	}
	if old.DeletedAt != nil {
		return nil, false, errDeleted()
	}
	if old.ContentHash == sub.ContentHash && old.FormID == sub.FormID && old.Collector == actor.UserID {
		return old, false, nil
	}
	e := Errorf(CodeConflict, msg.DuplicateID)
	e.Fields = []FieldError{fieldErr("/id", "duplicate_id", msg.DuplicateIDField)}
	return nil, false, e
}
