package mongo_test

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/mongo"
	"github.com/khaosat/khaosat/internal/storetest"
	"github.com/khaosat/khaosat/internal/survey"
)

// The cells of a household of three children, as the household form's
// indicators give them: the clear indicators and the sensitive ones, each
// for a boy under five, a girl of 5-11 and a boy of 12-17.
var (
	benchClear     = []string{"CHILD_POP", "BIRTH_REG_U5", "ORPHAN_RATE", "DOUBLE_ORPHANS", "SCHOOL_6_14", "HEALTH_INS_U6"}
	benchSensitive = []string{"CSPC_RATE", "CSPC_ASSISTED"}
	benchChildren  = [][2]string{{"male", "0-4"}, {"female", "5-11"}, {"male", "12-17"}}
)

// BenchmarkCountSealedFacts measures what a count of sensitive indicators
// costs now that their cells are sealed, over KHAOSAT_BENCH_FACTS
// household submissions (default 2000) of one year: the sealed count
// finds the submissions and opens one box per submission in this process;
// the baseline is the clear count ($match, $unwind, $group in the
// database) of the same submissions' clear cells, in the same run.
// Reported per submission: clear_ns/sub, sealed_ns/sub, open_ns/sub (the
// opening alone, in this process) and sealed/clear.
func BenchmarkCountSealedFacts(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("KHAOSAT_BENCH_FACTS")); err == nil && v > 0 {
		n = v
	}
	// The stand-in counts slowly: more time than the store's default
	// operation timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	s := MustStore(b)
	sealer := storetest.TestFactSealer(b)
	s.UseFactSealer(sealer)
	seedHouseholdFacts(b, s, n)

	year := []indicator.FactsPart{{Hierarchy: "h2025", From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}}
	clearQ := indicator.FactsQuery{Parts: year, Indicators: benchClear}
	sealedQ := indicator.FactsQuery{Parts: year, Indicators: benchSensitive, Sensitive: benchSensitive}
	count := func(q indicator.FactsQuery, codes int) time.Duration {
		start := time.Now()
		cs, err := s.CountFacts(ctx, q)
		d := time.Since(start)
		den := 0
		for _, c := range cs {
			den += c.Den
		}
		if err != nil || den != n*codes*len(benchChildren) {
			b.Fatalf("count %v: denominators %d, want %d (%v)", q.Indicators, den, n*codes*len(benchChildren), err)
		}
		return d
	}
	boxes := storedBoxes(b, s)
	if len(boxes) != n {
		b.Fatalf("%d boxes stored, want %d", len(boxes), n)
	}

	var clearT, sealedT, openT time.Duration
	b.ResetTimer()
	for range b.N {
		clearT += count(clearQ, len(benchClear))
		sealedT += count(sealedQ, len(benchSensitive))
		start := time.Now()
		for _, bx := range boxes {
			if _, err := sealer.OpenCells(bx.key, bx.box, bx.id); err != nil {
				b.Fatal(err)
			}
		}
		openT += time.Since(start)
	}
	per := float64(b.N) * float64(n)
	b.ReportMetric(float64(clearT.Nanoseconds())/per, "clear_ns/sub")
	b.ReportMetric(float64(sealedT.Nanoseconds())/per, "sealed_ns/sub")
	b.ReportMetric(float64(openT.Nanoseconds())/per, "open_ns/sub")
	b.ReportMetric(sealedT.Seconds()/clearT.Seconds(), "sealed/clear")
}

// seedHouseholdFacts stores n submissions with the facts of a household
// of benchChildren, spread over ten communes and the days of 2026.
func seedHouseholdFacts(b *testing.B, s *mongo.Store, n int) {
	b.Helper()
	ctx := context.Background()
	jan1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += writers {
				day := jan1.AddDate(0, 0, i%365)
				sub := &survey.Submission{ID: uuid.NewString(), FormID: "household", FormVersion: 1, Unit: "0000" + strconv.Itoa(i%10),
					SurveyDate: day, ReceivedAt: day, UpdatedAt: day, Revision: 1, ReviewState: survey.ReviewReceived,
					Data: map[string]any{"members_total": int64(5)}}
				f := &survey.Facts{SubmissionID: sub.ID, Form: sub.FormID, Commune: sub.Unit, Hierarchy: "h2025", SurveyDate: day}
				for _, codes := range [][]string{benchClear, benchSensitive} {
					for _, code := range codes {
						for _, ch := range benchChildren {
							f.Cells = append(f.Cells, survey.FactCell{Indicator: code, Sex: ch[0], AgeGroup: ch[1], Den: 1, Num: i % 2,
								Sensitive: len(codes) == len(benchSensitive)})
						}
					}
				}
				if err := s.CreateSubmission(ctx, sub, nil, f); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

type storedBox struct {
	id, key string
	box     []byte
}

// storedBoxes reads every submission's facts box as stored.
func storedBoxes(b *testing.B, s *mongo.Store) []storedBox {
	b.Helper()
	ctx := context.Background()
	cur, err := s.Database().Collection("submissions").Find(ctx, bson.D{{Key: "fs", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		b.Fatal(err)
	}
	var docs []struct {
		ID string `bson:"_id"`
		FS struct {
			Key string `bson:"k"`
			Box []byte `bson:"b"`
		} `bson:"fs"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		b.Fatal(err)
	}
	out := make([]storedBox, len(docs))
	for i, d := range docs {
		out[i] = storedBox{id: d.ID, key: d.FS.Key, box: d.FS.Box}
	}
	return out
}
