package mongo_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/metrics"
	"github.com/khaosat/khaosat/internal/survey"
)

// TestOperationsAreObserved: with the metrics as its observer, the store
// reports the commands its operations send, by command and collection,
// with their durations; a duplicate key is an answer, not an error; a
// command the server refuses is counted as an error.
func TestOperationsAreObserved(t *testing.T) {
	t.Parallel()
	s := MustStore(t)
	m := metrics.New()
	s.SetObserver(m)
	ctx := context.Background()
	u := &account.User{ID: uuid.NewString(), Username: "lan", Role: survey.RoleCollector, Units: []string{"00004"}, CreatedAt: time.Now()}
	if err := s.InsertUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertUser(ctx, u); !errors.Is(err, survey.ErrDuplicate) {
		t.Fatalf("second insert: %v, want ErrDuplicate", err)
	}
	if _, err := s.UserByID(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByID(ctx, uuid.NewString()); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("missing user: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Database().RunCommand(ctx, bson.D{{Key: "khaosatNoSuchCommand", Value: 1}}).Err(); err == nil {
		t.Fatal("an unknown command succeeded")
	}

	got := scrapeMetrics(t, m)
	for series, want := range map[string]float64{
		`khaosat_db_operation_duration_seconds_count{op="insert users"}`:         2,
		`khaosat_db_operation_duration_seconds_count{op="find users"}`:           2,
		`khaosat_db_operation_duration_seconds_count{op="khaosatNoSuchCommand"}`: 1,
		`khaosat_db_operation_errors_total{op="khaosatNoSuchCommand"}`:           1,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
	if got[`khaosat_db_operation_duration_seconds_sum{op="insert users"}`] <= 0 {
		t.Errorf("no duration recorded for the inserts")
	}
	for series, v := range got {
		if strings.HasPrefix(series, "khaosat_db_operation_errors_total") && !strings.Contains(series, "khaosatNoSuchCommand") {
			t.Errorf("%s = %v: an answer (duplicate, not found) counted as an error", series, v)
		}
		if strings.Contains(series, `op="ping`) {
			t.Errorf("%s: the ping is counted by the readiness check, not by the store", series)
		}
	}
}

// scrapeMetrics reads m's exposition over HTTP into series → value.
func scrapeMetrics(t *testing.T, m *metrics.Metrics) map[string]float64 {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if i := strings.LastIndexByte(line, ' '); i > 0 && strings.HasPrefix(line, "khaosat_db_") {
			out[line[:i]], _ = strconv.ParseFloat(line[i+1:], 64)
		}
	}
	return out
}
