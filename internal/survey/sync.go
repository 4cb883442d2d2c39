package survey

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"sync"
)

// MaxSyncItems is the most submissions one sync request may carry.
const MaxSyncItems = 500

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
		return nil, Errorf(CodeForbidden, "Vai trò của bạn không được gửi phiếu.", "Your role may not send submissions.")
	}
	if len(items) == 0 || len(items) > MaxSyncItems {
		e := Errorf(CodeInvalid, "Một lần đồng bộ gửi từ 1 đến 500 phiếu.", "A sync carries 1 to 500 submissions.")
		e.Fields = []FieldError{fieldErr("/submissions", "size", "Từ 1 đến 500 phiếu.", "1 to 500 submissions.")}
		return nil, e
	}
	out := make([]SyncResult, len(items))
	forms := make([]string, len(items))
	// Items are processed by a few workers; an id seen earlier in the batch
	// waits for a second, ordered pass so that the first copy decides.
	first, later := []int{}, []int{}
	seen := map[string]bool{}
	for i, raw := range items {
		id, form, body, err := splitSyncItem(raw)
		out[i].ID = id
		if err != nil {
			out[i].Err = err
			continue
		}
		items[i], forms[i] = body, form
		if id != "" && seen[id] {
			later = append(later, i)
			continue
		}
		seen[id] = true
		first = append(first, i)
	}
	do := func(i int) {
		r := &out[i]
		r.Submission, r.Created, r.Err = l.in.Submit(ctx, actor, forms[i], items[i])
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(2, runtime.GOMAXPROCS(0)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				do(i)
			}
		}()
	}
	for _, i := range first {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, i := range later {
		do(i)
	}
	return out, nil
}

// splitSyncItem takes "form" out of an item and returns the envelope.
func splitSyncItem(raw json.RawMessage) (id, form string, envelope []byte, err error) {
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if dec.Decode(&top) != nil || top == nil {
		return "", "", nil, malformed("Phần tử không phải là một đối tượng JSON.", "The item is not a JSON object.")
	}
	if r, ok := top["id"]; ok {
		_ = json.Unmarshal(r, &id)
	}
	r, ok := top["form"]
	if !ok || json.Unmarshal(r, &form) != nil || form == "" {
		e := malformed("Thiếu mã biểu mẫu (form) của phiếu.", "The item needs «form», the form id.")
		e.Fields = []FieldError{fieldErr("/form", "required", "Thiếu mã biểu mẫu.", "The form id is required.")}
		return id, "", nil, e
	}
	delete(top, "form")
	envelope, err = json.Marshal(top)
	return id, form, envelope, err
}
