// Package sqlite implements the survey stores on an embedded SQLite
// database (modernc.org/sqlite, pure Go): the default when no MongoDB is
// configured. One file, WAL with synchronous=FULL (an acknowledged write
// survives a power cut), one writer connection that commits concurrent
// writes together (group commit), and a pool of read-only connections.
// Every change of a submission is one transaction: the submission, its
// history copy, its change event (numbered in the same transaction) and
// its indicator facts commit together or not at all.
//
// Driver errors are translated here: no rows → survey.ErrNotFound, a
// unique constraint → survey.ErrDuplicate.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/registry"
	"github.com/khaosat/khaosat/internal/survey"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file inside the data directory.
const FileName = "khaosat.db"

// Store is the embedded database of one khaosat server.
type Store struct {
	path string
	w    *sql.DB // exactly one connection: the writer
	r    *sql.DB // read-only connections of short reads
	// scans are the read-only connections of long scans (exports,
	// rebuilds), a pool of their own: a scan holds its connection while
	// its caller works on each row, and that work may read (on r). Were
	// both in one pool, a few scans could hold every connection while
	// their rows waited for one: the server stopped. Apart, scans only
	// ever wait for scans, and logins, reads and intake keep r.
	scans *sql.DB
	// pace is the CPU the scans share while the store takes writes: a
	// scan works a batch at a time holding one of its slots. See pace.
	pace      chan struct{}
	lastWrite atomic.Int64 // unix nanoseconds of the latest write queued
	queue     chan *writeReq
	stop      chan struct{}
	done      chan struct{}
	once      sync.Once
	owner     bool // this process holds the data directory: it checkpoints on close
	obs       observer
	// stmts are the writer's prepared statements by SQL text; only the
	// writer goroutine touches them.
	stmts      map[string]*sql.Stmt
	unprepared map[string]bool
	// factsVersion counts the commits that changed indicator facts.
	factsVersion atomic.Uint64
	// changes logs where each of those commits changed facts.
	changes factChanges
	// sealer seals the indicator facts kept out of clear (UseFactSealer).
	sealer indicator.FactSealer
	// guard keeps free disk space under the database (GuardSpace).
	guard *SpaceGuard
	// linker links communes for the registry's duplicates (UseLinker).
	linker *registry.Linker
}

func dsn(file string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(0)")
	// Savepoint journals in memory, not in temporary files.
	q.Add("_pragma", "temp_store(2)")
	if readOnly {
		q.Add("mode", "ro")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_txlock", "immediate")
		// Deleted content is overwritten with zeros, in the pages it
		// leaves and in pages set free: a purged submission, or the clear
		// facts tables migration 0004 drops, are not left readable in
		// the file. It costs writes only where pages are freed (purges,
		// deletes), not in intake, which inserts and rewrites rows in place.
		q.Add("_pragma", "secure_delete(1)")
	}
	return "file:" + file + "?" + q.Encode()
}

// Open opens (creating it if needed) the database file and brings its
// schema to the current version. The caller holds the data directory's
// lock: this process is the database's writer.
func Open(ctx context.Context, file string, opts ...Option) (*Store, error) {
	// Created by us, readable by the owner only: it holds personal data
	// (SQLite gives its WAL and shared-memory files the same mode).
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	f.Close()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s, err := open(ctx, file, func(ctx context.Context, db *sql.DB) error { return migrate(ctx, db, &o) })
	if s != nil {
		s.owner = true
	}
	return s, err
}

// DefaultScanConns is how many long scans run at once by default
// (SetScanConns changes it); more wait for a connection.
const DefaultScanConns = 2

// OpenAlongside opens the database of a server that is running, for a
// command that reads (and writes little, such as audit entries): it
// changes no schema, and its writes wait for the server's through
// SQLite's own locking.
func OpenAlongside(ctx context.Context, file string) (*Store, error) {
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return open(ctx, file, func(ctx context.Context, db *sql.DB) error {
		var v int
		if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if names, _ := fs.Glob(migrations, "migrations/*.sql"); v != len(names) {
			return fmt.Errorf("the database has schema version %d, this program %d: use the server's own khaosat", v, len(names))
		}
		return nil
	})
}

func open(ctx context.Context, file string, prepare func(context.Context, *sql.DB) error) (*Store, error) {
	w, err := sql.Open("sqlite", dsn(file, false))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := prepare(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(file, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	scans, err := sql.Open("sqlite", dsn(file, true))
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	scans.SetMaxOpenConns(DefaultScanConns)
	scans.SetMaxIdleConns(DefaultScanConns)
	s := &Store{path: file, w: w, r: r, scans: scans, pace: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2)), stmts: map[string]*sql.Stmt{}, unprepared: map[string]bool{}, queue: make(chan *writeReq, 1024), stop: make(chan struct{}), done: make(chan struct{})}
	go s.writer()
	return s, nil
}

// SetScanConns sets how many long scans (StreamSubmissions,
// EachSubmission) hold a connection at once; more wait for one. The
// export bound (survey.ExportLimits) keeps exports within it.
func (s *Store) SetScanConns(n int) {
	n = max(1, n)
	s.scans.SetMaxOpenConns(n)
	s.scans.SetMaxIdleConns(n)
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close stops the writer after the writes already queued and closes the
// database, checkpointing the WAL into the main file.
func (s *Store) Close() error {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	for _, st := range s.stmts {
		st.Close()
	}
	err := s.r.Close()
	if cerr := s.scans.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if s.owner {
		if _, cerr := s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); cerr != nil && err == nil {
			err = cerr
		}
	}
	if cerr := s.w.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// migrate applies the embedded migrations above PRAGMA user_version, each
// in its own transaction with the version it brings (and the step of
// upgrades that follows its SQL, if it has one).
func migrate(ctx context.Context, db *sql.DB, o *options) error {
	var cur int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	if cur > len(names) {
		return fmt.Errorf("the database has schema version %d, newer than this program knows (%d): use a newer khaosat", cur, len(names))
	}
	for i, name := range names {
		v := i + 1
		if v <= cur {
			continue
		}
		if n, _ := strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0]); n != v {
			return fmt.Errorf("migration %s is out of sequence (want number %d)", name, v)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate to %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate to %d (%s): %w", v, name, err)
		}
		if step := upgrades[v]; step != nil {
			if err := step(ctx, tx, o); err != nil {
				tx.Rollback()
				return fmt.Errorf("migrate to %d (%s): %w", v, name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(v)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate to %d: %w", v, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate to %d: %w", v, err)
		}
	}
	return nil
}

// translate maps driver errors to the domain's sentinel errors, naming
// the operation.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, survey.ErrNotFound)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%s: %w", op, survey.ErrDuplicate)
		}
		// Still locked by another process after busy_timeout: the
		// request may be retried (503 with Retry-After).
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%s: %w: %w", op, survey.ErrUnavailable, err)
		case sqlite3.SQLITE_FULL:
			return fmt.Errorf("%s: %w: %w", op, survey.ErrNoSpace, err)
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// errNoMatch ends a conditional write that found nothing to change.
var errNoMatch = survey.ErrNotFound

// ReadDB exposes the pool of read-only connections, for benchmarks that
// compare the store with plain SQL on the same file. Application code
// uses the store's methods.
func (s *Store) ReadDB() *sql.DB { return s.r }

// FactsVersion moves with every commit that changes indicator facts
// (indicator.FactsVersioner). Only the process that holds the data directory
// writes facts: a store opened alongside a running server cannot tell.
func (s *Store) FactsVersion() (uint64, bool) { return s.factsVersion.Load(), s.owner }
