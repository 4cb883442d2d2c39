package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/sqlite"
)

// TestDataDirInUse: a second serve, and a verb that changes data, on the
// data directory of a running server get a clear error naming the
// directory; the running server keeps taking writes and stays ready.
func TestDataDirInUse(t *testing.T) {
	dir := t.TempDir()
	ts := mustStart(t, dir)
	col := newUser(t, ts, "collector", "00004")
	abs, _ := filepath.Abs(dir)
	keysBefore, err := os.ReadFile(filepath.Join(dir, dataKeysFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--log-level", "error"},
		{"keys", "rotate", "--data-dir", dir, "--log-level", "error"},
		{"indicators", "rebuild", "--data-dir", dir},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := run(ctx, args, []string{"KHAOSAT_ADMIN_PASSWORD=" + testAdminPassword}, io.Discard, io.Discard)
		cancel()
		if err == nil || !strings.Contains(err.Error(), abs) || !strings.Contains(err.Error(), "in use") {
			t.Errorf("%s on a directory in use: %v, want an error naming %s as in use", args[0], err, abs)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, dataKeysFile)); !bytes.Equal(b, keysBefore) {
		t.Error("a refused keys rotate changed the key ring")
	}
	if r := col.do("POST", "/api/v1/forms/household/submissions", envelope(householdData(t))); r.status != http.StatusCreated {
		t.Errorf("the running server after the refused processes: submit %d %s", r.status, r.body)
	}
	if r := newClient(t, ts).raw("GET", "/readyz", nil); r.status != http.StatusOK {
		t.Errorf("/readyz: %d", r.status)
	}
}

// TestFerretDBDataDirRefused: serve on a data directory of the earlier
// embedded engine says what it is and stops, touching nothing.
func TestFerretDBDataDirRefused(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "db")
	if err := os.MkdirAll(old, 0o700); err != nil {
		t.Fatal(err)
	}
	content := []byte("SQLite format 3\x00 of the earlier engine")
	if err := os.WriteFile(filepath.Join(old, "khaosat.sqlite"), content, 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(dir)
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--log-level", "error"}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "FerretDB") || !strings.Contains(err.Error(), "Nothing was changed") {
		t.Fatalf("serve on a FerretDB-era directory: %v", err)
	}
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) {
		t.Errorf("the directory changed: %d entries before, %d after", len(before), len(after))
	}
	if b, _ := os.ReadFile(filepath.Join(old, "khaosat.sqlite")); !bytes.Equal(b, content) {
		t.Error("the old database file changed")
	}
}

// TestBackupWhileTakingSubmissions: a backup taken while collectors keep
// sending holds every submission acknowledged before it began, and a
// server starts on it once the key files are put beside it.
func TestBackupWhileTakingSubmissions(t *testing.T) {
	dir := t.TempDir()
	ts := mustStart(t, dir)
	col := newUser(t, ts, "collector", "00004")
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
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
				e := envelope(householdData(t))
				if r := col.do("POST", "/api/v1/forms/household/submissions", e); r.status == http.StatusCreated {
					mu.Lock()
					acked = append(acked, e["id"].(string))
					mu.Unlock()
				}
			}
		}()
	}
	for { // let some land first
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 20 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	to := filepath.Join(t.TempDir(), "copy")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", "--data-dir", dir, "--to", to}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	for _, f := range keyFiles {
		if !strings.Contains(out.String(), f) {
			t.Errorf("the backup does not name the key file %s:\n%s", f, out.String())
		}
		if _, err := os.Stat(filepath.Join(to, f)); err == nil {
			t.Errorf("the backup holds the key file %s", f)
		}
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(context.Background(), []string{"backup", "--data-dir", dir, "--to", to}, nil, io.Discard, io.Discard); err == nil {
		t.Error("a backup into a directory that is not empty")
	}
	restored := mustStart(t, to)
	adm := adminClient(t, restored)
	for _, id := range before {
		if r := adm.do("GET", "/api/v1/forms/household/submissions/"+id, nil); r.status != http.StatusOK {
			t.Fatalf("submission %s, acknowledged before the backup, is not in it: %d", id, r.status)
		}
	}
	if _, err := os.Stat(filepath.Join(to, sqlite.FileName)); err != nil {
		t.Error(err)
	}
	t.Logf("%d submissions acknowledged before the backup, %d in all", len(before), len(acked))
}
