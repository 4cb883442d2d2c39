package survey

import (
	"context"
	"time"
)

// StoreObserver is told of each database operation a storage engine
// performs — its name ("insert submission", "scan facts"), how long it
// took and its error — so that an operator sees database latency and
// errors. The engines call it around their driver calls; the metrics
// package implements it. A nil StoreObserver observes nothing.
type StoreObserver interface {
	StoreOp(op string, d time.Duration, err error)
}

// ObserveOp runs fn as the operation op and tells o about it.
func ObserveOp(o StoreObserver, op string, fn func() error) error {
	if o == nil {
		return fn()
	}
	start := time.Now()
	err := fn()
	o.StoreOp(op, time.Since(start), err)
	return err
}

// ObservedPing wraps a readiness ping so that it counts as the operation
// "ping".
func ObservedPing(o StoreObserver, ping func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		return ObserveOp(o, "ping", func() error { return ping(ctx) })
	}
}
