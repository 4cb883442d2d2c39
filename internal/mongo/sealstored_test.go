package mongo_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/mongo"
	"github.com/khaosat/khaosat/internal/storetest"
)

func TestSealStored(t *testing.T) {
	t.Parallel()
	storetest.SealStored(t, func(t *testing.T) storetest.Stores { return MustStore(t) }, rawCopies, standInCaveats.NoAtomicConditionalUpdates)
}

func TestSealSizes(t *testing.T) {
	t.Parallel()
	storetest.SealSizes(t, func(t *testing.T) storetest.Stores { return MustStore(t) }, rawCopies)
}

// rawCopies reads a submission's document and its kept revisions'
// documents as the database holds them.
func rawCopies(t *testing.T, s storetest.Stores, id string) [][]byte {
	t.Helper()
	ctx := context.Background()
	db := s.(*mongo.Store).Database()
	doc, err := db.Collection("submissions").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	out := [][]byte{doc}
	cur, err := db.Collection("submission_history").Find(ctx, bson.D{{Key: "submission", Value: id}},
		options.Find().SetSort(bson.D{{Key: "revision", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		out = append(out, append([]byte(nil), cur.Current...))
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
