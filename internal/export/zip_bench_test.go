package export_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/export"
	"github.com/khaosat/khaosat/internal/survey"
)

// BenchmarkZipCompression weighs the deflate level of ZIP exports: the
// tables of a ZIP export of 10,000 households (the fixture's three,
// each with its own id and time) compressed at flate.BestSpeed, the level
// NewZip uses, and at flate.DefaultCompression, in the same run. Reported:
// the time and size of each, and default/best_speed ratios (time > 1:
// the default level is that much slower; size < 1: that much smaller).
func BenchmarkZipCompression(b *testing.B) {
	spec, recs := fixture(b, survey.ExportOptions{Format: "zip", Labels: "codes"})
	var out bytes.Buffer
	w, err := export.NewZip(&out, spec)
	if err != nil {
		b.Fatal(err)
	}
	const n = 10000
	for i := range n {
		r := *recs[i%len(recs)]
		r.ID = fmt.Sprintf("%08x-0000-4000-8000-%012x", i*2654435761, i)
		r.ReceivedAt = r.ReceivedAt.Add(time.Duration(i) * 1237 * time.Millisecond)
		if err := w.Write(&r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		b.Fatal(err)
	}
	var tables [][]byte
	raw := 0
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			b.Fatal(err)
		}
		t, err := io.ReadAll(rc)
		if err != nil {
			b.Fatal(err)
		}
		tables = append(tables, t)
		raw += len(t)
	}
	compress := func(level int) (time.Duration, int) {
		var sink bytes.Buffer
		start := time.Now()
		for _, t := range tables {
			fw, err := flate.NewWriter(&sink, level)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := fw.Write(t); err != nil {
				b.Fatal(err)
			}
			if err := fw.Close(); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start), sink.Len()
	}
	var fastT, defT time.Duration
	var fastN, defN int
	b.ResetTimer()
	for range b.N {
		t, s := compress(flate.BestSpeed)
		fastT, fastN = fastT+t, s
		t, s = compress(flate.DefaultCompression)
		defT, defN = defT+t, s
	}
	b.StopTimer()
	b.ReportMetric(float64(raw)/(1<<20), "csv_MB")
	b.ReportMetric(float64(fastN)/(1<<20), "best_speed_MB")
	b.ReportMetric(float64(defN)/(1<<20), "default_MB")
	b.ReportMetric(fastT.Seconds()/float64(b.N), "best_speed_s")
	b.ReportMetric(defT.Seconds()/float64(b.N), "default_s")
	b.ReportMetric(defT.Seconds()/fastT.Seconds(), "default/best_speed_time")
	b.ReportMetric(float64(defN)/float64(fastN), "default/best_speed_size")
}
