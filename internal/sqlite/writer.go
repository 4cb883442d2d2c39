package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"time"

	"github.com/khaosat/khaosat/internal/indicator"
)

// A write is a function run inside the writer's transaction.
type writeFn func(tx *wtx) error

// wtx is the writer's transaction. Its Exec reuses a statement prepared
// once per SQL text on the writer's connection: parsing the SQL of every
// write again cost a fifth of the writer's time. A text not prepared yet
// runs as is and is prepared after the commit (the writer's one
// connection is busy with the transaction until then).
type wtx struct {
	*sql.Tx
	s *Store
	// facts is set by a write that changes indicator facts: the commit
	// then moves the store's facts version.
	facts bool
	// areas are the communes whose facts totals the write changed.
	areas []indicator.FactsArea
}

// Exec runs query with args, through its prepared statement if it has one.
func (tx *wtx) Exec(query string, args ...any) (sql.Result, error) {
	if st, ok := tx.s.stmts[query]; ok {
		return tx.Stmt(st).Exec(args...)
	}
	tx.s.unprepared[query] = true
	return tx.Tx.Exec(query, args...)
}

// prepare prepares the statements used since the last call.
func (s *Store) prepare() {
	for q := range s.unprepared {
		if st, err := s.w.Prepare(q); err == nil {
			s.stmts[q] = st
		}
		delete(s.unprepared, q)
	}
}

type writeReq struct {
	fn   writeFn
	done chan error
}

// maxBatch is the most writes one transaction carries.
const maxBatch = 256

// write runs fn in a transaction of the writer and returns once that
// transaction is durable (or fn failed). Concurrent writes share one
// transaction and one fsync (group commit); each runs inside its own
// savepoint, so a failing write is undone alone and the others commit.
// Once queued a write is waited for even if ctx ends: it may commit.
func (s *Store) write(ctx context.Context, fn writeFn) (err error) {
	defer func(start time.Time) { s.observe("write", start, err) }(time.Now())
	req := &writeReq{fn: fn, done: make(chan error, 1)}
	s.lastWrite.Store(time.Now().UnixNano())
	select {
	case s.queue <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stop:
		return fmt.Errorf("write: the database is closed")
	}
	return <-req.done
}

// gatherWait is the longest the writer waits for the writers of its last
// transaction to come back before it commits a smaller one.
const gatherWait = 500 * time.Microsecond

// writer takes the queued writes into one transaction: while it commits,
// the next ones queue up. A commit (its WAL frames and its fsync) costs
// about what the writes it carries do together, so it is shared by as
// many as it can be: when the last transaction carried several writes,
// their writers are likely to send the next ones at once, and the writer
// waits for as many, up to gatherWait. After a lone write it never waits.
func (s *Store) writer() {
	defer close(s.done)
	last := 1
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var first *writeReq
		select {
		case first = <-s.queue:
		case <-s.stop:
			// Drain what was queued before the stop.
			for {
				select {
				case r := <-s.queue:
					s.commit([]*writeReq{r})
				default:
					return
				}
			}
		}
		batch := []*writeReq{first}
		waiting := false
	more:
		for len(batch) < maxBatch {
			select {
			case r := <-s.queue:
				batch = append(batch, r)
				continue
			default:
			}
			if len(batch) >= last {
				break
			}
			if !waiting {
				waiting = true
				timer.Reset(gatherWait)
			}
			select {
			case r := <-s.queue:
				batch = append(batch, r)
			case <-timer.C:
				waiting = false
				break more
			}
		}
		if waiting {
			timer.Stop() // since Go 1.23 no stale tick is left behind
		}
		last = len(batch)
		s.commit(batch)
		s.prepare()
	}
}

func (s *Store) commit(batch []*writeReq) {
	ctx := context.Background() // a client that leaves does not undo the others' writes
	sqlTx, err := s.w.BeginTx(ctx, nil)
	tx := &wtx{Tx: sqlTx, s: s}
	if err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("begin: %w", err)
		}
		return
	}
	errs := make([]error, len(batch))
	for i, r := range batch {
		if len(batch) == 1 {
			errs[i] = r.fn(tx)
			if errs[i] != nil {
				tx.Rollback()
				r.done <- errs[i]
				return
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
			errs[i] = err
			continue
		}
		if errs[i] = r.fn(tx); errs[i] != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO w"); err != nil {
				// The transaction is unusable: fail the whole batch.
				tx.Rollback()
				for _, r := range batch {
					r.done <- fmt.Errorf("rollback to savepoint: %w", err)
				}
				return
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE w"); err != nil {
			tx.Rollback()
			for _, r := range batch {
				r.done <- fmt.Errorf("release savepoint: %w", err)
			}
			return
		}
	}
	start := time.Now()
	err = tx.Commit()
	s.observe("commit", start, err)
	if err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("commit: %w", err)
		}
		return
	}
	if tx.facts {
		// Only this goroutine moves the version: the log is written
		// under the version the commit makes, before it is made.
		s.changes.record(s.factsVersion.Load()+1, tx.areas)
		s.factsVersion.Add(1) // before any writer hears of its commit
	}
	for i, r := range batch {
		r.done <- errs[i]
	}
	// The writers just woken wait in this goroutine's run queue, and it
	// would keep the processor through the next batch's statements and
	// into its fsync before they could answer and come back with their
	// next writes. Yielding lets them run now: their next writes join
	// the next transaction, which then carries more of them.
	runtime.Gosched()
}

// QueryRow runs query with args, through its prepared statement if it has
// one (see Exec).
func (tx *wtx) QueryRow(query string, args ...any) *sql.Row {
	if st, ok := tx.s.stmts[query]; ok {
		return tx.Stmt(st).QueryRow(args...)
	}
	tx.s.unprepared[query] = true
	return tx.Tx.QueryRow(query, args...)
}
