package plan_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/plan"
	"github.com/khaosat/khaosat/internal/protect"
	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/survey"
)

var ctx = context.Background()

// world is a real store in a fresh database with the shipped forms, units
// and indicator set, and the services over it.
type world struct {
	store      *sqlite.Store
	units      *survey.Units
	catalog    *survey.Catalog
	intake     *survey.Intake
	life       *survey.Lifecycle
	indicators *indicator.Indicators
	plan       *plan.Service
	key        []byte // the data key of the ring
	audit      *survey.Auditor
}

var (
	admin    = survey.Actor{UserID: "u-admin", Username: "admin", Role: survey.RoleAdmin}
	manager  = survey.Actor{UserID: "u-m", Username: "m", Role: survey.RoleManager, Units: []string{survey.CityCode}}
	officer  = survey.Actor{UserID: "u-o", Username: "o", Role: survey.RoleSupervisor, Units: []string{"00004"}}
	officer2 = survey.Actor{UserID: "u-o2", Username: "o2", Role: survey.RoleSupervisor, Units: []string{"00008"}}
	cityBoss = survey.Actor{UserID: "u-c", Username: "c", Role: survey.RoleSupervisor, Units: []string{survey.CityCode}}
	cityTwo  = survey.Actor{UserID: "u-c2", Username: "c2", Role: survey.RoleSupervisor, Units: []string{survey.CityCode}}
)

func mustWorld(tb testing.TB) *world {
	tb.Helper()
	store, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), sqlite.FileName))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = store.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := &world{store: store}
	if w.units, err = survey.LoadUnits(khaosat.Content, khaosat.UnitsDir); err != nil {
		tb.Fatal(err)
	}
	catalog := survey.NewCatalog(store, log)
	w.catalog = catalog
	if err := catalog.PublishDir(ctx, khaosat.Content, khaosat.FormsDir); err != nil {
		tb.Fatal(err)
	}
	set, err := indicator.LoadSet(khaosat.Content, khaosat.FormsDir, khaosat.IndicatorsFile)
	if err != nil {
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
	audit := survey.NewAuditor(store)
	w.key, w.audit = key, audit
	facts := indicator.NewDeriver(set, w.units)
	w.intake, err = survey.NewIntake(store, catalog, w.units, survey.Protection{Sealer: ring, Answers: protect.New(ring, catalog), HashKey: []byte("a hash key of the tests, 32 bytes long"), Audit: audit},
		survey.WithFacts(facts), survey.WithFeed(survey.NewFeed(store)))
	if err != nil {
		tb.Fatal(err)
	}
	w.life = survey.NewLifecycle(w.intake, store, audit)
	w.indicators = indicator.NewIndicators(facts, store, w.intake, ring, log)
	w.plan = plan.New(store, w.indicators, w.units, audit, ring, store)
	w.plan.SetClock(func() time.Time { return time.Date(2026, 7, 10, 9, 0, 0, 0, time.UTC) })
	return w
}

func (w *world) submit(tb testing.TB, form, unit string, day time.Time, data map[string]any) *survey.Submission {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"id": uuid.NewString(), "form_version": 1, "unit": unit, "survey_date": day.Format(time.DateOnly), "data": data})
	sub, _, err := w.intake.Submit(ctx, admin, form, body)
	if err != nil {
		tb.Fatalf("submit %s: %v", form, err)
	}
	return sub
}

// household is a household with the children given by age, all born on
// 1 January, with birth registered as asked.
func household(day time.Time, registered string, ages ...int) map[string]any {
	var kids []any
	for i, a := range ages {
		kids = append(kids, map[string]any{"child_id": uuid.NewString(), "full_name": fmt.Sprint("Trẻ ", i+1), "sex": []string{"male", "female"}[i%2],
			"date_of_birth": fmt.Sprintf("%d-01-01", day.Year()-a), "lives_with": "both_parents", "birth_registered": registered,
			"in_school": "not_applicable", "health_insurance": "yes", "mother_alive": "yes", "father_alive": "yes", "special_circumstances": []any{}})
	}
	return map[string]any{"head_name": "Nguyễn Văn An", "address": "Số 1", "members_total": len(ages) + 2, "poverty_status": "not_poor", "children": kids}
}

// hiv is a random hiv follow-up.
func hiv(r *rand.Rand, day time.Time) map[string]any {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	st := []string{"alive_healthy", "deceased_aids", "unknown"}
	d := map[string]any{"full_name": "Đỗ Thị Mai", "sex": pick("male", "female"), "date_of_birth": fmt.Sprintf("%d-03-01", day.Year()-1-r.IntN(16)),
		"hiv_status": pick("positive", "negative", "unknown"), "mother_status": pick(st...), "father_status": pick(st...),
		"household_adult_ill": pick("yes", "no"), "caregiver": pick("parent", "grandparent"), "attends_school": pick("yes", "no"),
		"support_received": []any{}}
	if r.IntN(2) == 0 {
		d["support_received"] = []any{"medical"}
	}
	if d["hiv_status"] == "positive" {
		d["on_art"] = pick("yes", "no")
	}
	return d
}

func f(v float64) *float64 { return &v }

func code(err error) survey.Code { return survey.ErrorCode(err) }

func fields(err error) []string {
	e, ok := err.(*survey.Error)
	if !ok {
		return nil
	}
	var out []string
	for _, fe := range e.Fields {
		out = append(out, fe.Path+":"+fe.Code)
	}
	return out
}
