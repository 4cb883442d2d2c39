package mongo_test

import (
	"os"
	"testing"

	"github.com/khaosat/khaosat/internal/storetest"
)

// TestContract runs the store contract against the FerretDB stand-in, and
// against a real MongoDB too when KHAOSAT_TEST_MONGODB_URI names one (a
// replica set: the concurrency tests then run there).
func TestContract(t *testing.T) {
	t.Parallel()
	t.Run("FerretDB", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) storetest.Stores { return MustStore(t) }, standInCaveats)
	})
	t.Run("MongoDB", func(t *testing.T) {
		uri := os.Getenv("KHAOSAT_TEST_MONGODB_URI")
		if uri == "" {
			t.Skip("KHAOSAT_TEST_MONGODB_URI is not set: no real MongoDB to run the contract against")
		}
		storetest.Run(t, func(t *testing.T) storetest.Stores { return mustStoreAt(t, uri) }, storetest.Caveats{})
	})
}
