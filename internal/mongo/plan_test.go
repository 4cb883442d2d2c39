package mongo_test

import (
	"os"
	"testing"

	"github.com/khaosat/khaosat/internal/storetest"
)

// TestPlanContract runs the targets and reports contract against the
// FerretDB stand-in, and a real MongoDB when KHAOSAT_TEST_MONGODB_URI
// names one.
func TestPlanContract(t *testing.T) {
	t.Parallel()
	t.Run("FerretDB", func(t *testing.T) {
		storetest.RunPlan(t, func(t *testing.T) storetest.PlanStores { return MustStore(t) }, standInCaveats)
	})
	t.Run("MongoDB", func(t *testing.T) {
		uri := os.Getenv("KHAOSAT_TEST_MONGODB_URI")
		if uri == "" {
			t.Skip("KHAOSAT_TEST_MONGODB_URI is not set: no real MongoDB to run the contract against")
		}
		storetest.RunPlan(t, func(t *testing.T) storetest.PlanStores { return mustStoreAt(t, uri) }, storetest.Caveats{})
	})
}
