package storetest

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// testStreamsReadWhileStreaming: the code that handles each streamed row
// may read the store, however many streams are open at once. An export's
// rows read the store while its scan holds a connection; the embedded
// engine once served both from one pool of four, and four exports at once
// waited for each other for ever. Eight streams start together, each
// pausing on its first row so that the others open meanwhile, and their
// first rows read their submission back; a deadline turns a stall into a
// failure. There are more rows than a stream reads ahead of its caller
// (the embedded engine decodes batches in parallel), so that the streams
// still hold their cursors when their rows read.
func testStreamsReadWhileStreaming(t *testing.T, s Stores) {
	const streams = 8
	subs := max(400, 200*runtime.GOMAXPROCS(0))
	var create sync.WaitGroup
	for w := range 8 {
		create.Go(func() {
			for i := w; i < subs; i += 8 {
				sub := newSub("00004", "2026-06-15")
				if err := s.CreateSubmission(ctx, sub, event(survey.EventCreate, sub), nil); err != nil {
					t.Errorf("create: %v", err)
					return
				}
			}
		})
	}
	create.Wait()
	if t.Failed() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	start := make(chan struct{})
	errs := make(chan error, streams)
	counts := make(chan int, streams)
	var wg sync.WaitGroup
	for range streams {
		wg.Go(func() {
			<-start
			n := 0
			errs <- s.StreamSubmissions(ctx, survey.ExportQuery{SubmissionQuery: survey.SubmissionQuery{Form: "household"}}, func(sub *survey.Submission) error {
				if n == 0 {
					time.Sleep(50 * time.Millisecond)
				}
				n++
				if n > 3 {
					return nil
				}
				_, err := s.Submission(ctx, sub.ID)
				return err
			})
			counts <- n
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	close(counts)
	for err := range errs {
		if err != nil {
			t.Fatalf("a stream whose rows read the store: %v", err)
		}
	}
	for n := range counts {
		if n != subs {
			t.Errorf("a stream saw %d submissions, want %d", n, subs)
		}
	}
}
