package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/export"
	"github.com/khaosat/khaosat/internal/sqlite"
	"github.com/khaosat/khaosat/internal/survey"
)

// benchExportSize is the number of household submissions (3 children
// each) the export benchmarks insert: KHAOSAT_BENCH_EXPORT_N, default 20000.
func benchExportSize(tb testing.TB) int {
	if v := os.Getenv("KHAOSAT_BENCH_EXPORT_N"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 {
			tb.Fatalf("KHAOSAT_BENCH_EXPORT_N=%q", v)
		}
		return n
	}
	return 20000
}

// benchExports builds the export service over the shared server's database,
// as `khaosat export` does.
func benchExports(tb testing.TB) (*survey.Exports, *sqlite.Store) {
	tb.Helper()
	store := dbOf(tb, shared)
	units, err := survey.LoadUnits(khaosat.Content, khaosat.UnitsDir)
	if err != nil {
		tb.Fatal(err)
	}
	catalog := survey.NewCatalog(store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	prot, err := protection(&Config{DataDir: shared.dataDir}) // the shared server's keys
	if err != nil {
		tb.Fatal(err)
	}
	prot.Audit = survey.NewAuditor(store)
	intake, err := survey.NewIntake(store, catalog, units, prot)
	if err != nil {
		tb.Fatal(err)
	}
	return survey.NewExports(intake, store, prot.Audit, export.Formats()), store
}

func runExport(tb testing.TB, ex *survey.Exports, format, unit string, progress func(int64)) int64 {
	tb.Helper()
	job, err := ex.Prepare(context.Background(), cliActor(), "household", survey.ExportOptions{Format: format, Unit: unit})
	if err != nil {
		tb.Fatal(err)
	}
	job.Progress = progress
	rows, err := job.Run(context.Background(), io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}

// rawScan reads the stored documents with plain SQL, undecoded.
func rawScan(tb testing.TB, db *sql.DB, query string, args ...any) int64 {
	tb.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var d sql.RawBytes
		if err := rows.Scan(&d); err != nil {
			tb.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkExportThroughput compares csv and zip exports (cursor → View →
// writer, to io.Discard) with raw SQL scans of the same documents from
// the same database, in the same run: one with the export's own filter
// (unit, survey dates of the hierarchy, not deleted) and one with the
// plain filter (form, unit). Order: raw, plain, csv, zip, zip, csv, plain, raw.
func BenchmarkExportThroughput(b *testing.B) {
	n := benchExportSize(b)
	const unit = "00292"
	t0 := time.Now()
	seedCopies(b, shared, unit, n)
	b.Logf("inserted %d household submissions in %v", n, time.Since(t0))
	ex, store := benchExports(b)
	db := rawDB(b, shared)
	_ = store
	same := func() int64 {
		return rawScan(b, db, `SELECT doc FROM submissions WHERE form = 'household' AND (survey_date >= ? AND unit IN (?)) AND deleted_at IS NULL`,
			time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), unit)
	}
	plain := func() int64 {
		return rawScan(b, db, `SELECT doc FROM submissions WHERE form = 'household' AND unit = ?`, unit)
	}
	var raw, rawPlain, csvT, zipT time.Duration
	timed := func(d *time.Duration, f func() int64) {
		start := time.Now()
		if got := f(); got != int64(n) {
			b.Fatalf("%d rows, want %d", got, n)
		}
		*d += time.Since(start)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		timed(&raw, same)
		timed(&rawPlain, plain)
		timed(&csvT, func() int64 { return runExport(b, ex, "csv", unit, nil) })
		timed(&zipT, func() int64 { return runExport(b, ex, "zip", unit, nil) })
		timed(&zipT, func() int64 { return runExport(b, ex, "zip", unit, nil) })
		timed(&csvT, func() int64 { return runExport(b, ex, "csv", unit, nil) })
		timed(&rawPlain, plain)
		timed(&raw, same)
	}
	b.StopTimer()
	docs := float64(2 * n * b.N)
	b.ReportMetric(float64(n), "submissions")
	b.ReportMetric(docs/raw.Seconds(), "raw_docs/s")
	b.ReportMetric(docs/rawPlain.Seconds(), "raw_plain_docs/s")
	b.ReportMetric(docs/csvT.Seconds(), "csv_docs/s")
	b.ReportMetric(docs/zipT.Seconds(), "zip_docs/s")
	b.ReportMetric(csvT.Seconds()/float64(2*b.N), "csv_s/export")
	b.ReportMetric(zipT.Seconds()/float64(2*b.N), "zip_s/export")
	b.ReportMetric(raw.Seconds()/csvT.Seconds(), "csv/raw")
	b.ReportMetric(raw.Seconds()/zipT.Seconds(), "zip/raw")
	b.ReportMetric(rawPlain.Seconds()/csvT.Seconds(), "csv/raw_plain")
	b.ReportMetric(rawPlain.Seconds()/zipT.Seconds(), "zip/raw_plain")
}

// peakHeap runs f while sampling the heap in use, and returns the highest sample.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapInuse > peak.Load() {
			peak.Store(m.HeapInuse)
		}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	f()
	close(done)
	<-stopped
	sample()
	return peak.Load()
}

// BenchmarkExportMemory compares the peak heap in use (of the whole
// process, the embedded database included) of a csv and a zip export of
// n/10 and of n submissions: flat memory means a ratio near 1.
func BenchmarkExportMemory(b *testing.B) {
	n := benchExportSize(b)
	const small, large = "00008", "00025"
	seedCopies(b, shared, small, n/10)
	seedCopies(b, shared, large, n)
	ex, _ := benchExports(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, format := range []string{"csv", "zip"} {
			s := peakHeap(func() { runExport(b, ex, format, small, nil) })
			l := peakHeap(func() { runExport(b, ex, format, large, nil) })
			b.ReportMetric(float64(s)/(1<<20), format+"_peak_MB_"+strconv.Itoa(n/10))
			b.ReportMetric(float64(l)/(1<<20), format+"_peak_MB_"+strconv.Itoa(n))
			b.ReportMetric(float64(l)/float64(s), format+"_peak_ratio")
		}
	}
}
