package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/registry"
	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/survey"
)

// TestRegistryKillDuringRevisits kills the server with SIGKILL while 8
// collectors revisit 20 households (children leaving and coming back),
// then restarts it: the registry it kept equals the one rebuilt from the
// submissions it holds.
func TestRegistryKillDuringRevisits(t *testing.T) {
	dir := t.TempDir()
	p, _ := startProcess(t, dir)
	col := newUser(t, p.ts, "collector", "00004")
	households := make([]string, 20)
	for i := range households {
		households[i] = uuid.NewString()
	}
	revisit := func(rng *rand.Rand) map[string]any {
		d := householdData(t)
		d["household_id"] = households[rng.IntN(len(households))]
		kids := d["children"].([]any)
		var keep []any
		for i, k := range kids {
			c := map[string]any{}
			for f, v := range k.(map[string]any) {
				c[f] = v
			}
			// A household's children are the same three across visits,
			// each listed or not.
			c["child_id"] = uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprint(d["household_id"], i))).String()
			if rng.IntN(4) > 0 {
				keep = append(keep, c)
			}
		}
		d["children"] = keep
		e := envelope(d)
		e["survey_date"] = fmt.Sprintf("2026-06-%02d", 1+rng.IntN(28))
		delete(e, "started_at")
		delete(e, "ended_at")
		return e
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var mu sync.Mutex
	acked := 0
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			hc := &http.Client{Timeout: 10 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				status, err := postJSON(hc, col, "/api/v1/forms/household/submissions", revisit(rng))
				if err == nil && status == http.StatusCreated {
					mu.Lock()
					acked++
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := p.cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	close(stop)
	wg.Wait()
	p, _ = startProcess(t, dir)
	_ = p.cmd.Process.Signal(os.Interrupt)
	_ = p.cmd.Wait()

	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	live, err := store.RegistrySnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Households) == 0 {
		t.Fatalf("no household in the registry after %d acknowledged visits", acked)
	}
	err = store.RebuildRegistry(ctx, func(_ context.Context, sub *survey.Submission) (*registry.Observation, error) {
		return registry.ObservationOf(sub, false), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rebuilt, err := store.RegistrySnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(live, rebuilt); diff != "" {
		t.Errorf("the registry after the kill differs from a rebuild (-kept +rebuilt):\n%s", diff)
	}
	t.Logf("%d visits acknowledged before the kill; %d households, %d children in the registry", acked, len(live.Households), len(live.Children))
}
