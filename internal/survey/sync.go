package survey

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/khaosat/khaosat/internal/msg"
)

// MaxSyncItems is the most submissions one sync request may carry.
const MaxSyncItems = 500

// syncWorkers is how many items of one batch are stored at once: their
// writes share the store's group commits instead of waiting for one
// another.
const syncWorkers = 8

// SyncResult is the outcome of one item of a batch.
type SyncResult struct {
	ID         string // the item's id as sent ("" when it has none)
	Submission *Submission
	Created    bool
	Err        error // nil: stored (Created) or already stored (a retry)
}

// Sync stores a batch of submissions, each the envelope plus "form" (the
// form id). Each item gets its own result, in order; a failing item never
// affects the others. Items are independent, so a batch sent again after
// a lost response stores nothing twice (each is a retry of itself).
func (l *Lifecycle) Sync(ctx context.Context, actor Actor, items []json.RawMessage) ([]SyncResult, error) {
	if !actor.CanSubmit() {
		return nil, Errorf(CodeForbidden, msg.SubmitForbidden)
	}
	if len(items) == 0 || len(items) > MaxSyncItems {
		e := Errorf(CodeInvalid, msg.SyncSize)
		e.Fields = []FieldError{fieldErr("/submissions", "size", msg.SyncSizeField)}
		return nil, e
	}
	// Items with the same id are stored in order by one worker, so the
	// first copy of a repeated id decides; different ids go in parallel.
	out := make([]SyncResult, len(items))
	bodies := make([]syncItem, len(items))
	groups := map[string][]int{}
	var order []string
	for i, raw := range items {
		id, form, body, err := splitSyncItem(raw)
		out[i].ID = id
		if err != nil {
			out[i].Err = err
			continue
		}
		key := id
		if key == "" {
			key = "\x00" + strconv.Itoa(i) // no id: invalid on its own, checked by Submit
		}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], i)
		bodies[i] = syncItem{form: form, body: body}
	}
	work := make(chan []int)
	var wg sync.WaitGroup
	for range min(syncWorkers, len(order)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for idx := range work {
				for _, i := range idx {
					out[i].Submission, out[i].Created, out[i].Err = l.in.Submit(ctx, actor, bodies[i].form, bodies[i].body)
				}
			}
		}()
	}
	for _, k := range order {
		work <- groups[k]
	}
	close(work)
	wg.Wait()
	l.retryRefs(ctx, actor, bodies, out)
	return out, nil
}

type syncItem struct {
	form string
	body []byte
}

// splitSyncItem takes "form" out of an item and returns the envelope.
func splitSyncItem(raw json.RawMessage) (id, form string, envelope []byte, err error) {
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if dec.Decode(&top) != nil || top == nil {
		return "", "", nil, malformed(msg.SyncItemNotObject)
	}
	if r, ok := top["id"]; ok {
		_ = json.Unmarshal(r, &id)
	}
	r, ok := top["form"]
	if !ok || json.Unmarshal(r, &form) != nil || form == "" {
		e := malformed(msg.SyncFormRequired)
		e.Fields = []FieldError{fieldErr("/form", "required", msg.SyncFormRequiredField)}
		return id, "", nil, e
	}
	delete(top, "form")
	envelope, err = json.Marshal(top)
	return id, form, envelope, err
}
