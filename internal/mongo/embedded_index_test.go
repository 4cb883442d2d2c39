package mongo_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/mongo"
)

// startOwnEngine starts an engine of the test's own, so that its files can
// be inspected.
func startOwnEngine(tb testing.TB) (*mongo.Embedded, string) {
	tb.Helper()
	dir := tb.TempDir()
	e, err := mongo.StartEmbedded(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Stop(context.Background()) })
	return e, dir
}

func fillCollection(tb testing.TB, s *mongo.Store, n int) {
	tb.Helper()
	docs := make([]any, 0, 1000)
	col := s.Database().Collection("submissions")
	for i := 0; i < n; i++ {
		docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("id-%06d", i)}, {Key: "form", Value: "household"}, {Key: "n", Value: i}})
		if len(docs) == cap(docs) || i == n-1 {
			if _, err := col.InsertMany(context.Background(), docs); err != nil {
				tb.Fatal(err)
			}
			docs = docs[:0]
		}
	}
}

// TestIndexIDsIsUsed checks, with SQLite's own query planner, that a lookup
// by _id as the engine phrases it searches an index instead of scanning.
func TestIndexIDsIsUsed(t *testing.T) {
	e, dir := startOwnEngine(t)
	ctx := context.Background()
	s, err := mongo.Connect(ctx, e.URI(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	fillCollection(t, s, 10)
	plan := func() string {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "db", "k.sqlite")+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var table string
		if err := db.QueryRow(`SELECT table_name FROM "_ferretdb_collections" WHERE name = 'submissions'`).Scan(&table); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(fmt.Sprintf(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM %q WHERE _ferretdb_sjson->'$._id' = ?`, table), `"id-000003"`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var id, parent, unused int
			var detail string
			rows.Scan(&id, &parent, &unused, &detail)
			b.WriteString(detail + "\n")
		}
		return b.String()
	}
	if p := plan(); !strings.Contains(p, "SCAN") {
		t.Fatalf("before IndexIDs the engine was expected to scan; the plan is %q (has FerretDB fixed its _id index? then IndexIDs can go)", p)
	}
	if err := e.IndexIDs(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if err := e.IndexIDs(ctx, "k"); err != nil {
		t.Fatalf("IndexIDs is not idempotent: %v", err)
	}
	if p := plan(); !strings.Contains(p, "USING INDEX") || !strings.Contains(p, "_khaosat_id") {
		t.Fatalf("after IndexIDs the plan is %q, want a search using the _khaosat_id index", p)
	}
	var got bson.M
	if err := s.Database().Collection("submissions").FindOne(ctx, bson.D{{Key: "_id", Value: "id-000003"}}).Decode(&got); err != nil || got["n"] != int32(3) {
		t.Fatalf("find by id after IndexIDs: %v %v", got, err)
	}
}

// BenchmarkFindByID measures a lookup by _id in a collection of 20k
// documents before and after IndexIDs, in the same run.
func BenchmarkFindByID(b *testing.B) {
	e, _ := startOwnEngine(b)
	ctx := context.Background()
	s, err := mongo.Connect(ctx, e.URI(), "k")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	const n = 20000
	fillCollection(b, s, n)
	col := s.Database().Collection("submissions")
	lookups := func(k int) time.Duration {
		start := time.Now()
		for i := 0; i < k; i++ {
			var got bson.Raw
			if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("id-%06d", (i*7919)%n)}}).Decode(&got); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start) / time.Duration(k)
	}
	b.ResetTimer()
	scan := lookups(max(1, b.N/50)) // scans are slow: fewer of them
	b.StopTimer()
	if err := e.IndexIDs(ctx, "k"); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	indexed := lookups(b.N)
	b.ReportMetric(float64(scan.Microseconds()), "scan_µs/lookup")
	b.ReportMetric(float64(indexed.Microseconds()), "indexed_µs/lookup")
	b.ReportMetric(float64(scan)/float64(indexed), "speedup")
}
