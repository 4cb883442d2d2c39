package app

import (
	"path"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/registry"
	"github.com/khaosat/khaosat/internal/survey"
)

// CommuneMapping is the 2025 mapping of old communes to new ones inside
// khaosat.Content: the registry finds duplicate children across it.
const CommuneMapping = "hanoi_commune_mapping_old_to_new_2025-07-01.csv"

// buildRegistry returns the registry's intake hook over store, or nil
// when the store keeps no registry.
func buildRegistry(store Store, units *survey.Units, catalog *survey.Catalog) (*registry.Hook, error) {
	rs, ok := store.(registry.Store)
	if !ok {
		return nil, nil
	}
	l, err := registry.LoadLinker(khaosat.Content, path.Join(khaosat.UnitsDir, CommuneMapping))
	if err != nil {
		return nil, err
	}
	if u, ok := store.(interface{ UseLinker(*registry.Linker) }); ok {
		u.UseLinker(l)
	}
	return registry.NewHook(rs, units, catalog.Compiled), nil
}
