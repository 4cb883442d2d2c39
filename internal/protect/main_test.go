package protect_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/domaintest"
	"github.com/khaosat/khaosat/internal/protect"
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
	w := &world{store: domaintest.Store(tb)}
	units, err := survey.LoadUnits(khaosat.Content, khaosat.UnitsDir)
	if err != nil {
		tb.Fatal(err)
	}
	w.catalog = survey.NewCatalog(w.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := w.catalog.PublishDir(context.Background(), khaosat.Content, khaosat.FormsDir); err != nil {
		tb.Fatal(err)
	}
	w.intake, w.answers, _ = domaintest.Intake(tb, w.store, w.catalog, units)
	return w
}

var admin = survey.Actor{UserID: "u-admin", Username: "admin", Role: survey.RoleAdmin}
