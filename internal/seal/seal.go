// Package seal encrypts small records at rest with AES-256-GCM under a ring
// of data keys. Each sealed box names the key that sealed it, so a ring
// that holds the previous keys still opens what they sealed while new
// records are sealed under the current key.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a data key: AES-256.
const KeySize = 32

// Key is one data key and its id.
type Key struct {
	ID  string
	aed cipher.AEAD
}

// Keyring seals under its current key and opens under any of its keys.
type Keyring struct {
	current *Key
	byID    map[string]*Key
}

// KeyID derives a key's id from the key: the first 8 bytes of an HMAC of
// a fixed label, so ids are stable, unique in practice and reveal nothing
// of the key.
func KeyID(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("khaosat data key id"))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// NewKeyring returns a ring whose current key is keys[0]; the others only
// open what they sealed before.
func NewKeyring(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("seal: no data key")
	}
	r := &Keyring{byID: map[string]*Key{}}
	for i, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("seal: data key %d has %d bytes, want %d", i+1, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("seal: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: %w", err)
		}
		key := &Key{ID: KeyID(k), aed: aead}
		if _, dup := r.byID[key.ID]; dup {
			return nil, fmt.Errorf("seal: data key %d is given twice", i+1)
		}
		r.byID[key.ID] = key
		if i == 0 {
			r.current = key
		}
	}
	return r, nil
}

// ParseKeys reads a ring written as hex keys separated by commas, spaces
// or new lines, the current key first.
func ParseKeys(s string) ([][]byte, error) {
	var out [][]byte
	for i, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		k, err := hex.DecodeString(f)
		if err != nil || len(k) != KeySize {
			return nil, fmt.Errorf("data key %d: want %d hex digits", i+1, 2*KeySize)
		}
		out = append(out, k)
	}
	if len(out) == 0 {
		return nil, errors.New("no data key")
	}
	return out, nil
}

// FormatKeys writes keys as ParseKeys reads them, one per line.
func FormatKeys(keys [][]byte) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(hex.EncodeToString(k))
		b.WriteByte('\n')
	}
	return b.String()
}

// NewKey returns a fresh random data key.
func NewKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return k, nil
}

// CurrentKeyID is the id of the key new boxes are sealed under.
func (r *Keyring) CurrentKeyID() string { return r.current.ID }

// ErrUnknownKey is returned when a box names a key not in the ring.
var ErrUnknownKey = errors.New("seal: the box was sealed under a key that is not in the ring")

// Seal encrypts plaintext under the current key. aad binds the box to its
// record (for example the record's id) so that a box copied into another
// record does not open. The box is nonce || ciphertext || tag.
func (r *Keyring) Seal(plaintext, aad []byte) (keyID string, box []byte, err error) {
	k := r.current
	nonce := make([]byte, k.aed.NonceSize(), k.aed.NonceSize()+len(plaintext)+k.aed.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, fmt.Errorf("seal: %w", err)
	}
	return k.ID, k.aed.Seal(nonce, nonce, plaintext, aad), nil
}

// Open decrypts a box sealed under key keyID with the same aad.
func (r *Keyring) Open(keyID string, box, aad []byte) ([]byte, error) {
	k, ok := r.byID[keyID]
	if !ok {
		return nil, fmt.Errorf("%w (key id %s)", ErrUnknownKey, keyID)
	}
	n := k.aed.NonceSize()
	if len(box) < n+k.aed.Overhead() {
		return nil, errors.New("seal: the box is too short")
	}
	pt, err := k.aed.Open(nil, box[:n], box[n:], aad)
	if err != nil {
		return nil, errors.New("seal: the box does not open: wrong key, wrong record or altered")
	}
	return pt, nil
}
