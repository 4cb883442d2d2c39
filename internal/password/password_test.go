package password_test

import (
	"strings"
	"testing"

	"github.com/khaosat/khaosat/internal/password"
)

func TestHashAndVerify(t *testing.T) {
	h := password.New(password.Params{Memory: 1024, Time: 1, Threads: 1})
	enc, err := h.Hash("mật khẩu rất dài")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("encoding %q", enc)
	}
	again, _ := h.Hash("mật khẩu rất dài")
	if again == enc {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		name, encoded, pw string
		want              bool
	}{
		{"right", enc, "mật khẩu rất dài", true},
		{"wrong", enc, "mật khẩu rất dài!", false},
		{"empty", enc, "", false},
		{"not a hash", "plain", "plain", false},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuv", "x", false},
		{"absurd cost", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$a2V5", "x", false},
		{"truncated", enc[:len(enc)-10], "mật khẩu rất dài", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := h.Verify(tc.encoded, tc.pw); got != tc.want {
				t.Errorf("Verify = %v, want %v", got, tc.want)
			}
		})
	}
	// A hash made with other parameters still verifies: they travel in the string.
	other := password.New(password.Params{Memory: 2048, Time: 2, Threads: 1})
	if !other.Verify(enc, "mật khẩu rất dài") {
		t.Error("a hasher with other parameters cannot verify an older hash")
	}
}
