package account

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed data/common-passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(commonPasswordsText, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[strings.ToLower(l)] = true
		}
	}
	return m
})

// commonPassword reports whether pw is one of the passwords attackers try
// first, or the same character repeated.
func commonPassword(pw string) bool {
	if commonPasswords()[strings.ToLower(pw)] {
		return true
	}
	r := []rune(pw)
	for _, c := range r[1:] {
		if c != r[0] {
			return false
		}
	}
	return len(r) > 0
}
