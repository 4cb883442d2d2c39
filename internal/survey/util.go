package survey

import (
	"errors"
	"strconv"
)

func isNotFound(err error) bool  { return errors.Is(err, ErrNotFound) }
func isDuplicate(err error) bool { return errors.Is(err, ErrDuplicate) }

func itoa(i int) string { return strconv.Itoa(i) }
