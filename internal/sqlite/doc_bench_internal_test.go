package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// benchHousehold is a stored household submission of three children, the
// answers of the shipped form in storage form: texts, choice codes,
// integers, dates, lists, a repeat.
func benchHousehold() *survey.Submission {
	children := make([]any, 3)
	for i := range children {
		children[i] = map[string]any{
			"child_id": "0b6f3f52-5d0a-4a57-9d43-2a9f4d1c0e1" + strconv.Itoa(i), "full_name": "Nguyễn Thị Lan " + strconv.Itoa(i),
			"sex": []string{"female", "male"}[i%2], "date_of_birth": time.Date(2012+i, time.February, 14, 0, 0, 0, 0, time.UTC),
			"birth_registered": "yes", "lives_with": "relatives", "mother_alive": "yes", "father_alive": "no", "in_school": "yes",
			"school_grade": int64(3 + i), "health_insurance": "yes", "special_circumstances": []any{"double_orphan"},
			"receiving_support": "yes", "support_types": []any{"cash_allowance", "school_fees"}, "weight_kg": 21.5 + float64(i),
		}
	}
	t := time.Date(2026, time.March, 1, 8, 30, 12, 345e6, time.UTC)
	return &survey.Submission{
		ID: "1c7a4e63-6e1b-4b68-8e54-3b0a5e2d1f22", FormID: "household", FormVersion: 1, Unit: "00004",
		SurveyDate: time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC), StartedAt: &t, EndedAt: &t, DeviceID: "phone-1",
		Location: &survey.Location{Lat: 21.0285, Lon: 105.8542},
		Data: map[string]any{"address": "Số 12 ngõ 34 phố Hàng Bạc", "head_name": "Nguyễn Văn Hùng", "head_phone": "0912345678",
			"members_total": int64(5), "poverty_status": "poor", "housing": "permanent", "water_source": "tap", "toilet": "flush",
			"income_sources": []any{"wages", "farming"}, "children": children},
		Collector: "u1", CollectorName: "lan", ReceivedAt: t, UpdatedAt: t, Revision: 1, ReviewState: "received", ContentHash: "c0ffee00c0ffee00",
		Sealed: &survey.SealedAnswers{KeyID: "k1", Box: make([]byte, 600)},
	}
}

// cpuTime is the process's user and system CPU time so far: on a shared
// machine the CPU cost of a decode is steadier than its wall-clock time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecodeSubmission: decoding one stored household (what an
// export scan does per row, on each of its workers), in ns, CPU ns and
// allocations per document; the stored size is reported as bytes/doc.
func BenchmarkDecodeSubmission(b *testing.B) {
	doc, err := encodeSubmission(benchHousehold())
	if err != nil {
		b.Fatal(err)
	}
	raw := []byte(doc)
	dec := newDocDecoder()
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for range b.N {
		if _, err := dec.submission(raw); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(len(raw)), "bytes/doc")
}

// BenchmarkEncodeSubmission: encoding one household for storage (intake).
func BenchmarkEncodeSubmission(b *testing.B) {
	sub := benchHousehold()
	b.ReportAllocs()
	c0 := cpuTime()
	for range b.N {
		if _, err := encodeSubmission(sub); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkScanSubmissions: a scan of 5,000 stored households as an
// export reads them (rows read in order, decoded by the scan's workers,
// handed over one by one), in wall and CPU time per row.
func BenchmarkScanSubmissions(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 5000
	subs := make([]*survey.Submission, n)
	for i := range subs {
		sub := benchHousehold()
		sub.ID = fmt.Sprintf("%08d-6e1b-4b68-8e54-3b0a5e2d1f22", i)
		subs[i] = sub
	}
	if err := s.LoadSubmissions(ctx, subs, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	c0 := cpuTime()
	for range b.N {
		rows := 0
		if err := s.EachSubmission(ctx, func(*survey.Submission) error { rows++; return nil }); err != nil || rows != n {
			b.Fatalf("%d rows: %v", rows, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N*n), "cpu-ns/row")
}
