package seal_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/khaosat/khaosat/internal/seal"
)

func mustKey(t *testing.T) []byte {
	t.Helper()
	k, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	oldKey, newKey := mustKey(t), mustKey(t)
	oldRing, err := seal.NewKeyring(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := seal.NewKeyring(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	pt, aad := []byte(`{"/hiv_status":"positive"}`), []byte("submission-1")
	oldID, oldBox, err := oldRing.Seal(pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	id, box, err := ring.Seal(pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	if id != seal.KeyID(newKey) || oldID != seal.KeyID(oldKey) || id == oldID {
		t.Fatalf("key ids: %s %s", id, oldID)
	}
	if bytes.Contains(box, pt) || bytes.Contains(box, []byte("positive")) {
		t.Fatal("the box holds the plaintext")
	}
	tampered := bytes.Clone(box)
	tampered[len(tampered)-1] ^= 1
	for _, tc := range []struct {
		name    string
		ring    *seal.Keyring
		id      string
		box     []byte
		aad     []byte
		wantErr bool
	}{
		{"current key", ring, id, box, aad, false},
		{"previous key still opens", ring, oldID, oldBox, aad, false},
		{"other record", ring, id, box, []byte("submission-2"), true},
		{"tampered", ring, id, tampered, aad, true},
		{"short", ring, id, box[:10], aad, true},
		{"key not in ring", oldRing, id, box, aad, true},
		{"wrong key id", ring, oldID, box, aad, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.ring.Open(tc.id, tc.box, tc.aad)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err == nil && !bytes.Equal(got, pt) {
				t.Fatalf("opened %q", got)
			}
		})
	}
	if _, err := oldRing.Open(id, box, aad); !errors.Is(err, seal.ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
	_, box2, _ := ring.Seal(pt, aad)
	if bytes.Equal(box, box2) {
		t.Error("two seals of the same plaintext are equal: the nonce is not random")
	}
}

func TestParseKeys(t *testing.T) {
	k1, k2 := mustKey(t), mustKey(t)
	keys, err := seal.ParseKeys(" " + seal.FormatKeys([][]byte{k1, k2}))
	if err != nil || len(keys) != 2 || !bytes.Equal(keys[0], k1) || !bytes.Equal(keys[1], k2) {
		t.Fatalf("round trip: %v %v", keys, err)
	}
	for _, bad := range []string{"", "zz", "00112233", seal.FormatKeys([][]byte{k1}) + ",abc"} {
		if _, err := seal.ParseKeys(bad); err == nil {
			t.Errorf("ParseKeys(%q) accepted", bad)
		}
	}
	if _, err := seal.NewKeyring(k1, k1); err == nil {
		t.Error("a ring with the same key twice was accepted")
	}
	if _, err := seal.NewKeyring(k1[:16]); err == nil {
		t.Error("a 128-bit key was accepted")
	}
}
