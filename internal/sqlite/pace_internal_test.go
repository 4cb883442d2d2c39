package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// TestScansYieldToWrites: while the store takes writes, a scan works only
// holding a slot of the scans' CPU (Store.pace), so exports leave intake
// the rest of the machine; when it takes none, a scan runs free. The test
// holds every slot itself: a scan must then wait while writes are recent
// and finish, in order, once the slot is given back; with no recent
// write it must finish while the slots are still held.
func TestScansYieldToWrites(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var subs []*survey.Submission
	for i := range 200 { // several batches
		subs = append(subs, &survey.Submission{ID: fmt.Sprintf("s%03d", i), FormID: "household", FormVersion: 1, Unit: "00004",
			SurveyDate: day, ReceivedAt: day, UpdatedAt: day, Revision: 1, ReviewState: survey.ReviewReceived, Data: map[string]any{"i": int64(i)}})
	}
	if err := s.LoadSubmissions(ctx, subs, nil); err != nil {
		t.Fatal(err)
	}
	stream := func() (<-chan []string, <-chan struct{}) {
		done, first := make(chan []string, 1), make(chan struct{})
		go func() {
			var ids []string
			err := s.StreamSubmissions(ctx, survey.ExportQuery{SubmissionQuery: survey.SubmissionQuery{Form: "household"}}, func(sub *survey.Submission) error {
				if ids = append(ids, sub.ID); len(ids) == 1 {
					close(first)
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
			done <- ids
		}()
		return done, first
	}
	check := func(ids []string) {
		t.Helper()
		if len(ids) != len(subs) || ids[0] != "s000" || ids[len(ids)-1] != "s199" {
			t.Fatalf("stream gave %d submissions (%v…)", len(ids), ids[:min(3, len(ids))])
		}
	}
	hold := func() {
		for range cap(s.pace) {
			s.pace <- struct{}{}
		}
	}
	giveBack := func() {
		for range cap(s.pace) {
			<-s.pace
		}
	}

	// No write for a while: the scan does not wait for the slots.
	s.lastWrite.Store(0)
	hold()
	done, _ := stream()
	select {
	case ids := <-done:
		check(ids)
	case <-time.After(time.Minute):
		t.Fatal("a scan with no writes around waited for a CPU slot")
	}

	// Writes going on: nothing reaches the caller until a slot is free.
	if err := s.write(ctx, func(*wtx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	stopWrites := make(chan struct{})
	writing := make(chan struct{})
	defer func() {
		select {
		case <-stopWrites:
		default:
			close(stopWrites)
		}
		<-writing
	}()
	go func() {
		defer close(writing)
		for {
			select {
			case <-stopWrites:
				return
			default:
			}
			if err := s.write(ctx, func(*wtx) error { return nil }); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(pacedWindow / 10)
		}
	}()
	done, first := stream()
	select {
	case <-first:
		t.Fatal("a scan went on while intake wrote and every CPU slot of the scans was taken")
	case <-time.After(3 * pacedWindow):
	}
	giveBack()
	check(<-done)
}
