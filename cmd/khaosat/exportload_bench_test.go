package main

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkExportLoad measures what 8 exports of each format at once do
// to the rest of the server: N households in one unit
// (KHAOSAT_BENCH_EXPORT_LOAD_N, 2,000 by default; the figure is
// 20,000), 8 collectors submitting to another unit, and a login (with
// /me) every second. It reports the slowest login, intake's rate under
// the exports as a ratio of its rate alone (measured first, in the same
// run, on the same server), and how many exports finished or were
// refused with 429.
//
//	KHAOSAT_BENCH_EXPORT_LOAD_N=20000 go test ./cmd/khaosat -run '^$' -bench ExportLoad -benchtime 1x
func BenchmarkExportLoad(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("KHAOSAT_BENCH_EXPORT_LOAD_N")); err == nil && v > 0 {
		n = v
	}
	var args []string
	if v := os.Getenv("KHAOSAT_BENCH_EXPORT_CONCURRENCY"); v != "" {
		args = append(args, "--export-concurrency", v) // to compare bounds
	}
	ts := mustStart(b, b.TempDir(), args...)
	seedCopies(b, ts, "00226", n)
	mgr := newUser(b, ts, "manager", "00226")
	var tokens []string
	for range 8 {
		tokens = append(tokens, newUser(b, ts, "collector", "00235").token)
	}
	data := householdData(b)
	for b.Loop() {
		alone := intakeAlone(b, ts.base, tokens, data, 3*time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		o := exportLoad(ctx, ts.base, mgr.token, "00226", n, 8, false, data, "00235", tokens, "admin", testAdminPassword, time.Second)
		cancel()
		for _, e := range o.errs {
			b.Error(e)
		}
		loaded := float64(o.submitted.Load()) / o.took.Seconds()
		finished, refused := 0, 0
		for _, f := range exportFormats {
			finished += o.finished[f]
			refused += o.refused[f]
		}
		b.ReportMetric(float64(time.Duration(o.maxLogin.Load()).Milliseconds()), "max-login-ms")
		b.ReportMetric(float64(o.logins.Load()), "logins")
		b.ReportMetric(alone, "intake-alone/s")
		b.ReportMetric(loaded, "intake-loaded/s")
		b.ReportMetric(loaded/alone, "intake-ratio")
		b.ReportMetric(float64(finished), "exports-finished")
		b.ReportMetric(float64(refused), "exports-429")
		b.ReportMetric(o.took.Seconds(), "load-s")
		b.ReportMetric(float64(o.readyBusy.Load()), "readyz-busy")
		b.ReportMetric(float64(o.readyOK.Load()), "readyz-ready")
	}
}

// intakeAlone is the rate of submissions per second of the collectors
// (tokens) submitting for d with nothing else running.
func intakeAlone(b *testing.B, base string, tokens []string, data map[string]any, d time.Duration) float64 {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var done atomic.Int64
	var wg sync.WaitGroup
	began := time.Now()
	for _, token := range tokens {
		wg.Go(func() {
			for ctx.Err() == nil {
				e := envelope(data)
				e["unit"] = "00235"
				st, _, body, err := httpCall(ctx, "POST", base+"/api/v1/forms/household/submissions", token, e)
				if ctx.Err() != nil {
					return
				}
				if err != nil || st != http.StatusCreated {
					b.Errorf("submit: %d %v %.200s", st, err, body)
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(began).Seconds()
}
