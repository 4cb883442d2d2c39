// Package app is the wiring written once: it opens the storage engine
// (SQLite in the data directory unless a MongoDB URI is given), guards
// the data directory with an exclusive lock, and builds the domain
// services over the store. `serve` and every command-line verb use it.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/mongo"
	"github.com/khaosat/khaosat/internal/protect"
	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/survey"
)

// Store is everything the services need of a database; internal/sqlite
// and internal/mongo both provide it.
type Store interface {
	survey.Store
	indicator.FactsStore
	account.UserStore
	account.SessionStore
	protect.SealedStore
	protect.StoredSealStore
	protect.SealedFactsCounter
}

// Access is how a process uses the embedded database.
type Access int

const (
	// Exclusive is the server's and the maintenance verbs' access: the
	// data directory's lock is taken, and a directory in use is refused.
	Exclusive Access = iota
	// Alongside is for verbs that read (export, the indicator table): they
	// take the lock when the directory is free, and otherwise open the
	// database beside the running server (SQLite coordinates the two
	// processes; such a verb writes only its audit entries).
	Alongside
)

// Options say which engine to open.
type Options struct {
	DataDir    string
	MongoDBURI string // empty: the embedded SQLite database in DataDir
	Database   string // MongoDB database name
	Access     Access
}

// DB is an open store and what must be released with it.
type DB struct {
	Store Store
	// Embedded is the SQLite store when the embedded engine is used.
	Embedded *sqlite.Store
	lock     *os.File
	close    func() error
}

// Close closes the store and releases the data directory.
func (d *DB) Close() error {
	err := d.close()
	if d.lock != nil {
		d.lock.Close() // closing the file releases the lock
	}
	return err
}

// LockFile is the data directory's lock file.
const LockFile = "khaosat.lock"

// ErrInUse is returned when another process holds the data directory.
var ErrInUse = errors.New("data directory in use")

// InUseError names the directory in use and what to do.
type InUseError struct{ Dir string }

func (e *InUseError) Error() string {
	return fmt.Sprintf("the data directory %s is in use by another khaosat process (a running server, or a command such as keys rotate); "+
		"stop it first, or give another --data-dir. Nothing was changed", e.Dir)
}

func (e *InUseError) Unwrap() error { return ErrInUse }

// Open opens the engine o names. With the embedded engine it refuses a
// data directory of the earlier FerretDB engine, and takes the data
// directory's lock as o.Access says.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.MongoDBURI != "" {
		st, err := mongo.Connect(ctx, o.MongoDBURI, o.Database)
		if err != nil {
			return nil, err
		}
		if err := st.EnsureIndexes(ctx); err != nil {
			_ = st.Close(context.Background())
			return nil, err
		}
		return &DB{Store: st, close: func() error {
			cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return st.Close(cctx)
		}}, nil
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if err := RefuseFerretDB(o.DataDir); err != nil {
		return nil, err
	}
	lock, err := lockDir(o.DataDir)
	if err != nil {
		if !errors.Is(err, ErrInUse) || o.Access != Alongside {
			return nil, err
		}
		lock = nil // beside the running server
	}
	file := filepath.Join(o.DataDir, sqlite.FileName)
	var st *sqlite.Store
	if lock != nil {
		st, err = sqlite.Open(ctx, file, sqlite.ReadingBSON(mongo.PlainDocument))
	} else {
		st, err = sqlite.OpenAlongside(ctx, file)
	}
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, err
	}
	return &DB{Store: st, Embedded: st, lock: lock, close: st.Close}, nil
}

// lockDir takes the exclusive lock of the data directory without
// waiting. The lock is the kernel's (flock): it goes with the process, so
// a killed server leaves nothing to clean up.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			abs, _ := filepath.Abs(dir)
			return nil, &InUseError{Dir: abs}
		}
		return nil, fmt.Errorf("lock the data directory: %w", err)
	}
	return f, nil
}

// RefuseFerretDB fails when dir holds the database of the earlier
// embedded engine (FerretDB on SQLite: a "db" directory with one
// <database>.sqlite file per database, and its socket). That format is
// not read by this version; nothing in the directory is touched.
func RefuseFerretDB(dir string) error {
	old := filepath.Join(dir, "db")
	matches, _ := filepath.Glob(filepath.Join(old, "*.sqlite"))
	if len(matches) == 0 {
		if _, err := os.Stat(filepath.Join(old, "mongodb.sock")); err != nil {
			return nil
		}
	}
	abs, _ := filepath.Abs(dir)
	return fmt.Errorf("the data directory %s holds a database of the earlier embedded engine (FerretDB, in %s); "+
		"this version keeps its data in %s and does not read that format. Nothing was changed: "+
		"move %s away (or give another --data-dir) to start with an empty database",
		abs, filepath.Join(abs, "db"), filepath.Join(abs, sqlite.FileName), filepath.Join(abs, "db"))
}
