package sqlite_test

import (
	"testing"

	"github.com/khaosat/khaosat/internal/storetest"
)

func TestRegistryContract(t *testing.T) {
	storetest.RunRegistry(t, func(t *testing.T) storetest.RegistryStores { return MustOpen(t) })
}
