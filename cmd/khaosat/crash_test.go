package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// process is `khaosat serve` as a child process, so it can be killed hard.
type process struct {
	cmd *exec.Cmd
	ts  *testServer
}

// startProcess starts `khaosat serve` on dataDir as a process of its own
// (this test binary, running the command instead of the tests) and waits
// until it listens; it returns the time that took.
func startProcess(t *testing.T, dataDir string) (*process, time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "KHAOSAT_ADMIN_PASSWORD="+testAdminPassword,
		childEnv+"="+strings.Join([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "error"}, "\x1f"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "khaosat: listening on "); ok {
			took := time.Since(start)
			go func() {
				for sc.Scan() {
				}
			}()
			return &process{cmd: cmd, ts: &testServer{base: addr, dataDir: dataDir}}, took
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	t.Fatalf("the server did not start: %v", sc.Err())
	return nil, 0
}

// TestKillUnderLoad kills the server with SIGKILL while 16 collectors
// send households, three times over one data directory. After each
// restart every acknowledged submission is there, the change feed holds
// exactly the stored submissions, and the indicators count exactly them.
// The restart and first-read times are logged (go test -v -run KillUnderLoad).
func TestKillUnderLoad(t *testing.T) {
	dir := t.TempDir()
	p, _ := startProcess(t, dir)
	col := newUser(t, p.ts, "collector", "00004")
	adm := adminClient(t, p.ts)
	// Children counted by CHILD_POP per household of the test data.
	if r := col.do("POST", "/api/v1/forms/household/submissions", envelope(householdData(t))); r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	perHousehold := childPop(t, adm)
	acked := map[string]bool{}
	for cycle := 1; cycle <= 3; cycle++ {
		var mu sync.Mutex
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				hc := &http.Client{Timeout: 10 * time.Second}
				for {
					select {
					case <-stop:
						return
					default:
					}
					e := envelope(householdData(t))
					status, err := postJSON(hc, col, "/api/v1/forms/household/submissions", e)
					if err != nil {
						select {
						case <-stop:
							return
						default:
							continue // the server is gone; stop is coming
						}
					}
					if status == http.StatusCreated {
						mu.Lock()
						acked[e["id"].(string)] = true
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Second)
		if err := p.cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		_ = p.cmd.Wait()
		close(stop)
		wg.Wait()

		var took time.Duration
		p, took = startProcess(t, dir)
		col.base, adm.base = p.ts.base, p.ts.base
		start := time.Now()
		first := readFeed(t, adm, "", "&limit=1")
		firstRead := time.Since(start)
		_ = first
		stored := map[string]bool{}
		cursor := ""
		for {
			pg := readFeed(t, adm, cursor, "&limit=1000")
			for _, e := range pg.Items {
				if e.Kind == "create" && e.Form == "household" {
					if stored[e.ID] {
						t.Errorf("cycle %d: submission %s created twice in the feed", cycle, e.ID)
					}
					stored[e.ID] = true
				}
			}
			if len(pg.Items) == 0 && pg.NextCursor == cursor {
				break
			}
			cursor = pg.NextCursor
		}
		mu.Lock()
		missing := 0
		for id := range acked {
			if !stored[id] {
				missing++
			}
		}
		n := len(acked)
		mu.Unlock()
		if missing > 0 {
			t.Errorf("cycle %d: %d of %d acknowledged submissions missing from the change feed", cycle, missing, n)
		}
		listed := countSubmissions(t, adm, "household", "&unit=00004")
		if listed != len(stored) {
			t.Errorf("cycle %d: %d submissions listed, %d in the change feed", cycle, listed, len(stored))
		}
		if got, want := childPop(t, adm), perHousehold*len(stored); got != want {
			t.Errorf("cycle %d: CHILD_POP %d, want %d for the %d stored households", cycle, got, want, len(stored))
		}
		t.Logf("cycle %d: %d acknowledged, %d stored (the difference: committed, answer lost in the kill); restart to listening %s; first /changes %s",
			cycle, n, len(stored), took.Round(time.Millisecond), firstRead.Round(time.Millisecond))
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	_ = p.cmd.Wait()
}

// childPop reads CHILD_POP of commune 00004 in 2026.
func childPop(t *testing.T, c *client) int {
	t.Helper()
	var tab struct {
		Rows []struct {
			Numerator *int `json:"numerator"`
		} `json:"rows"`
	}
	r := c.do("GET", "/api/v1/indicators/CHILD_POP?unit=00004&period=2026", nil)
	if r.status != http.StatusOK {
		t.Fatalf("indicator: %d %s", r.status, r.body)
	}
	r.json(t, &tab)
	if len(tab.Rows) != 1 || tab.Rows[0].Numerator == nil {
		t.Fatalf("indicator rows: %s", r.body)
	}
	return *tab.Rows[0].Numerator
}

// postJSON sends v as c without failing the test when the server is gone.
func postJSON(hc *http.Client, c *client, path string, v any) (int, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequest("POST", c.base+path, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, err = io.Copy(io.Discard, res.Body)
	return res.StatusCode, err
}
