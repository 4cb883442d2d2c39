package export

import (
	"bytes"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// csvText is a cell as the CSV text it stands for (what csv.Writer was given).
func csvText(v any, neutral bool) string {
	switch x := v.(type) {
	case string:
		if neutral {
			return Neutralise(x)
		}
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// TestCSVTableMatchesEncodingCSV: rows of every kind of cell, texts made
// of the characters that change quoting, come out byte for byte as
// encoding/csv with UseCRLF writes them.
func TestCSVTableMatchesEncodingCSV(t *testing.T) {
	pieces := []string{"", "a", "Thôn Đông", ",", "\"", "\r", "\n", "\r\n", " ", "\t", "\u00a0", "\u0085", "\u2003", "\\.", "\\", ".", "=", "+1", "-", "@", "'", "x y", "ạ", "\xff"}
	rng := rand.New(rand.NewPCG(1, 2))
	cell := func() any {
		switch rng.IntN(6) {
		case 0:
			return nil
		case 1:
			return rng.Int64() - math.MaxInt64/2
		case 2:
			return []float64{0, -0.5, 1e21, 1.25, -3, math.SmallestNonzeroFloat64}[rng.IntN(6)]
		case 3:
			return rng.IntN(2) == 0
		}
		s := ""
		for range rng.IntN(4) {
			s += pieces[rng.IntN(len(pieces))]
		}
		return s
	}
	for _, neutral := range []bool{false, true} {
		var got, want bytes.Buffer
		header := []string{"id", " lead", "a,b", "\\.", ""}
		tbl, err := newCSVTable(&got, header)
		if err != nil {
			t.Fatal(err)
		}
		tbl.neutral = neutral
		want.WriteString(bom)
		ref := csv.NewWriter(&want)
		ref.UseCRLF = true
		if err := ref.Write(header); err != nil {
			t.Fatal(err)
		}
		for range 5000 {
			row := make([]any, 1+rng.IntN(8))
			rec := make([]string, len(row))
			for i := range row {
				row[i] = cell()
				rec[i] = csvText(row[i], neutral)
			}
			if err := tbl.write(row); err != nil {
				t.Fatal(err)
			}
			if err := ref.Write(rec); err != nil {
				t.Fatal(err)
			}
		}
		if err := tbl.flush(); err != nil {
			t.Fatal(err)
		}
		ref.Flush()
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			g, w := got.Bytes(), want.Bytes()
			i := 0
			for i < len(g) && i < len(w) && g[i] == w[i] {
				i++
			}
			t.Fatalf("neutral=%v: differs at byte %d: got %q, want %q", neutral, i, g[max(0, i-20):min(len(g), i+20)], w[max(0, i-20):min(len(w), i+20)])
		}
	}
}
