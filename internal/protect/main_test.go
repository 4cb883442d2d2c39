package protect_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/protect"
	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/survey"
)

// world is a real store in a fresh database with the shipped forms and
// units, intake over it and the answer protection intake seals through.
type world struct {
	store   *sqlite.Store
	catalog *survey.Catalog
	intake  *survey.Intake
	answers *protect.Answers
}

// mustWorld builds a world.
func mustWorld(tb testing.TB) *world {
	tb.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), sqlite.FileName))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = store.Close() })
	w := &world{store: store}
	units, err := survey.LoadUnits(khaosat.Content, khaosat.UnitsDir)
	if err != nil {
		tb.Fatal(err)
	}
	w.catalog = survey.NewCatalog(store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := w.catalog.PublishDir(ctx, khaosat.Content, khaosat.FormsDir); err != nil {
		tb.Fatal(err)
	}
	key, err := seal.NewKey()
	if err != nil {
		tb.Fatal(err)
	}
	ring, err := seal.NewKeyring(key)
	if err != nil {
		tb.Fatal(err)
	}
	w.answers = protect.New(ring, w.catalog)
	w.intake, err = survey.NewIntake(store, w.catalog, units, survey.Protection{Sealer: ring, Answers: w.answers,
		HashKey: []byte("a hash key of the tests, 32 bytes long"), Audit: survey.NewAuditor(store)})
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

var admin = survey.Actor{UserID: "u-admin", Username: "admin", Role: survey.RoleAdmin}
