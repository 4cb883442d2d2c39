package account

import (
	"errors"
	"strconv"

	"github.com/khaosat/khaosat/internal/survey"
)

func isNotFound(err error) bool  { return errors.Is(err, survey.ErrNotFound) }
func isDuplicate(err error) bool { return errors.Is(err, survey.ErrDuplicate) }

func itoa(i int) string { return strconv.Itoa(i) }
