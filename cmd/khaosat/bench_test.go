package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/storetest"
	"github.com/khaosat/khaosat/internal/survey"
)

// failures counts failed writes of a benchmark.
var failures atomic.Int64

// parallel runs n calls of fn on clients goroutines and returns the
// elapsed time.
func parallel(clients, n int, fn func(i int)) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkIntake compares end-to-end intake (HTTP → auth → validation →
// facts → one transaction) of a household submission with 3 children, from
// 8 and 32 concurrent clients, with the raw SQLite transaction rate of the
// same write (the stored submission, its change event and 10 fact cells,
// sealed and added to their totals, through the store's group commit,
// from as many goroutines) into a database file of its own, in the same
// run.
func BenchmarkIntake(b *testing.B) {
	for _, clients := range []int{8, 32} {
		b.Run(strconv.Itoa(clients)+" clients", func(b *testing.B) { benchIntake(b, clients) })
	}
}

func benchIntake(b *testing.B, clients int) {
	col := newUser(b, shared, "collector", "00004")
	data := householdData(b)

	// The stored form of one submission, as intake writes it.
	first := envelope(data)
	if r := col.do("POST", "/api/v1/forms/household/submissions", first); r.status != http.StatusCreated {
		b.Fatalf("%d %s", r.status, r.body)
	}
	ctx := context.Background()
	stored, err := dbOf(b, shared).Submission(ctx, first["id"].(string))
	if err != nil {
		b.Fatal(err)
	}
	rawStore, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), sqlite.FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer rawStore.Close()
	rawStore.UseFactSealer(storetest.TestFactSealer(b))

	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i], _ = json.Marshal(envelope(data))
	}
	cells := make([]survey.FactCell, 10)
	for i := range cells {
		cells[i] = survey.FactCell{Indicator: "I" + strconv.Itoa(i), Sex: "male", AgeGroup: "5-11", Den: 1, Num: 1}
	}
	raw := func(lo, hi int) time.Duration {
		return parallel(clients, hi-lo, func(int) {
			c := *stored
			c.ID = uuid.NewString()
			e := &survey.Event{Kind: survey.EventCreate, SubmissionID: c.ID, Form: c.FormID, Unit: c.Unit, SurveyDate: c.SurveyDate, At: time.Now()}
			f := &survey.Facts{SubmissionID: c.ID, Form: c.FormID, Commune: c.Unit, Hierarchy: "h", SurveyDate: c.SurveyDate, Cells: cells}
			if err := rawStore.CreateSubmission(ctx, &c, e, f); err != nil {
				failures.Add(1)
			}
		})
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	url := shared.base + "/api/v1/forms/household/submissions"
	api := func(lo, hi int) time.Duration {
		return parallel(clients, hi-lo, func(i int) {
			req, _ := http.NewRequest("POST", url, bytes.NewReader(bodies[lo+i]))
			req.Header.Set("Authorization", "Bearer "+col.token)
			req.Header.Set("Content-Type", "application/json")
			res, err := hc.Do(req)
			if err != nil {
				failures.Add(1)
				return
			}
			// Read the reply to its end, as a phone does: a body closed
			// unread also closes its connection, and every request would
			// dial a new one.
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusCreated {
				failures.Add(1)
			}
		})
	}
	// Raw, API, API, raw: the collection grows as the run goes on, and the
	// symmetric order gives both the same mix of small and large.
	half := b.N / 2
	b.ResetTimer()
	rawTime := raw(0, half)
	apiTime := api(0, half)
	apiTime += api(half, b.N)
	rawTime += raw(half, b.N)
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d of %d writes failed", n, 2*b.N)
	}
	rawRate := float64(b.N) / rawTime.Seconds()
	apiRate := float64(b.N) / apiTime.Seconds()
	b.ReportMetric(apiRate, "api_submissions/s")
	b.ReportMetric(rawRate, "raw_transactions/s")
	b.ReportMetric(apiRate/rawRate, "api/raw")
}
