package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/sqlite"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkStartup: `serve` from start to listening on a data directory
// holding KHAOSAT_BENCH_STARTUP_N household submissions (default 200000,
// 3 children each, with their facts), against the start on an empty one
// in the same run.
func BenchmarkStartup(b *testing.B) {
	n := envInt("KHAOSAT_BENCH_STARTUP_N", 200_000)
	empty, full := b.TempDir(), b.TempDir()
	t0 := time.Now()
	seedDataDir(b, full, n, nil)
	b.Logf("seeded %d submissions in %s", n, time.Since(t0).Round(time.Millisecond))
	start := func(dir string) time.Duration {
		t0 := time.Now()
		ts, err := startServer(dir)
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		if err := ts.stop(); err != nil {
			b.Fatal(err)
		}
		return d
	}
	start(empty) // creates the empty directory's keys and admin
	var fullT, emptyT time.Duration
	b.ResetTimer()
	for range b.N {
		fullT += start(full)
		emptyT += start(empty)
	}
	b.StopTimer()
	b.ReportMetric(float64(n), "submissions")
	b.ReportMetric(fullT.Seconds()*1000/float64(b.N), "ms/start_full")
	b.ReportMetric(emptyT.Seconds()*1000/float64(b.N), "ms/start_empty")
	b.ReportMetric(float64(fullT)/float64(emptyT), "full/empty")
}

// BenchmarkDiskSize: the size on disk (database and WAL after the
// checkpoint of a clean stop) after 10,000 household submissions sent
// over HTTP by 8 clients (KHAOSAT_BENCH_DISK_N), and its bytes per
// submission against the size of the submission's JSON body.
func BenchmarkDiskSize(b *testing.B) {
	n := envInt("KHAOSAT_BENCH_DISK_N", 10_000)
	for range b.N {
		dir := b.TempDir()
		ts, err := startServer(dir)
		if err != nil {
			b.Fatal(err)
		}
		col := newUser(b, ts, "collector", "00004")
		data := householdData(b)
		body, _ := json.Marshal(envelope(data))
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8, MaxConnsPerHost: 8}}
		parallel(8, n, func(int) {
			bb, _ := json.Marshal(envelope(data))
			req, _ := http.NewRequest("POST", ts.base+"/api/v1/forms/household/submissions", bytes.NewReader(bb))
			req.Header.Set("Authorization", "Bearer "+col.token)
			req.Header.Set("Content-Type", "application/json")
			res, err := hc.Do(req)
			if err != nil || res.StatusCode != http.StatusCreated {
				failures.Add(1)
			}
			if res != nil {
				res.Body.Close()
			}
		})
		if err := ts.stop(); err != nil {
			b.Fatal(err)
		}
		var total int64
		for _, f := range []string{sqlite.FileName, sqlite.FileName + "-wal", sqlite.FileName + "-shm"} {
			if st, err := os.Stat(filepath.Join(dir, f)); err == nil {
				total += st.Size()
			}
		}
		b.ReportMetric(float64(total)/(1<<20), "MB_on_disk")
		b.ReportMetric(float64(total)/float64(n), "bytes/submission")
		b.ReportMetric(float64(total)/float64(n)/float64(len(body)), "disk/json_body")
	}
	if f := failures.Load(); f > 0 {
		b.Fatalf("%d writes failed", f)
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
