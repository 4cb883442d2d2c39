package main

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/mongo"
	"github.com/khaosat/khaosat/internal/mongotest"
)

// TestDatabaseOutage runs the server on MongoDB (the FerretDB stand-in),
// stops the database under it and starts it again on the same files.
// While it is down, submissions and /readyz answer 503 with Retry-After
// (never 500, never hanging); once it is back the server serves again by
// itself; every submission acknowledged before, during or after is stored
// once, with its change event; the phones' retries of the refused ones
// are stored once too. The times are logged, not asserted.
func TestDatabaseOutage(t *testing.T) {
	t0 := time.Now()
	defer func() { t.Logf("total %v", time.Since(t0)) }()
	dbDir := t.TempDir()
	emb, err := mongotest.StartEmbedded(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { emb.Stop(context.Background()) }()
	ts := mustStart(t, t.TempDir(), "--mongodb-uri", emb.URI(), "--database", "outage")
	col := newUser(t, ts, "collector", "00004")
	col.hc.Timeout = 30 * time.Second // a request that hangs fails the test
	admin := adminClient(t, ts)

	var (
		mu      sync.Mutex
		acked   = map[string]bool{} // answered 201 or 200
		refused []map[string]any    // answered 503, to send again
		other   []string
	)
	data := householdData(t)
	submit := func(env map[string]any) int {
		r := col.do("POST", "/api/v1/forms/household/submissions", env)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.status == http.StatusCreated || r.status == http.StatusOK:
			acked[env["id"].(string)] = true
		case r.status == http.StatusServiceUnavailable && r.header.Get("Retry-After") != "":
			refused = append(refused, env)
		default:
			other = append(other, r.header.Get("Retry-After")+" "+string(r.body))
		}
		return r.status
	}
	// Four phones keep submitting throughout.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var sent atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				submit(envelope(data))
				sent.Add(1)
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	waitFor := func(what string, ok func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !ok() {
			if time.Since(start) > 60*time.Second {
				t.Fatalf("%s: not within 60 s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
		return time.Since(start)
	}
	began := time.Now()
	waitFor("some submissions before the outage", func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= 20 })
	t.Logf("setup %v", time.Since(began))

	if err := emb.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	ready := func(want int) func() bool {
		return func() bool {
			r := col.do("GET", "/readyz", nil)
			return r.status == want && (want != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "")
		}
	}
	first503 := waitFor("a submission answered 503 with Retry-After", func() bool {
		r := col.do("POST", "/api/v1/forms/household/submissions", envelope(data))
		return r.status == http.StatusServiceUnavailable && r.header.Get("Retry-After") != ""
	})
	notReady := waitFor("/readyz not ready", ready(http.StatusServiceUnavailable))
	// Requests while down answer within a bound: time a few.
	var slowest time.Duration
	for range 2 {
		start := time.Now()
		if r := col.do("POST", "/api/v1/forms/household/submissions", envelope(data)); r.status != http.StatusServiceUnavailable {
			t.Errorf("a submission while the database is down: %d %s", r.status, r.body)
		}
		slowest = max(slowest, time.Since(start))
	}
	time.Sleep(time.Second) // stay down a while under load

	emb, err = mongotest.StartEmbedded(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	back := waitFor("a submission stored after the restart", func() bool {
		r := col.do("POST", "/api/v1/forms/household/submissions", envelope(data))
		return r.status == http.StatusCreated
	})
	readyAgain := waitFor("/readyz ready", ready(http.StatusOK))
	time.Sleep(500 * time.Millisecond) // some more under load
	close(stop)
	wg.Wait()
	t.Logf("down: first 503 after %v, /readyz not ready after %v more, slowest refused submission %v; "+
		"restarted: first submission stored after %v, /readyz ready %v more; %d submissions sent by the phones, %d acknowledged, %d refused with 503",
		first503.Round(time.Millisecond), notReady.Round(time.Millisecond), slowest.Round(time.Millisecond),
		back.Round(time.Millisecond), readyAgain.Round(time.Millisecond), sent.Load(), len(acked), len(refused))
	if len(other) > 0 {
		t.Errorf("%d answers neither stored nor 503 with Retry-After, e.g. %s", len(other), other[0])
	}
	if len(refused) == 0 {
		t.Errorf("no phone's submission was refused while the database was down")
	}
	began = time.Now()
	defer func() { t.Logf("checks %v", time.Since(began)) }()
	// The phones send the refused ones again: each is stored once.
	for _, env := range refused {
		if s := submit(env); s != http.StatusCreated && s != http.StatusOK {
			t.Errorf("a retry after the outage: %d", s)
		}
	}
	// Everything acknowledged is there, with one create event each.
	creates := map[string]int{}
	cursor := ""
	for {
		p := readFeed(t, admin, cursor, "&limit=1000&form=household")
		for _, e := range p.Items {
			if e.Kind == "create" {
				creates[e.ID]++
			}
		}
		if len(p.Items) == 0 {
			break
		}
		cursor = p.NextCursor
	}
	store, err := mongo.Connect(context.Background(), emb.URI(), "outage")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(context.Background())
	ids := bson.A{}
	for id := range acked {
		ids = append(ids, id)
	}
	n, err := store.Database().Collection("submissions").CountDocuments(context.Background(), bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil || n != int64(len(ids)) {
		t.Errorf("%d of %d acknowledged submissions stored (%v)", n, len(ids), err)
	}
	for id := range acked {
		if creates[id] != 1 {
			t.Errorf("acknowledged submission %s has %d create events, want 1", id, creates[id])
		}
	}
}
