package survey

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
)

// ExportLimits bound the exports a server runs at once. An export is long
// (a scan of every selected submission, written row by row) and takes a
// database connection and a CPU for as long as it runs; unbounded, a few
// managers clicking "export" took every read connection and starved
// logins, reads and intake. The bound is kept here, in the domain, so it
// holds on either storage engine.
type ExportLimits struct {
	// Running is how many exports stream at once.
	Running int
	// Queue is how many more may wait for a turn; an export beyond it is
	// refused at once with ErrExportsBusy's 429.
	Queue int
	// Wait is the longest an export waits in the queue before it is
	// refused the same way.
	Wait time.Duration
}

// Export bound defaults. An export keeps about a CPU busy while it runs;
// on a 2-core server with 8 collectors submitting, one export at a time
// left intake 45-54 % of its rate alone and two left it 26 %
// (BenchmarkExportLoad, 20,000 households, quiet machine), logins under
// 0.2 s either way. A server with more cores can raise it.
const (
	DefaultExportsRunning = 1
	DefaultExportsQueue   = 4
	DefaultExportWait     = 30 * time.Second
	// exportRetryAfter is what a refused export is told to wait: about
	// what an export of a district's households takes.
	exportRetryAfter = 15 * time.Second
)

// ExportLimiter is the bound itself: a slot per running export, a slot
// per waiting one, each a buffered channel (a counting semaphore). Safe
// for concurrent use.
type ExportLimiter struct {
	run   chan struct{}
	queue chan struct{}
	wait  time.Duration
}

// NewExportLimiter returns the limiter of l (zero fields take the
// defaults).
func NewExportLimiter(l ExportLimits) *ExportLimiter {
	if l.Running < 1 {
		l.Running = DefaultExportsRunning
	}
	if l.Queue < 0 {
		l.Queue = 0
	}
	if l.Wait <= 0 {
		l.Wait = DefaultExportWait
	}
	return &ExportLimiter{run: make(chan struct{}, l.Running), queue: make(chan struct{}, l.Queue), wait: l.Wait}
}

// exportsBusy is the error of an export refused by the bound: 429 with
// Retry-After.
func exportsBusy() *Error {
	secs := strconv.Itoa(int(exportRetryAfter / time.Second))
	e := Errorf(CodeTooManyRequests, msg.ExportBusy, secs)
	e.RetryAfter = exportRetryAfter
	return e
}

// Acquire takes a running slot: at once when one is free, otherwise after
// waiting in the queue (at most g.wait, and only while ctx lasts). A full
// queue or a wait that runs out is exportsBusy; a ctx done is its error.
// release gives the slot back; calling it more than once is harmless.
func (g *ExportLimiter) Acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case g.run <- struct{}{}:
		return g.releaser(), nil
	default:
	}
	select {
	case g.queue <- struct{}{}:
	default:
		return nil, exportsBusy()
	}
	defer func() { <-g.queue }()
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.run <- struct{}{}:
		return g.releaser(), nil
	case <-t.C:
		return nil, exportsBusy()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (g *ExportLimiter) releaser() func() {
	var once sync.Once
	return func() { once.Do(func() { <-g.run }) }
}

// ExportLoad is how loaded the export bound is.
type ExportLoad struct {
	Running, Waiting       int // exports streaming, exports queued
	MaxRunning, MaxWaiting int
}

// Busy reports whether a new export would have to wait: every running
// slot is taken.
func (l ExportLoad) Busy() bool { return l.Running >= l.MaxRunning }

// Load tells how many exports run and wait now.
func (g *ExportLimiter) Load() ExportLoad {
	return ExportLoad{Running: len(g.run), Waiting: len(g.queue), MaxRunning: cap(g.run), MaxWaiting: cap(g.queue)}
}

// Load tells how many exports run and wait now (for readiness).
func (e *Exports) Load() ExportLoad { return e.gate.Load() }
