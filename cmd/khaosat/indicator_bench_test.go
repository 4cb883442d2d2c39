package main

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/app"
	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/survey"
)

// seedHouseholds fills the stopped server's data directory dir with
// households of three children (the intake example) spread over every
// commune of 2026 and the days of its first ten months, with their facts,
// until they hold rows child rows.
func seedHouseholds(b *testing.B, dir string, rows int) {
	jan1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(10, 10))
	seedDataDir(b, dir, rows/3, func(svc *app.Services) func(*survey.Submission) {
		communes := svc.Units.Children(survey.CityCode, jan1)
		return func(c *survey.Submission) {
			c.Unit = communes[r.IntN(len(communes))].Code
			c.SurveyDate = jan1.AddDate(0, 0, r.IntN(300))
		}
	})
}

// seedDataDir stores n household submissions in the data directory dir: one sent through the
// API of a server started on dir (which makes its keys, forms and admin as
// serve does), then n-1 copies of it with their facts, loaded straight
// into the store in batches, each first changed by the function vary
// returns (when vary is given).
func seedDataDir(b *testing.B, dir string, n int, vary func(*app.Services) func(*survey.Submission)) {
	ctx := context.Background()
	ts, err := startServer(dir)
	if err != nil {
		b.Fatal(err)
	}
	col := newUser(b, ts, "collector", "00004")
	e := envelope(householdData(b))
	if r := col.do("POST", "/api/v1/forms/household/submissions", e); r.status != http.StatusCreated {
		b.Fatalf("%d %s", r.status, r.body)
	}
	if err := ts.stop(); err != nil {
		b.Fatal(err)
	}
	store, err := sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		b.Fatal(err)
	}
	prot, err := protection(&Config{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := app.Build(ctx, store, app.Config{Log: quietLogger(), Protection: prot})
	if err != nil {
		b.Fatal(err)
	}
	stored, err := store.Submission(ctx, e["id"].(string))
	if err != nil {
		b.Fatal(err)
	}
	change := func(*survey.Submission) {}
	if vary != nil {
		change = vary(svc)
	}
	var subs []*survey.Submission
	var facts []*survey.Facts
	for i := 1; i < n; i++ {
		c := *stored
		c.ID, c.Sealed = uuid.NewString(), nil
		change(&c)
		f, err := svc.Indicators.FactsOf(&c)
		if err != nil {
			b.Fatal(err)
		}
		subs, facts = append(subs, &c), append(facts, f)
		if len(subs) == 5000 || i == n-1 {
			if err := store.LoadSubmissions(ctx, subs, facts); err != nil {
				b.Fatal(err)
			}
			subs, facts = subs[:0], facts[:0]
		}
	}
	if err := store.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkIndicatorHTTP: indicator queries over HTTP on a real listener,
// on KHAOSAT_BENCH_ROWS household child rows (default 200000): the whole
// table and one indicator of one commune for an admin, and the same one
// cell and the whole table for a supervisor of the city without the
// sensitive grant (whose answers are suppressed), the second time of
// each after a write (nothing kept from before is reused), each against
// the plain SQL read of the sealed totals the query opens, on the server's
// database file in the same run (the baseline).
func BenchmarkIndicatorHTTP(b *testing.B) {
	dir := b.TempDir()
	seedHouseholds(b, dir, envInt("KHAOSAT_BENCH_ROWS", 200_000))
	benchIndicatorHTTP(b, dir)
}

func benchIndicatorHTTP(b *testing.B, dir string) {
	ts, err := startServer(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer ts.stop()
	admin := adminClient(b, ts)
	sup := newUser(b, ts, "supervisor", survey.CityCode)
	db := rawDB(b, ts)
	hc := &http.Client{}
	get := func(b *testing.B, c *client, path string) {
		req, _ := http.NewRequest("GET", ts.base+path, nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		res, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d %s", path, res.StatusCode, body)
		}
	}
	raw := func(b *testing.B, query string, args ...any) time.Duration {
		start := time.Now()
		rows, err := db.Query(query, args...)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		rows.Close()
		return time.Since(start)
	}
	col := newUser(b, ts, "collector", "00004")
	data := householdData(b)
	// write stores one more household, between the timed queries: the
	// facts change, so nothing computed from them before can be reused.
	write := func(b *testing.B) {
		if r := col.do("POST", "/api/v1/forms/household/submissions", envelope(data)); r.status != http.StatusCreated {
			b.Fatalf("%d %s", r.status, r.body)
		}
	}
	run := func(b *testing.B, c *client, writes bool, path string, query string, args ...any) {
		get(b, c, path) // warm the caches of both sides alike
		raw(b, query, args...)
		var rawT time.Duration
		for b.Loop() {
			get(b, c, path)
			b.StopTimer()
			rawT += raw(b, query, args...)
			if writes {
				write(b)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
		b.ReportMetric(float64(rawT.Microseconds())/1000/float64(b.N), "raw_ms/query")
		b.ReportMetric(float64(b.Elapsed())/float64(rawT), "http/raw")
	}
	// The baseline reads the boxes the service opens (the month totals of
	// 2026), as the database alone gives them.
	const (
		wholeSQL = `SELECT commune, district, month, key_id, box FROM fact_month_totals WHERE month BETWEEN 202601 AND 202612`
		oneSQL   = `SELECT commune, district, month, key_id, box FROM fact_month_totals
			WHERE hierarchy = (SELECT hierarchy FROM fact_month_totals WHERE commune = '00004' LIMIT 1) AND commune = '00004'
			AND month BETWEEN 202601 AND 202612`
	)
	b.Run("whole table admin", func(b *testing.B) {
		run(b, admin, false, "/api/v1/indicators/table?period=2026&level=commune&by=sex,age_group", wholeSQL)
	})
	b.Run("one indicator one commune admin", func(b *testing.B) {
		run(b, admin, false, "/api/v1/indicators/CSPC_RATE?period=2026&unit=00004", oneSQL)
	})
	b.Run("one indicator one commune no grant", func(b *testing.B) {
		run(b, sup, false, "/api/v1/indicators/CSPC_RATE?period=2026&unit=00004", oneSQL)
	})
	b.Run("one indicator one commune no grant after a write", func(b *testing.B) {
		run(b, sup, true, "/api/v1/indicators/CSPC_RATE?period=2026&unit=00004", oneSQL)
	})
	b.Run("whole table no grant", func(b *testing.B) {
		run(b, sup, false, "/api/v1/indicators/table?period=2026&level=commune&by=sex,age_group", wholeSQL)
	})
	b.Run("whole table no grant after a write", func(b *testing.B) {
		run(b, sup, true, "/api/v1/indicators/table?period=2026&level=commune&by=sex,age_group", wholeSQL)
	})
}
