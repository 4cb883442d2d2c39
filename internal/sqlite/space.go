package sqlite

import (
	"fmt"
	"path/filepath"

	"github.com/khaosat/khaosat/internal/survey"
)

// FreeSpace reports the bytes an unprivileged process may still write on
// the filesystem holding dir. DiskFree is the real one; a test hands in
// its own to play a full disk without filling one.
type FreeSpace func(dir string) (uint64, error)

// SpaceGuard keeps a reserve of free disk space under the database: a
// write that would leave less than Reserve bytes free is refused with
// survey.ErrNoSpace before it starts, so that the disk never fills (a
// full disk fails SQLite writes halfway, and takes the logs, the backups
// and the rest of the machine with it).
type SpaceGuard struct {
	Reserve int64
	Free    FreeSpace // nil: DiskFree
}

// GuardSpace sets the guard of the writes that bring new data: new
// submissions and attachments. The others (edits, reviews, deletions,
// logins, housekeeping) are small and still go through, so that people
// can keep working and housekeeping can free space. Set it before the
// store is used.
func (s *Store) GuardSpace(g SpaceGuard) {
	if g.Free == nil {
		g.Free = DiskFree
	}
	s.guard = &g
}

// room refuses a write of about need bytes when it would leave less
// free space than the reserve. When the free space cannot be read (a
// platform without statfs) the write goes ahead: SQLite still reports a
// full disk as one (translate).
func (s *Store) room(need int64) error {
	if s.guard == nil {
		return nil
	}
	free, err := s.guard.Free(filepath.Dir(s.path))
	if err != nil {
		return nil
	}
	if int64(free) < need+s.guard.Reserve {
		return fmt.Errorf("%w: %d bytes free, %d asked for and %d kept in reserve", survey.ErrNoSpace, free, need, s.guard.Reserve)
	}
	return nil
}
