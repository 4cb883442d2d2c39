package mongo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/registry"
	"github.com/khaosat/khaosat/internal/survey"
)

func first[T any](list []T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("find a registry record: %w", survey.ErrNotFound)
	}
	return &list[0], nil
}

// RegistryHousehold returns a household's current state.
func (s *Store) RegistryHousehold(ctx context.Context, id string) (*registry.Household, error) {
	return first(findDocs[registry.Household](ctx, s.db.Collection(colRegHouseholds), bson.D{{Key: "_id", Value: id}}, nil, "read a household"))
}

// RegistryHouseholdVisits returns every stored visit of a household.
func (s *Store) RegistryHouseholdVisits(ctx context.Context, id string) ([]registry.Visit, error) {
	return regTx{s}.HouseholdVisits(ctx, id)
}

// RegistryHouseholdStays returns the stays in a household.
func (s *Store) RegistryHouseholdStays(ctx context.Context, id string) ([]registry.Stay, error) {
	return regTx{s}.HouseholdStays(ctx, id)
}

// RegistryChild returns a child's current state.
func (s *Store) RegistryChild(ctx context.Context, id string) (*registry.Child, error) {
	return first(findDocs[registry.Child](ctx, s.db.Collection(colRegChildren), bson.D{{Key: "_id", Value: id}}, nil, "read a child"))
}

// RegistryChildStays returns a child's stays in every household.
func (s *Store) RegistryChildStays(ctx context.Context, id string) ([]registry.Stay, error) {
	return sortedStays(findDocs[registry.Stay](ctx, s.db.Collection(colRegStays), bson.D{{Key: "c", Value: id}}, nil, "read stays"))
}

// RegistryChildFollowUps returns the follow-ups naming a child.
func (s *Store) RegistryChildFollowUps(ctx context.Context, id string) ([]registry.FollowUp, error) {
	return regTx{s}.ChildFollowUps(ctx, id)
}

// RegistrySurvivor returns the record an alias was merged into.
func (s *Store) RegistrySurvivor(ctx context.Context, kind, id string) (string, error) {
	return regTx{s}.Survivor(ctx, kind, id)
}

// RegistryAliases returns the aliases merged into a record.
func (s *Store) RegistryAliases(ctx context.Context, kind, id string) ([]string, error) {
	return ids(ctx, s.db.Collection(colRegAliases), bson.D{{Key: "kind", Value: kind}, {Key: "s", Value: id}}, "a", "read aliases")
}

// RegistryCandidates returns the candidates no standing decision settles,
// with a record in communes (nil: all).
func (s *Store) RegistryCandidates(ctx context.Context, kind string, communes []string, limit int) ([]registry.Candidate, error) {
	if communes != nil && len(communes) == 0 {
		return nil, nil
	}
	cur, err := s.db.Collection(colRegCandidates).Find(ctx, bson.D{{Key: "kind", Value: kind}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate("list candidates", err)
	}
	var all []struct {
		A    string `bson:"a"`
		B    string `bson:"b"`
		Rule string `bson:"rule"`
	}
	if err := cur.All(ctx, &all); err != nil {
		return nil, translate("list candidates", err)
	}
	in := map[string]bool{}
	for _, c := range communes {
		in[c] = true
	}
	var out []registry.Candidate
	for _, c := range all {
		if len(out) >= limit {
			break
		}
		p := registry.Candidate{Kind: kind, A: c.A, B: c.B, Rule: c.Rule}
		n, err := s.db.Collection(colRegStanding).CountDocuments(ctx, bson.D{{Key: "_id", Value: candidateID(p)}})
		if err != nil {
			return nil, translate("list candidates", err)
		}
		if n > 0 {
			continue
		}
		if communes != nil {
			ok, err := s.inCommunes(ctx, kind, in, c.A, c.B)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].A < out[j].A || (out[i].A == out[j].A && out[i].B < out[j].B) })
	return out, nil
}

func (s *Store) inCommunes(ctx context.Context, kind string, in map[string]bool, recs ...string) (bool, error) {
	col := colRegChildren
	if kind == registry.KindHousehold {
		col = colRegHouseholds
	}
	for _, id := range recs {
		var d struct {
			U string `bson:"u"`
		}
		err := s.db.Collection(col).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		if errors.Is(err, mdb.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return false, translate("read a record", err)
		}
		if in[d.U] {
			return true, nil
		}
	}
	return false, nil
}

// RegistryDecide records a decision and applies it. The pair's standing
// decision is a document under the pair's id: of concurrent decisions on
// a pair, one inserts it.
func (s *Store) RegistryDecide(ctx context.Context, d *registry.Decision) error {
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	r := regTx{s}
	if d.Action == registry.ActionMerge {
		for _, id := range []string{d.Survivor, d.Alias} {
			if sv, err := r.Survivor(ctx, d.Kind, id); err != nil {
				return err
			} else if sv != "" {
				return fmt.Errorf("merge: %s is an alias already: %w", id, survey.ErrDuplicate)
			}
		}
	}
	pair := candidateID(registry.Candidate{Kind: d.Kind, A: d.A, B: d.B})
	if _, err := s.db.Collection(colRegStanding).InsertOne(ctx, bson.D{{Key: "_id", Value: pair}, {Key: "decision", Value: d.ID}}); err != nil {
		return translate("record a decision", err)
	}
	doc, err := jsonStr(d)
	if err != nil {
		return err
	}
	if _, err := s.db.Collection(colRegDecisions).InsertOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "d", Value: doc}}); err != nil {
		return translate("record a decision", err)
	}
	if d.Action != registry.ActionMerge {
		return nil
	}
	if _, err := s.db.Collection(colRegAliases).InsertOne(ctx, bson.D{{Key: "_id", Value: d.Kind + "|" + d.Alias}, {Key: "kind", Value: d.Kind},
		{Key: "a", Value: d.Alias}, {Key: "s", Value: d.Survivor}, {Key: "decision", Value: d.ID}}); err != nil {
		return translate("record an alias", err)
	}
	return s.refreshAfterDecision(ctx, d)
}

func (s *Store) refreshAfterDecision(ctx context.Context, d *registry.Decision) error {
	r := regTx{s}
	for _, id := range []string{d.A, d.B} {
		if d.Kind == registry.KindHousehold {
			h, err := r.Household(ctx, id)
			if err != nil {
				return err
			}
			if err := registry.RefreshHouseholdCandidates(ctx, r, id, h); err != nil {
				return err
			}
			if h != nil {
				if err := r.Changed(ctx, d.Kind, id, h.Commune); err != nil {
					return err
				}
			}
			continue
		}
		c, err := r.Child(ctx, id)
		if err != nil {
			return err
		}
		var keys []string
		if c != nil {
			keys = s.reg.linker.ChildKeys(c)
		}
		if err := registry.RefreshChildCandidates(ctx, r, id, c, keys); err != nil {
			return err
		}
		if c != nil {
			if err := r.Changed(ctx, d.Kind, id, c.Commune); err != nil {
				return err
			}
		}
	}
	return nil
}

// RegistryUndo undoes a standing decision: removing the pair's standing
// document is what one of concurrent undos wins.
func (s *Store) RegistryUndo(ctx context.Context, id, by string, at time.Time) (*registry.Decision, error) {
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	d, err := s.RegistryDecision(ctx, id)
	if err != nil {
		return nil, err
	}
	pair := candidateID(registry.Candidate{Kind: d.Kind, A: d.A, B: d.B})
	res, err := s.db.Collection(colRegStanding).DeleteOne(ctx, bson.D{{Key: "_id", Value: pair}, {Key: "decision", Value: id}})
	if err != nil {
		return nil, translate("undo a decision", err)
	}
	if res.DeletedCount == 0 {
		return nil, fmt.Errorf("undo a decision: %w", survey.ErrNotFound)
	}
	d.UndoneAt, d.UndoneBy = &at, by
	doc, err := jsonStr(d)
	if err != nil {
		return nil, err
	}
	if _, err := s.db.Collection(colRegDecisions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "d", Value: doc}}}}); err != nil {
		return nil, translate("undo a decision", err)
	}
	if d.Action == registry.ActionMerge {
		if _, err := s.db.Collection(colRegAliases).DeleteOne(ctx, bson.D{{Key: "_id", Value: d.Kind + "|" + d.Alias}, {Key: "decision", Value: id}}); err != nil {
			return nil, translate("undo a merge", err)
		}
		if err := s.refreshAfterDecision(ctx, d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// RegistryDecision returns one decision.
func (s *Store) RegistryDecision(ctx context.Context, id string) (*registry.Decision, error) {
	return first(findDocs[registry.Decision](ctx, s.db.Collection(colRegDecisions), bson.D{{Key: "_id", Value: id}}, nil, "read a decision"))
}

// RegistryChanges returns the feed's entries of the communes after seq.
func (s *Store) RegistryChanges(ctx context.Context, communes []string, after int64, limit int) ([]registry.Change, error) {
	if len(communes) == 0 {
		return nil, nil
	}
	cur, err := s.db.Collection(colRegChanges).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}, {Key: "u", Value: bson.D{{Key: "$in", Value: communes}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, translate("read registry changes", err)
	}
	var raw []struct {
		Seq  int64  `bson:"_id"`
		Kind string `bson:"kind"`
		ID   string `bson:"id"`
		U    string `bson:"u"`
	}
	if err := cur.All(ctx, &raw); err != nil {
		return nil, translate("read registry changes", err)
	}
	out := make([]registry.Change, len(raw))
	for i, c := range raw {
		out[i] = registry.Change{Seq: c.Seq, Kind: c.Kind, ID: c.ID, Commune: c.U}
	}
	return out, nil
}

// RegistrySnapshot reads everything the registry derives.
func (s *Store) RegistrySnapshot(ctx context.Context) (*registry.Snapshot, error) {
	var snap registry.Snapshot
	var err error
	byID := bson.D{{Key: "_id", Value: 1}}
	if snap.Households, err = findDocs[registry.Household](ctx, s.db.Collection(colRegHouseholds), bson.D{}, byID, "snapshot"); err != nil {
		return nil, err
	}
	if snap.Stays, err = sortedStays(findDocs[registry.Stay](ctx, s.db.Collection(colRegStays), bson.D{}, nil, "snapshot")); err != nil {
		return nil, err
	}
	if snap.Children, err = findDocs[registry.Child](ctx, s.db.Collection(colRegChildren), bson.D{}, byID, "snapshot"); err != nil {
		return nil, err
	}
	cur, err := s.db.Collection(colRegChildKeys).Find(ctx, bson.D{})
	if err != nil {
		return nil, translate("snapshot", err)
	}
	var keys []struct {
		K string `bson:"k"`
		C string `bson:"c"`
	}
	if err := cur.All(ctx, &keys); err != nil {
		return nil, translate("snapshot", err)
	}
	for _, k := range keys {
		snap.ChildKeys = append(snap.ChildKeys, [2]string{k.K, k.C})
	}
	sort.Slice(snap.ChildKeys, func(i, j int) bool {
		a, b := snap.ChildKeys[i], snap.ChildKeys[j]
		return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1])
	})
	cur, err = s.db.Collection(colRegCandidates).Find(ctx, bson.D{})
	if err != nil {
		return nil, translate("snapshot", err)
	}
	var cs []struct {
		Kind string `bson:"kind"`
		A    string `bson:"a"`
		B    string `bson:"b"`
		Rule string `bson:"rule"`
	}
	if err := cur.All(ctx, &cs); err != nil {
		return nil, translate("snapshot", err)
	}
	for _, c := range cs {
		snap.Candidates = append(snap.Candidates, registry.Candidate{Kind: c.Kind, A: c.A, B: c.B, Rule: c.Rule})
	}
	sort.Slice(snap.Candidates, func(i, j int) bool { return candidateID(snap.Candidates[i]) < candidateID(snap.Candidates[j]) })
	return &snap, nil
}

// RebuildRegistry empties what the registry derives and projects every
// stored submission again, in the order they were acknowledged. Readers
// see the registry being rebuilt: run it on a quiet server (the
// "khaosat registry rebuild" verb of a stopped one).
func (s *Store) RebuildRegistry(ctx context.Context, observe func(context.Context, *survey.Submission) (*registry.Observation, error)) error {
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	for _, c := range []string{colRegVisits, colRegFollowUps, colRegHouseholds, colRegStays, colRegChildren, colRegChildKeys, colRegCandidates} {
		if _, err := s.db.Collection(c).DeleteMany(ctx, bson.D{}); err != nil {
			return translate("empty the registry", err)
		}
	}
	var subs []*survey.Submission
	if err := s.EachSubmission(ctx, func(sub *survey.Submission) error { subs = append(subs, sub); return nil }); err != nil {
		return err
	}
	sort.SliceStable(subs, func(i, j int) bool { return subs[i].ReceivedAt.Before(subs[j].ReceivedAt) })
	for _, sub := range subs {
		o, err := observe(ctx, sub)
		if err != nil {
			return err
		}
		if o == nil {
			continue
		}
		if err := registry.Project(ctx, regTx{s}, s.reg.linker, o); err != nil {
			return err
		}
	}
	return nil
}

// RegistryNeedsRebuild reports whether the registry is empty while
// submissions it is made of exist (a database from before the registry).
func (s *Store) RegistryNeedsRebuild(ctx context.Context) (bool, error) {
	one := options.Count().SetLimit(1)
	for _, c := range []string{colRegVisits, colRegFollowUps} {
		n, err := s.db.Collection(c).CountDocuments(ctx, bson.D{}, one)
		if err != nil {
			return false, translate("look at the registry", err)
		}
		if n > 0 {
			return false, nil
		}
	}
	n, err := s.db.Collection(colSubmissions).CountDocuments(ctx, bson.D{{Key: "form", Value: bson.D{{Key: "$in", Value: bson.A{"household", "disability", "labour"}}}}}, one)
	if err != nil {
		return false, translate("look at the registry", err)
	}
	return n > 0, nil
}
