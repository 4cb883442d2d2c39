package survey_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/mongo"
	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/survey"
)

// embeddedURI is the engine started once for every test of the package.
var embeddedURI string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "khaosat-survey-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	emb, err := mongo.StartEmbedded(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	embeddedURI = emb.URI()
	code := m.Run()
	_ = emb.Stop(context.Background())
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

var dbSeq atomic.Int64

// world is a real store in a fresh database with the shipped forms, units
// and indicator set, and the services over it.
type world struct {
	store      *mongo.Store
	units      *survey.Units
	catalog    *survey.Catalog
	intake     *survey.Intake
	indicators *survey.Indicators
	log        *slog.Logger
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// mustWorld builds a world; facts, when not nil, wraps the store that the
// indicator service writes facts through.
func mustWorld(tb testing.TB, facts func(survey.FactsStore) survey.FactsStore) *world {
	tb.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("t%d_%s", dbSeq.Add(1), strings.NewReplacer("/", "_", " ", "_").Replace(tb.Name()))
	if len(name) > 60 {
		name = name[:60]
	}
	store, err := mongo.Connect(ctx, embeddedURI, name)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = store.Drop(context.Background())
		_ = store.Close(context.Background())
	})
	if err := store.EnsureIndexes(ctx); err != nil {
		tb.Fatal(err)
	}
	w := &world{store: store, log: quietLog()}
	if w.units, err = survey.LoadUnits(khaosat.Content, khaosat.UnitsDir); err != nil {
		tb.Fatal(err)
	}
	w.catalog = survey.NewCatalog(store, w.log)
	if err := w.catalog.PublishDir(ctx, khaosat.Content, khaosat.FormsDir); err != nil {
		tb.Fatal(err)
	}
	set, err := survey.LoadIndicatorSet(khaosat.Content, khaosat.FormsDir, khaosat.IndicatorsFile)
	if err != nil {
		tb.Fatal(err)
	}
	var fs survey.FactsStore = store
	if facts != nil {
		fs = facts(store)
	}
	w.indicators = survey.NewIndicators(set, w.units, fs, w.log)
	w.intake = mustIntake(tb, store, w.catalog, w.units)
	w.intake.UseIndicators(w.indicators)
	return w
}

// mustIntake returns an intake service with a fresh data key and hash key,
// auditing to store.
func mustIntake(tb testing.TB, store *mongo.Store, catalog *survey.Catalog, units *survey.Units) *survey.Intake {
	tb.Helper()
	key, err := seal.NewKey()
	if err != nil {
		tb.Fatal(err)
	}
	ring, err := seal.NewKeyring(key)
	if err != nil {
		tb.Fatal(err)
	}
	in, err := survey.NewIntake(store, catalog, units, survey.Protection{Sealer: ring, HashKey: []byte("a hash key of the tests, 32 bytes long"), Audit: survey.NewAuditor(store)})
	if err != nil {
		tb.Fatal(err)
	}
	return in
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
