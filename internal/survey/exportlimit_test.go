package survey_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// refused reports whether err is the export bound's refusal: 429 with
// Retry-After and a message in both languages.
func refused(err error) bool {
	var e *survey.Error
	return errors.As(err, &e) && e.Code == survey.CodeTooManyRequests && e.RetryAfter > 0 &&
		e.Message.VI != "" && e.Message.EN != ""
}

// TestExportLimiterBounds: two run, three wait, the sixth is refused at
// once; a waiter gets the first slot given back; a wait that runs out is
// refused; a waiter whose request goes away leaves the queue.
func TestExportLimiterBounds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := survey.NewExportLimiter(survey.ExportLimits{Running: 2, Queue: 3, Wait: time.Minute})
	r1, err := l.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	if !l.Load().Busy() {
		t.Errorf("two of two running, not busy: %+v", l.Load())
	}
	got := make(chan error, 3)
	wctx, cancel := context.WithCancel(ctx)
	for range 3 {
		go func() {
			_, err := l.Acquire(wctx)
			got <- err
		}()
	}
	waitFor(t, func() bool { return l.Load().Waiting == 3 })
	if _, err := l.Acquire(ctx); !refused(err) {
		t.Fatalf("past the queue: %v, want the 429 refusal", err)
	}
	r1()
	r1() // a second release gives nothing back twice
	if err := <-got; err != nil {
		t.Fatalf("a waiter, after a release: %v", err)
	}
	if ld := l.Load(); ld.Running != 2 || ld.Waiting != 2 {
		t.Errorf("after one release and one start: %+v", ld)
	}
	cancel()
	for range 2 {
		if err := <-got; !errors.Is(err, context.Canceled) {
			t.Errorf("a waiter whose request went away: %v", err)
		}
	}
	if ld := l.Load(); ld.Waiting != 0 {
		t.Errorf("cancelled waiters still queued: %+v", ld)
	}

	short := survey.NewExportLimiter(survey.ExportLimits{Running: 1, Queue: 1, Wait: 20 * time.Millisecond})
	if _, err := short.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := short.Acquire(ctx); !refused(err) {
		t.Errorf("a wait that ran out: %v, want the 429 refusal", err)
	}
	if ld := short.Load(); ld.Waiting != 0 {
		t.Errorf("a waiter that gave up is still queued: %+v", ld)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition never met")
}

// TestExportLimiterRace: many goroutines acquiring at once, some giving
// up early; never more than Running hold a slot, and every slot comes
// back.
func TestExportLimiterRace(t *testing.T) {
	t.Parallel()
	const running, queue, callers = 3, 5, 200
	l := survey.NewExportLimiter(survey.ExportLimits{Running: running, Queue: queue, Wait: 50 * time.Millisecond})
	var in, maxIn, ok, busy, gone atomic.Int64
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			ctx := context.Background()
			if i%7 == 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, time.Duration(i%5)*time.Millisecond)
				defer cancel()
			}
			release, err := l.Acquire(ctx)
			switch {
			case err == nil:
			case refused(err):
				busy.Add(1)
				return
			case errors.Is(err, context.DeadlineExceeded):
				gone.Add(1)
				return
			default:
				t.Errorf("acquire: %v", err)
				return
			}
			n := in.Add(1)
			for m := maxIn.Load(); n > m && !maxIn.CompareAndSwap(m, n); m = maxIn.Load() {
			}
			time.Sleep(time.Millisecond)
			in.Add(-1)
			ok.Add(1)
			release()
			release()
		})
	}
	wg.Wait()
	if maxIn.Load() > running {
		t.Errorf("%d exports ran at once, bound %d", maxIn.Load(), running)
	}
	if ok.Load()+busy.Load()+gone.Load() != callers || ok.Load() == 0 {
		t.Errorf("ran %d, refused %d, gave up %d of %d", ok.Load(), busy.Load(), gone.Load(), callers)
	}
	if ld := l.Load(); ld.Running != 0 || ld.Waiting != 0 {
		t.Errorf("slots not given back: %+v", ld)
	}
	t.Logf("ran %d, refused %d, gave up %d; at most %d at once", ok.Load(), busy.Load(), gone.Load(), maxIn.Load())
}
