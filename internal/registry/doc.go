// Package registry keeps who the observations are about: the households
// and children that household visits and follow-up forms (disability,
// labour, hiv) describe, their current state, each child's household
// history, and the duplicate candidates a person merges, keeps apart or
// unmerges (../shared/domain/REGISTRY.md).
//
// The registry is a projection of the submissions. Each stored submission
// tells the registry one Observation (a visit of a household, or a
// follow-up of a child), derived from its current state and written by
// the store in the same atomic step as the submission, beside its
// indicator facts (survey.Facts carries it). The store then recomputes,
// with Project, every household and child the observation touches from
// all the observations about them: a recomputation from the source, so
// applying an observation twice, or replaying every submission (Rebuild),
// gives the same registry. Decisions (merges, "not duplicates") are not
// derived from submissions: they are kept apart and survive a rebuild.
//
// The package holds the rules; the stores (internal/sqlite,
// internal/mongo) hold the rows, through the Tx interface.
package registry
