package mongo_test

import (
	"bytes"
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/storetest"
)

// TestSensitiveFactsSealedAtRest reads every document of every collection
// as the database holds it, after submissions with sensitive facts were
// created, edited (a kept revision) and rebuilt: the code of the
// sensitive indicator is nowhere, so none of its cells is in clear.
func TestSensitiveFactsSealedAtRest(t *testing.T) {
	t.Parallel()
	s := MustStore(t)
	s.UseFactSealer(storetest.TestFactSealer(t))
	storetest.WriteSensitiveFacts(t, s)

	ctx := context.Background()
	db := s.Database()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	marker := []byte(storetest.SensitiveMarker)
	docs := map[string]int{}
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(ctx) {
			docs[name]++
			if bytes.Contains(cur.Current, marker) {
				t.Errorf("%s: document %v holds a sensitive indicator's cell in clear:\n%s", name, cur.Current.Lookup("_id"), cur.Current)
			}
		}
		if err := cur.Err(); err != nil {
			t.Fatal(err)
		}
		cur.Close(ctx)
	}
	// The test reads what WriteSensitiveFacts left: the submissions and
	// the revision its edit kept.
	if docs["submissions"] < 4 || docs["submission_history"] < 1 {
		t.Fatalf("documents read by collection: %v; want at least 4 submissions and 1 kept revision", docs)
	}
}
