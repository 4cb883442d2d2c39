package openrosa

import "sync"

// maxCachedForms bounds a FormCache: a few forms with a few versions each.
const maxCachedForms = 64

// FormCache keeps decoded form documents by their content hash, so that
// reading a submission does not decode its form's JSON every time.
type FormCache struct {
	mu    sync.Mutex
	forms map[string]map[string]any
}

// NewFormCache returns an empty cache.
func NewFormCache() *FormCache { return &FormCache{forms: map[string]map[string]any{}} }

// Form returns the decoded document of doc, whose content hash is hash.
// The result is shared and must only be read.
func (c *FormCache) Form(hash string, doc []byte) (map[string]any, error) {
	c.mu.Lock()
	f, ok := c.forms[hash]
	c.mu.Unlock()
	if ok {
		return f, nil
	}
	f, err := decodeForm(doc)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.forms) >= maxCachedForms {
		clear(c.forms)
	}
	c.forms[hash] = f
	c.mu.Unlock()
	return f, nil
}
