package mongo_test

import (
	"os"
	"testing"

	"github.com/khaosat/khaosat/internal/storetest"
)

// TestRegistryContract runs the registry's contract on the FerretDB
// stand-in, and on a real MongoDB too when KHAOSAT_TEST_MONGODB_URI names
// one.
func TestRegistryContract(t *testing.T) {
	t.Parallel()
	t.Run("FerretDB", func(t *testing.T) {
		storetest.RunRegistry(t, func(t *testing.T) storetest.RegistryStores { return MustStore(t) })
	})
	t.Run("MongoDB", func(t *testing.T) {
		uri := os.Getenv("KHAOSAT_TEST_MONGODB_URI")
		if uri == "" {
			t.Skip("KHAOSAT_TEST_MONGODB_URI is not set: no real MongoDB to run the contract against")
		}
		storetest.RunRegistry(t, func(t *testing.T) storetest.RegistryStores { return mustStoreAt(t, uri) })
	})
}
