package sqlite_test

import (
	"testing"

	"github.com/khaosat/khaosat/internal/storetest"
)

func TestPlanContract(t *testing.T) {
	t.Parallel()
	storetest.RunPlan(t, func(t *testing.T) storetest.PlanStores { return MustOpen(t) }, storetest.Caveats{})
}
