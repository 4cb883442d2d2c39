package protect

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/survey"
)

// BenchmarkOpenSealed measures what the quick reader (decodeSealed) buys:
// opening the box of a shipped hiv submission (decrypt, unpad, read the
// answers) with it against the same opening read by encoding/json (the
// reference it agrees with), in the same run. json/quick is how many
// times longer encoding/json makes the whole opening, decode json/quick
// the same for the reading alone. Every row of an export of a sensitive
// form is opened so.
func BenchmarkOpenSealed(b *testing.B) {
	raw, err := os.ReadFile("../../forms/testdata/hiv/valid/positive_on_art.json")
	if err != nil {
		b.Fatal(err)
	}
	var api map[string]any
	if err := json.Unmarshal(raw, &api); err != nil {
		b.Fatal(err)
	}
	sf := compiledSealed(b, "hiv")
	key, _ := seal.NewKey()
	ring, err := seal.NewKeyring(key)
	if err != nil {
		b.Fatal(err)
	}
	in := New(ring, nil)
	stored, err := in.SealForStore(sf, &survey.Submission{ID: "s1", FormID: "hiv", Data: sf.ToStorage(api)})
	if err != nil || stored.Sealed == nil {
		b.Fatal("no box", err)
	}
	quick := func() {
		if _, _, err := in.OpenSealed(stored); err != nil {
			b.Fatal(err)
		}
	}
	var decodeJSON time.Duration
	reference := func() {
		pt, err := ring.Open(stored.Sealed.KeyID, stored.Sealed.Box, sealAAD(stored))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := sealedByEncodingJSON(unpad(pt)); err != nil {
			b.Fatal(err)
		}
		decodeJSON += time.Since(start)
	}
	pt, err := ring.Open(stored.Sealed.KeyID, stored.Sealed.Box, sealAAD(stored))
	if err != nil {
		b.Fatal(err)
	}
	pt = unpad(pt)
	if _, ok := parseSealed(pt); !ok {
		b.Fatal("the box is not read by the quick reader")
	}
	var tq, tj, decodeQuick time.Duration
	for range b.N {
		start := time.Now()
		quick()
		tq += time.Since(start)
		start = time.Now()
		reference()
		tj += time.Since(start)
		start = time.Now()
		if _, err := decodeSealed(pt); err != nil {
			b.Fatal(err)
		}
		decodeQuick += time.Since(start)
	}
	b.ReportMetric(float64(tq.Nanoseconds())/float64(b.N), "ns/quick")
	b.ReportMetric(float64(tj.Nanoseconds())/float64(b.N), "ns/encoding_json")
	b.ReportMetric(float64(tj)/float64(tq), "json/quick")
	b.ReportMetric(float64(decodeJSON)/float64(decodeQuick), "decode_json/quick")
}
