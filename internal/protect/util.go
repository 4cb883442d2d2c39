package protect

import (
	"errors"

	"github.com/khaosat/khaosat/internal/survey"
)

func isNotFound(err error) bool { return errors.Is(err, survey.ErrNotFound) }
