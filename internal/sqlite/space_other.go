//go:build !linux && !darwin

package sqlite

import "errors"

// DiskFree cannot read the free space here: the guard lets writes
// through and SQLite's own full-disk error stands.
func DiskFree(string) (uint64, error) {
	return 0, errors.New("free disk space: not known on this platform")
}
