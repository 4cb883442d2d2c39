package survey_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/domaintest"
	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/survey"
)

// world is a real store in a fresh database with the shipped forms and
// units, and the services over it.
type world struct {
	store   *sqlite.Store
	units   *survey.Units
	catalog *survey.Catalog
	intake  *survey.Intake
	life    *survey.Lifecycle // set by tests that change submissions
	log     *slog.Logger
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// mustWorld builds a world.
func mustWorld(tb testing.TB) *world {
	tb.Helper()
	ctx := context.Background()
	store := domaintest.Store(tb)
	w := &world{store: store, log: quietLog()}
	var err error
	if w.units, err = survey.LoadUnits(khaosat.Content, khaosat.UnitsDir); err != nil {
		tb.Fatal(err)
	}
	w.catalog = survey.NewCatalog(store, w.log)
	if err := w.catalog.PublishDir(ctx, khaosat.Content, khaosat.FormsDir); err != nil {
		tb.Fatal(err)
	}
	w.intake, _, _ = domaintest.Intake(tb, store, w.catalog, w.units)
	return w
}

var admin = survey.Actor{UserID: "u-admin", Username: "admin", Role: survey.RoleAdmin}

// submit sends one submission as the admin and fails the test if it is refused.
func (w *world) submit(tb testing.TB, form string, env map[string]any) *survey.Submission {
	tb.Helper()
	body, err := json.Marshal(env)
	if err != nil {
		tb.Fatal(err)
	}
	sub, _, err := w.intake.Submit(context.Background(), admin, form, body)
	if err != nil {
		var se *survey.Error
		if errorsAs(err, &se) {
			tb.Fatalf("submit %s: %v %+v\n%s", form, err, se.Fields, body)
		}
		tb.Fatalf("submit %s: %v", form, err)
	}
	return sub
}

func errorsAs(err error, target **survey.Error) bool {
	e, ok := err.(*survey.Error)
	if ok {
		*target = e
	}
	return ok
}
