package survey

import (
	"sync"
	"time"
)

// TTLCache keeps values for a short time, so that the records read on
// every request (the caller's account, the form's status) cost no database
// round trip each time. Changes made through this process invalidate at
// once; changes made by another instance show within the TTL.
type TTLCache[V any] struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[string]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

// NewTTLCache returns an empty cache whose entries live for ttl.
func NewTTLCache[V any](ttl time.Duration) *TTLCache[V] {
	return &TTLCache[V]{ttl: ttl, now: time.Now, m: map[string]ttlEntry[V]{}}
}

// Lookup returns the value kept for k, unless it has expired.
func (c *TTLCache[V]) Lookup(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || c.now().After(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Put keeps v for k for the cache's TTL.
func (c *TTLCache[V]) Put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 10000 { // bound memory; entries are cheap to reload
		clear(c.m)
	}
	c.m[k] = ttlEntry[V]{v: v, expires: c.now().Add(c.ttl)}
}

// Forget drops what is kept for k.
func (c *TTLCache[V]) Forget(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
}

// RecordCacheTTL is how long an account or a form record read for a request
// may be reused. A change made by another instance takes effect within it.
const RecordCacheTTL = 2 * time.Second
