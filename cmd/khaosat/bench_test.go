package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/mongo"
)

const benchClients = 32

// parallel runs n calls of fn on benchClients goroutines and returns the
// elapsed time.
func parallel(n int, fn func(i int)) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < benchClients; w++ {
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
// store) of a household submission with 3 children, from 32 concurrent
// clients, with raw driver InsertOne calls of the same stored document into
// the same collection of the same embedded database, in the same run.
func BenchmarkIntake(b *testing.B) {
	col := newUser(b, shared, "collector", "00004")
	data := householdData(b)

	// The stored form of one submission, as intake writes it.
	first := envelope(data)
	if r := col.do("POST", "/api/v1/forms/household/submissions", first); r.status != http.StatusCreated {
		b.Fatalf("%d %s", r.status, r.body)
	}
	ctx := context.Background()
	sock := filepath.Join(shared.dataDir, "db", "mongodb.sock")
	store, err := mongo.Connect(ctx, "mongodb://"+url.PathEscape(sock)+"/", "khaosat")
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close(ctx)
	subs := store.Database().Collection("submissions")
	var doc bson.M
	if err := subs.FindOne(ctx, bson.M{"_id": first["id"]}).Decode(&doc); err != nil {
		b.Fatal(err)
	}

	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i], _ = json.Marshal(envelope(data))
	}
	rawDocs := make([]bson.M, b.N)
	for i := range rawDocs {
		d := bson.M{}
		for k, v := range doc {
			d[k] = v
		}
		d["_id"] = uuid.NewString()
		rawDocs[i] = d
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients, MaxConnsPerHost: benchClients}}
	url := shared.base + "/api/v1/forms/household/submissions"
	var failures atomic.Int64

	raw := func(lo, hi int) time.Duration {
		return parallel(hi-lo, func(i int) {
			if _, err := subs.InsertOne(ctx, rawDocs[lo+i]); err != nil {
				failures.Add(1)
			}
		})
	}
	api := func(lo, hi int) time.Duration {
		return parallel(hi-lo, func(i int) {
			req, _ := http.NewRequest("POST", url, bytes.NewReader(bodies[lo+i]))
			req.Header.Set("Authorization", "Bearer "+col.token)
			req.Header.Set("Content-Type", "application/json")
			res, err := hc.Do(req)
			if err != nil {
				failures.Add(1)
				return
			}
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
	b.ReportMetric(rawRate, "raw_inserts/s")
	b.ReportMetric(apiRate/rawRate, "api/raw")
}
