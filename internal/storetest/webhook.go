package storetest

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/survey"
)

// testPendingDeliveries: PendingDeliveries counts every delivery still to
// send, due now or waiting for a retry, however many a poll takes, and no
// delivered or failed one.
func testPendingDeliveries(t *testing.T, s Stores) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	hook := uuid.NewString()
	add := func(i int, state string, next time.Time) *survey.Delivery {
		t.Helper()
		d := &survey.Delivery{ID: hook + "/" + strconv.Itoa(i), Hook: hook, Event: survey.Event{Seq: int64(i), Kind: survey.EventCreate},
			State: state, NextAt: next, CreatedAt: now}
		if err := s.InsertDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	count := func() int64 {
		t.Helper()
		n, err := s.PendingDeliveries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("pending in an empty outbox: %d", n)
	}
	var first *survey.Delivery
	for i := range 60 { // due now: more than one poll's batch
		d := add(i, survey.DeliveryPending, now)
		if i == 0 {
			first = d
		}
	}
	for i := 60; i < 70; i++ { // waiting for a retry
		add(i, survey.DeliveryPending, now.Add(time.Hour))
	}
	for i := 70; i < 75; i++ {
		add(i, survey.DeliveryDelivered, now)
	}
	for i := 75; i < 78; i++ {
		add(i, survey.DeliveryFailed, now)
	}
	if due, err := s.DueDeliveries(ctx, now, 50); err != nil || len(due) != 50 {
		t.Errorf("due in one poll: %d, %v", len(due), err)
	}
	if n := count(); n != 70 {
		t.Errorf("pending: %d, want 70 (60 due, 10 waiting)", n)
	}
	first.State = survey.DeliveryDelivered
	if err := s.UpdateDelivery(ctx, first); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 69 {
		t.Errorf("pending after one delivered: %d, want 69", n)
	}
}
