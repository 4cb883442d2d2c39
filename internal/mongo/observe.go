package mongo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"

	"github.com/khaosat/khaosat/internal/survey"
)

// observer reports every command the driver sends to the
// survey.StoreObserver set by SetObserver, through the driver's command
// monitor: no call site is wrapped, and what the driver does on its own
// (getMore of a cursor, each part of a GridFS upload) is counted too.
type observer struct {
	o atomic.Pointer[survey.StoreObserver]
	// names holds the operation name of each command under way, by its
	// request id, from its start to its end.
	names sync.Map
}

// SetObserver makes the store report its database operations to o, as
// "<command> <collection>" ("find submissions", "insert users",
// "getMore events"). Not found and duplicate key are answers, not
// errors, and are not counted as errors; write errors inside a
// successful reply are. The readiness ping is left to
// survey.ObservedPing, which counts it as "ping".
func (s *Store) SetObserver(o survey.StoreObserver) { s.obs.o.Store(&o) }

func (ob *observer) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) {
			if p := ob.o.Load(); p == nil || *p == nil || e.CommandName == "ping" {
				return
			}
			ob.names.Store(e.RequestID, opName(e.CommandName, e.Command))
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			ob.report(e.RequestID, e.Duration, replyError(e.Reply))
		},
		Failed: func(_ context.Context, e *event.CommandFailedEvent) {
			err := e.Failure
			if err == nil {
				err = errors.New(e.CommandName + " failed")
			}
			var de driver.Error
			if errors.As(err, &de) && de.Code == duplicateKey {
				err = nil
			}
			ob.report(e.RequestID, e.Duration, err)
		},
	}
}

func (ob *observer) report(id int64, d time.Duration, err error) {
	name, ok := ob.names.LoadAndDelete(id)
	if !ok {
		return // not observed when it started (or a ping)
	}
	if p := ob.o.Load(); p != nil && *p != nil {
		(*p).StoreOp(name.(string), d, err)
	}
}

// opName names a command by its name and collection: the collection is
// the value of a command's first element (find, insert, update, delete,
// aggregate, count, findAndModify, createIndexes…) or, for getMore, of
// its "collection" field.
func opName(cmd string, body bson.Raw) string {
	var v bson.RawValue
	if cmd == "getMore" {
		v, _ = body.LookupErr("collection")
	} else if first, err := body.IndexErr(0); err == nil {
		v = first.Value()
	}
	if coll, ok := v.StringValueOK(); ok && coll != "" {
		return cmd + " " + coll
	}
	return cmd
}

const duplicateKey = 11000

// replyError is the error a successful reply carries: write errors other
// than a duplicate key, or a write concern error. It names the code only.
func replyError(reply bson.Raw) error {
	if wce, err := reply.LookupErr("writeConcernError"); err == nil {
		var code int64
		if doc, ok := wce.DocumentOK(); ok {
			code, _ = doc.Lookup("code").AsInt64OK()
		}
		return fmt.Errorf("write concern error %d", code)
	}
	wes, err := reply.LookupErr("writeErrors")
	if err != nil {
		return nil
	}
	arr, ok := wes.ArrayOK()
	if !ok {
		return nil
	}
	vals, _ := arr.Values()
	for _, v := range vals {
		doc, ok := v.DocumentOK()
		if !ok {
			continue
		}
		code, _ := doc.Lookup("code").AsInt64OK()
		if code != duplicateKey {
			return fmt.Errorf("write error %d", code) // the message may quote a document: left out
		}
	}
	return nil
}
