package account_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/domaintest"
	"github.com/khaosat/khaosat/internal/password"
	"github.com/khaosat/khaosat/internal/survey"
)

// countingHasher is the real argon2id hasher that also records every hash
// it verifies against, so a test can see the work a login did without
// timing it.
type countingHasher struct {
	*password.Hasher
	mu       sync.Mutex
	verified []string
}

func (h *countingHasher) Verify(encoded, pw string) bool {
	h.mu.Lock()
	h.verified = append(h.verified, encoded)
	h.mu.Unlock()
	return h.Hasher.Verify(encoded, pw)
}

func (h *countingHasher) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	v := h.verified
	h.verified = nil
	return v
}

// TestLoginWorkHidesUnknownUsers: a missing account, a wrong password and a
// disabled account each cost exactly one verification of an argon2id hash
// made with the same parameters, so the time of a failed login does not
// tell whether a username exists. (BenchmarkLoginTiming in cmd/khaosat
// reports the resulting time ratio over HTTP.)
func TestLoginWorkHidesUnknownUsers(t *testing.T) {
	ctx := context.Background()
	store := domaintest.Store(t)
	units, err := survey.LoadUnits(khaosat.Content, khaosat.UnitsDir)
	if err != nil {
		t.Fatal(err)
	}
	params := password.Params{Memory: 1024, Time: 1, Threads: 1} // cheap: the test counts, it does not time
	h := &countingHasher{Hasher: password.New(params)}
	acc, err := account.NewAccounts(store, store, h, units, survey.NewAuditor(store))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, u := range []struct {
		name     string
		disabled bool
	}{{"lan.nguyen", false}, {"old.account", true}} {
		hash, err := h.Hash("correct-horse-battery")
		if err != nil {
			t.Fatal(err)
		}
		if err := store.InsertUser(ctx, &account.User{ID: "u-" + u.name, Username: u.name, Role: survey.RoleCollector,
			Units: []string{"00004"}, PasswordHash: hash, Disabled: u.disabled, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	paramsOf := func(encoded string) string { // the PHC prefix: algorithm, version and cost
		n := 0
		for i, c := range encoded {
			if c == '$' {
				if n++; n == 4 {
					return encoded[:i]
				}
			}
		}
		return encoded
	}
	wantParams := ""
	for _, c := range []struct{ name, user, pw string }{
		{"wrong password", "lan.nguyen", "not-the-password"},
		{"missing account", "no-such-user", "not-the-password"},
		{"disabled account", "old.account", "correct-horse-battery"},
	} {
		_, err := acc.Login(ctx, c.user, c.pw, "127.0.0.1")
		var e *survey.Error
		if !errors.As(err, &e) || e.Code != survey.CodeUnauthorized {
			t.Fatalf("%s: err = %v, want unauthorized", c.name, err)
		}
		v := h.take()
		if len(v) != 1 {
			t.Fatalf("%s: %d hash verifications, want exactly 1", c.name, len(v))
		}
		if wantParams == "" {
			wantParams = paramsOf(v[0])
		}
		if got := paramsOf(v[0]); got != wantParams {
			t.Errorf("%s: verified a hash with cost %q, want %q like the others", c.name, got, wantParams)
		}
	}
}
