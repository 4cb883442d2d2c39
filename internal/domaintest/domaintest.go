// Package domaintest builds the real parts that the tests of the domain
// packages (survey, account, protect, indicator) run on: a fresh embedded
// database, and intake over it sealing under a fresh data key ring. Only
// tests import it.
package domaintest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/khaosat/khaosat/internal/protect"
	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/survey"
)

// Store opens a store on a fresh database file, closed when the test ends.
func Store(tb testing.TB) *sqlite.Store {
	tb.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), sqlite.FileName))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = store.Close() })
	return store
}

// Intake returns an intake service with a fresh data key and hash key,
// auditing to store, with the answer protection it seals through and its
// data keys.
func Intake(tb testing.TB, store *sqlite.Store, catalog *survey.Catalog, units *survey.Units, opts ...survey.IntakeOption) (*survey.Intake, *protect.Answers, *seal.Keyring) {
	tb.Helper()
	key, err := seal.NewKey()
	if err != nil {
		tb.Fatal(err)
	}
	ring, err := seal.NewKeyring(key)
	if err != nil {
		tb.Fatal(err)
	}
	answers := protect.New(ring, catalog)
	in, err := survey.NewIntake(store, catalog, units, survey.Protection{Sealer: ring, Answers: answers, HashKey: []byte("a hash key of the tests, 32 bytes long"), Audit: survey.NewAuditor(store)}, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return in, answers, ring
}
