package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/export"
	"github.com/khaosat/khaosat/internal/protect"
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
// as `khaosat export` does, and returns with it a function that gives a
// copy of a submission sealed answers of its own (the original's, sealed
// again for the copy's id, as intake would have sealed them).
func benchExports(tb testing.TB) (*survey.Exports, func(c, orig *survey.Submission)) {
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
	prot.Answers = protect.New(prot.Sealer, catalog)
	intake, err := survey.NewIntake(store, catalog, units, prot)
	if err != nil {
		tb.Fatal(err)
	}
	// The box's additional data binds it to its form and id: a copy whose
	// box is not sealed this way fails the export, so this cannot drift
	// silently from the survey package's own.
	aad := func(s *survey.Submission) []byte { return []byte("khaosat submission\x00" + s.FormID + "\x00" + s.ID) }
	reseal := func(c, orig *survey.Submission) {
		if orig.Sealed == nil {
			tb.Fatal("the seeded submission has no sealed answers")
		}
		pt, err := prot.Sealer.Open(orig.Sealed.KeyID, orig.Sealed.Box, aad(orig))
		if err != nil {
			tb.Fatal(err)
		}
		kid, box, err := prot.Sealer.Seal(pt, aad(c))
		if err != nil {
			tb.Fatal(err)
		}
		c.Sealed = &survey.SealedAnswers{KeyID: kid, Box: box}
	}
	return survey.NewExports(intake, store, prot.Audit, export.Formats()), reseal
}

func runExport(tb testing.TB, ex *survey.Exports, format, unit string, progress func(int64)) int64 {
	tb.Helper()
	return runExportAs(tb, ex, cliActor(), format, unit, progress)
}

// runExportAs is runExport by actor.
func runExportAs(tb testing.TB, ex *survey.Exports, actor survey.Actor, format, unit string, progress func(int64)) int64 {
	tb.Helper()
	job, err := ex.Prepare(context.Background(), actor, "household", survey.ExportOptions{Format: format, Unit: unit})
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

// seedOnce stores n copies in unit unless a previous round of the
// benchmark did (the testing package runs a benchmark more than once).
func seedOnce(b *testing.B, db *sql.DB, unit string, n int, reseal func(c, orig *survey.Submission)) {
	b.Helper()
	var have int
	if err := db.QueryRow(`SELECT count(*) FROM submissions WHERE form = 'household' AND unit = ?`, unit).Scan(&have); err != nil {
		b.Fatal(err)
	}
	switch have {
	case 0:
		seedCopiesWith(b, shared, unit, n, reseal)
	case n:
	default:
		b.Fatalf("%d submissions in %s already, want 0 or %d", have, unit, n)
	}
}

// BenchmarkExportThroughput compares csv and zip exports (cursor → View →
// writer, to io.Discard) by an admin with raw SQL scans of the same
// documents from the same database, in the same run: the ratios
// (export/raw: the share of the raw scan's speed an export reaches) are
// the figures to compare across machines. Two sets of n households: one
// without sealed answers (plain), one where every submission has sealed
// answers that the export opens (sealed: AES-GCM and the JSON around it).
// csv_pseudonymised/csv is the share of the CSV's speed kept when the
// personal answers are pseudonymised (a caller without the grant).
// The raw scan has the export's own filter (unit, survey dates of the
// hierarchy, not deleted). Each step runs twice per round, in mirrored
// order; the figures are each step's fastest run.
func BenchmarkExportThroughput(b *testing.B) {
	n := benchExportSize(b)
	const plainUnit, sealedUnit = "00292", "09931"
	ex, reseal := benchExports(b)
	db := rawDB(b, shared)
	t0 := time.Now()
	seedOnce(b, db, plainUnit, n, func(c, _ *survey.Submission) { c.Sealed = nil })
	seedOnce(b, db, sealedUnit, n, reseal)
	b.Logf("%d household submissions in each of two communes (%v)", n, time.Since(t0))
	scan := func(unit string) func() int64 {
		return func() int64 {
			return rawScan(b, db, `SELECT doc FROM submissions WHERE form = 'household' AND (survey_date >= ? AND unit IN (?)) AND deleted_at IS NULL`,
				time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), unit)
		}
	}
	exp := func(format, unit string) func() int64 {
		return func() int64 { return runExport(b, ex, format, unit, nil) }
	}
	// The same CSV by an admin without the personal grant: every name,
	// phone and date of birth through its HMAC pseudonym.
	withoutGrant := cliActor()
	withoutGrant.PersonalAccess = false
	pseud := func() int64 { return runExportAs(b, ex, withoutGrant, "csv", plainUnit, nil) }
	type step struct {
		name string
		f    func() int64
	}
	steps := []step{
		{"raw", scan(plainUnit)}, {"csv", exp("csv", plainUnit)}, {"csv_pseudonymised", pseud}, {"zip", exp("zip", plainUnit)},
		{"raw_sealed", scan(sealedUnit)}, {"csv_sealed", exp("csv", sealedUnit)}, {"zip_sealed", exp("zip", sealedUnit)},
	}
	// The fastest of the runs of each step: on a shared machine the
	// others' load only ever adds time, so the minimum is the steadiest
	// figure (-benchtime 3x and more give each step more chances).
	// The CPU time of the process during each step (its least over the
	// runs) is steadier still: the others' load takes cores, not cycles.
	took, cpu := map[string]time.Duration{}, map[string]time.Duration{}
	timed := func(s step) {
		start, c0 := time.Now(), processCPU(b)
		if got := s.f(); got != int64(n) {
			b.Fatalf("%s: %d rows, want %d", s.name, got, n)
		}
		if d, ok := took[s.name]; !ok || time.Since(start) < d {
			took[s.name] = time.Since(start)
		}
		c := processCPU(b) - c0
		if d, ok := cpu[s.name]; !ok || c < d {
			cpu[s.name] = c
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range steps {
			timed(s)
		}
		for _, s := range slices.Backward(steps) {
			timed(s)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n), "submissions")
	for _, name := range []string{"raw", "csv", "zip", "raw_sealed", "csv_sealed", "zip_sealed"} {
		// per 10,000 submissions, the unit of the targets
		b.ReportMetric(took[name].Seconds()*10000/float64(n), name+"_s/10k")
		b.ReportMetric(cpu[name].Seconds()*10000/float64(n), name+"_cpu_s/10k")
	}
	for _, name := range []string{"csv", "zip"} {
		b.ReportMetric(took["raw"].Seconds()/took[name].Seconds(), name+"/raw")
		b.ReportMetric(took["raw_sealed"].Seconds()/took[name+"_sealed"].Seconds(), name+"_sealed/raw")
	}
	b.ReportMetric(took["csv"].Seconds()/took["csv_pseudonymised"].Seconds(), "csv_pseudonymised/csv")
}

// peakMemory runs f while sampling the Go heap in use, and returns the
// highest sample and the process's peak resident set during f (0 where
// the kernel cannot reset the peak): the embedded database allocates
// outside the Go heap, so the heap alone would not see its memory.
func peakMemory(f func()) (heap, rss uint64) {
	runtime.GC()
	resetRSS := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil // VmHWM := VmRSS
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
		t := time.NewTicker(10 * time.Millisecond)
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
	if resetRSS {
		rss = peakRSS()
	}
	return peak.Load(), rss
}

// peakRSS reads VmHWM, the peak resident set, from /proc/self/status.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// BenchmarkExportMemory compares the peak memory of a csv and a zip export
// by an admin of n/10 and of n submissions with sealed answers (opened on
// the way): the peak Go heap in use, sampled, and the peak resident set of
// the process (the embedded database's page cache and sorter live outside
// the Go heap). Flat memory means ratios near 1; the target is
// heap(100,000)/heap(10,000) ≤ 1.3 (KHAOSAT_BENCH_EXPORT_N=100000).
func BenchmarkExportMemory(b *testing.B) {
	n := benchExportSize(b)
	const small, large = "00008", "00025"
	ex, reseal := benchExports(b)
	db := rawDB(b, shared)
	t0 := time.Now()
	seedOnce(b, db, small, n/10, reseal)
	seedOnce(b, db, large, n, reseal)
	b.Logf("%d and %d household submissions (%v)", n/10, n, time.Since(t0))
	mb := func(v uint64) float64 { return float64(v) / (1 << 20) }
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, format := range []string{"csv", "zip"} {
			sh, sr := peakMemory(func() { runExport(b, ex, format, small, nil) })
			lh, lr := peakMemory(func() { runExport(b, ex, format, large, nil) })
			b.ReportMetric(mb(sh), format+"_heap_MB_"+strconv.Itoa(n/10))
			b.ReportMetric(mb(lh), format+"_heap_MB_"+strconv.Itoa(n))
			b.ReportMetric(float64(lh)/float64(sh), format+"_heap_ratio")
			if sr > 0 && lr > 0 {
				b.ReportMetric(mb(sr), format+"_rss_MB_"+strconv.Itoa(n/10))
				b.ReportMetric(mb(lr), format+"_rss_MB_"+strconv.Itoa(n))
				b.ReportMetric(float64(lr)/float64(sr), format+"_rss_ratio")
			}
		}
	}
}

// processCPU is the CPU time the process has used, user and system.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkExportHTTP is the export as a client sees it: GET
// /api/v1/forms/household/export of n households with sealed answers, as
// the admin, over HTTP from the running server (its own process), body
// read to the end; against a raw scan of the same rows in the same run.
// Figures: each step's fastest run, per 10,000 submissions, its least
// CPU time, and the ratios to the raw scan.
func BenchmarkExportHTTP(b *testing.B) {
	n := benchExportSize(b)
	const unit = "09910"
	_, reseal := benchExports(b)
	db := rawDB(b, shared)
	seedOnce(b, db, unit, n, reseal)
	adm := adminClient(b, shared)
	get := func(format string) func() int64 {
		return func() int64 {
			req, err := http.NewRequest("GET", adm.base+"/api/v1/forms/household/export?format="+format+"&unit="+unit, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+adm.token)
			res, err := adm.hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			defer res.Body.Close()
			size, err := io.Copy(io.Discard, res.Body)
			if err != nil || res.StatusCode != http.StatusOK || size == 0 {
				b.Fatalf("%s export: %d, %d bytes, %v", format, res.StatusCode, size, err)
			}
			return int64(n) // counted by the in-process benchmarks; here the bytes arrived
		}
	}
	raw := func() int64 {
		return rawScan(b, db, `SELECT doc FROM submissions WHERE form = 'household' AND (survey_date >= ? AND unit IN (?)) AND deleted_at IS NULL`,
			time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), unit)
	}
	steps := []struct {
		name string
		f    func() int64
	}{{"raw", raw}, {"csv", get("csv")}, {"zip", get("zip")}}
	took := map[string]time.Duration{}
	cpu := map[string]time.Duration{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, k := range []int{0, 1, 2, 2, 1, 0} {
			start, cpu0 := time.Now(), processCPU(b)
			if got := steps[k].f(); got != int64(n) {
				b.Fatalf("%s: %d rows, want %d", steps[k].name, got, n)
			}
			d, c := time.Since(start), processCPU(b)-cpu0
			if have, ok := took[steps[k].name]; !ok || d < have {
				took[steps[k].name] = d
			}
			if have, ok := cpu[steps[k].name]; !ok || c < have {
				cpu[steps[k].name] = c
			}
		}
	}
	b.StopTimer()
	for _, s := range steps {
		b.ReportMetric(took[s.name].Seconds()*10000/float64(n), s.name+"_s/10k")
		// The CPU time of the whole process (server and client): what
		// the export costs, which others' load on the machine changes
		// far less than the elapsed time.
		b.ReportMetric(cpu[s.name].Seconds()*10000/float64(n), s.name+"_cpu_s/10k")
	}
	b.ReportMetric(took["raw"].Seconds()/took["csv"].Seconds(), "csv/raw")
	b.ReportMetric(took["raw"].Seconds()/took["zip"].Seconds(), "zip/raw")
}
