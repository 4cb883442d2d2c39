package export

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"testing"
	"time"
)

// csvBenchRow is a row of the household export's root table: ids, texts,
// choice codes, dates as text, counts and a number.
func csvBenchRow(i int) []any {
	return []any{"1c7a4e63-6e1b-4b68-8e54-3b0a5e2d1f" + strconv.Itoa(10+i%90), "household", int64(1), "00004", "2026-03-01",
		"2026-03-01T08:30:12.345Z", "lan", "received", "Số 12 ngõ 34 phố Hàng Bạc", "Nguyễn Văn Hùng", "0912345678",
		int64(5), "poor", "permanent", "tap", "flush", "wages farming", int64(3), 21.0285, 105.8542, true, "", int64(i)}
}

// BenchmarkCSVTable: the export's CSV rows through csvTable and the same
// rows through encoding/csv (each cell formatted to a string first, as a
// csv.Writer needs), alternated in each round of the same run. The ratio
// csv_writer/table is what the hand-written writer buys (see csvTable's
// comment).
func BenchmarkCSVTable(b *testing.B) {
	const rows = 20000
	data := make([][]any, 256)
	for i := range data {
		data[i] = csvBenchRow(i)
	}
	table := func() error {
		t, err := newCSVTable(io.Discard, []string{"id"})
		if err != nil {
			return err
		}
		for i := range rows {
			if err := t.write(data[i%len(data)]); err != nil {
				return err
			}
		}
		return t.flush()
	}
	writer := func() error {
		bw := bufio.NewWriterSize(io.Discard, 64<<10)
		w := csv.NewWriter(bw)
		w.UseCRLF = true
		var rec []string
		for i := range rows {
			rec = rec[:0]
			for _, c := range data[i%len(data)] {
				rec = append(rec, csvText(c, false))
			}
			if err := w.Write(rec); err != nil {
				return err
			}
		}
		w.Flush()
		return bw.Flush()
	}
	var took [2]time.Duration
	for i := range b.N {
		steps := []func() error{table, writer}
		for j := range steps {
			k := (i + j) % 2 // mirrored order from round to round
			start := time.Now()
			if err := steps[k](); err != nil {
				b.Fatal(err)
			}
			took[k] += time.Since(start)
		}
	}
	b.ReportMetric(float64(took[0].Nanoseconds())/float64(b.N*rows), "table_ns/row")
	b.ReportMetric(float64(took[1].Nanoseconds())/float64(b.N*rows), "csv_writer_ns/row")
	b.ReportMetric(took[1].Seconds()/took[0].Seconds(), "csv_writer/table")
}
