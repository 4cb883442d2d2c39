package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/registry"
	"github.com/khaosat/khaosat/internal/survey"
)

// The registry of households and children on MongoDB: a single-document
// write plus an idempotent projection.
//
// What a submission tells the registry (its registry.Observation) is
// written inside the submission's document ("rg": the observation and a
// pending mark), in the same single-document write as its answers, facts
// and outbox: once acknowledged it cannot be lost. The write's caller then
// projects it into the reg_* collections (registry.Project) and clears the
// mark. A projection recomputes each household and child it touches from
// all the observations about them, and every write it makes replaces a
// whole document by its id, so projecting again, after a crash between
// the document write and the projection (EnsureIndexes projects what is
// still marked at the next start), or twice at once from two writers,
// converges on the same registry. A multi-document transaction would make
// the two steps one, but the FerretDB stand-in of the tests has none, and
// the projection is cheap to repeat; the submission document stays the
// one source of truth.
//
// Projections are serialised within a process (regMu): two interleaved
// recomputations of one household could each read the other's sources
// half-written. Across instances, a projection that lost such a race is
// redone by the next change of the records it touched, or by a rebuild.

const (
	colRegVisits     = "reg_visits"
	colRegFollowUps  = "reg_followups"
	colRegHouseholds = "reg_households"
	colRegStays      = "reg_stays"
	colRegChildren   = "reg_children"
	colRegChildKeys  = "reg_child_keys"
	colRegCandidates = "reg_candidates"
	colRegDecisions  = "reg_decisions"
	colRegStanding   = "reg_standing"
	colRegAliases    = "reg_aliases"
	colRegChanges    = "reg_changes"
	colRegCounter    = "reg_counter"
)

var registryIndexes = map[string][]mdb.IndexModel{
	colRegVisits:     {{Keys: bson.D{{Key: "h", Value: 1}}, Options: options.Index().SetName("household")}},
	colRegFollowUps:  {{Keys: bson.D{{Key: "c", Value: 1}}, Options: options.Index().SetName("child")}},
	colRegHouseholds: {{Keys: bson.D{{Key: "k", Value: 1}}, Options: options.Index().SetName("dkey")}, {Keys: bson.D{{Key: "u", Value: 1}}, Options: options.Index().SetName("commune")}},
	colRegStays:      {{Keys: bson.D{{Key: "c", Value: 1}, {Key: "o", Value: 1}}, Options: options.Index().SetName("child_latest")}, {Keys: bson.D{{Key: "h", Value: 1}}, Options: options.Index().SetName("household")}},
	colRegChildren:   {{Keys: bson.D{{Key: "u", Value: 1}}, Options: options.Index().SetName("commune")}},
	colRegChildKeys:  {{Keys: bson.D{{Key: "k", Value: 1}}, Options: options.Index().SetName("dkey")}, {Keys: bson.D{{Key: "c", Value: 1}}, Options: options.Index().SetName("child")}},
	colRegCandidates: {{Keys: bson.D{{Key: "a", Value: 1}}, Options: options.Index().SetName("a")}, {Keys: bson.D{{Key: "b", Value: 1}}, Options: options.Index().SetName("b")}},
	colRegAliases:    {{Keys: bson.D{{Key: "s", Value: 1}}, Options: options.Index().SetName("survivor")}},
	colRegChanges:    {{Keys: bson.D{{Key: "u", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("commune_seq")}},
}

// registryDoc is the "rg" field of a submission document.
type registryDoc struct {
	Obs     string `bson:"o"`
	Pending bool   `bson:"p,omitempty"`
}

// regState is the registry's part of a Store.
type regState struct {
	mu     sync.Mutex
	linker *registry.Linker
}

// UseLinker gives the store the 2025 commune mapping the duplicate
// candidates of children are found across.
func (s *Store) UseLinker(l *registry.Linker) { s.reg.linker = l }

// registryOf returns the "rg" field for f's observation (nil: none).
func registryOf(f *survey.Facts) (*registryDoc, error) {
	if f == nil || f.Registry == nil {
		return nil, nil
	}
	o, ok := f.Registry.(*registry.Observation)
	if !ok {
		return nil, fmt.Errorf("registry: an observation of type %T", f.Registry)
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	return &registryDoc{Obs: string(b), Pending: true}, nil
}

// projectWritten projects the observation just written into submission
// id's document, if any, and clears its pending mark.
func (s *Store) projectWritten(ctx context.Context, id string, f *survey.Facts) error {
	rd, err := registryOf(f)
	if err != nil || rd == nil {
		return err
	}
	return s.projectDoc(ctx, id, rd.Obs)
}

func (s *Store) projectDoc(ctx context.Context, id, obs string) error {
	var o registry.Observation
	if err := json.Unmarshal([]byte(obs), &o); err != nil {
		return fmt.Errorf("read an observation: %w", err)
	}
	s.reg.mu.Lock()
	err := registry.Project(ctx, regTx{s}, s.reg.linker, &o)
	s.reg.mu.Unlock()
	if err != nil {
		return err
	}
	_, err = s.db.Collection(colSubmissions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "rg.o", Value: obs}, {Key: "rg.p", Value: true}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "rg.p", Value: ""}}}})
	return translate("mark an observation projected", err)
}

// ProjectPendingRegistry projects the observations a stopped writer left
// marked pending.
func (s *Store) ProjectPendingRegistry(ctx context.Context) error {
	cur, err := s.db.Collection(colSubmissions).Find(ctx, bson.D{{Key: "rg.p", Value: true}},
		options.Find().SetSort(bson.D{{Key: "received_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return translate("find pending observations", err)
	}
	var docs []struct {
		ID string      `bson:"_id"`
		RG registryDoc `bson:"rg"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return translate("find pending observations", err)
	}
	for _, d := range docs {
		if err := s.projectDoc(ctx, d.ID, d.RG.Obs); err != nil {
			return err
		}
	}
	return nil
}

// projectPendingOf projects submission id's observation if it is still
// marked pending.
func (s *Store) projectPendingOf(ctx context.Context, id string) error {
	var d struct {
		RG *registryDoc `bson:"rg"`
	}
	err := s.db.Collection(colSubmissions).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mdb.ErrNoDocuments) || (err == nil && (d.RG == nil || !d.RG.Pending)) {
		return nil
	}
	if err != nil {
		return translate("find a pending observation", err)
	}
	return s.projectDoc(ctx, id, d.RG.Obs)
}

// regTx is registry.Tx over the reg_* collections: each write replaces
// whole documents by id.
type regTx struct{ s *Store }

func (r regTx) col(name string) *mdb.Collection { return r.s.db.Collection(name) }

// jdoc is a registry record kept as JSON beside the fields it is found by.
type jdoc struct {
	ID  string `bson:"_id"`
	Doc string `bson:"d"`
}

func findDocs[T any](ctx context.Context, c *mdb.Collection, filter bson.D, sortBy bson.D, op string) ([]T, error) {
	o := options.Find()
	if sortBy != nil {
		o.SetSort(sortBy)
	}
	cur, err := c.Find(ctx, filter, o)
	if err != nil {
		return nil, translate(op, err)
	}
	var raw []jdoc
	if err := cur.All(ctx, &raw); err != nil {
		return nil, translate(op, err)
	}
	out := make([]T, 0, len(raw))
	for _, d := range raw {
		var v T
		if err := json.Unmarshal([]byte(d.Doc), &v); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func ids(ctx context.Context, c *mdb.Collection, filter bson.D, field, op string) ([]string, error) {
	cur, err := c.Find(ctx, filter)
	if err != nil {
		return nil, translate(op, err)
	}
	var raw []bson.M
	if err := cur.All(ctx, &raw); err != nil {
		return nil, translate(op, err)
	}
	set := map[string]bool{}
	for _, m := range raw {
		if v, ok := m[field].(string); ok {
			set[v] = true
		}
	}
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return out, nil
}

func put(ctx context.Context, c *mdb.Collection, id string, fields bson.D, op string) error {
	_, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, append(bson.D{{Key: "_id", Value: id}}, fields...), options.Replace().SetUpsert(true))
	if mdb.IsDuplicateKeyError(err) { // two upserts raced: one inserted, replace again
		_, err = c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, append(bson.D{{Key: "_id", Value: id}}, fields...))
	}
	return translate(op, err)
}

func jsonStr(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func (r regTx) PutObservation(ctx context.Context, o *registry.Observation) (*registry.Observation, error) {
	prev := &registry.Observation{SubmissionID: o.SubmissionID}
	vs, err := findDocs[registry.Visit](ctx, r.col(colRegVisits), bson.D{{Key: "_id", Value: o.SubmissionID}}, nil, "read a visit")
	if err != nil {
		return nil, err
	}
	if len(vs) > 0 {
		prev.Visit = &vs[0]
	}
	fs, err := findDocs[registry.FollowUp](ctx, r.col(colRegFollowUps), bson.D{{Key: "_id", Value: o.SubmissionID}}, nil, "read a follow-up")
	if err != nil {
		return nil, err
	}
	if len(fs) > 0 {
		prev.FollowUp = &fs[0]
	}
	if o.Visit != nil {
		d, err := jsonStr(o.Visit)
		if err != nil {
			return nil, err
		}
		if err := put(ctx, r.col(colRegVisits), o.SubmissionID, bson.D{{Key: "h", Value: o.Visit.HouseholdID}, {Key: "d", Value: d}}, "write a visit"); err != nil {
			return nil, err
		}
	} else if _, err := r.col(colRegVisits).DeleteOne(ctx, bson.D{{Key: "_id", Value: o.SubmissionID}}); err != nil {
		return nil, translate("replace a visit", err)
	}
	if o.FollowUp != nil {
		d, err := jsonStr(o.FollowUp)
		if err != nil {
			return nil, err
		}
		if err := put(ctx, r.col(colRegFollowUps), o.SubmissionID, bson.D{{Key: "c", Value: o.FollowUp.ChildID}, {Key: "d", Value: d}}, "write a follow-up"); err != nil {
			return nil, err
		}
	} else if _, err := r.col(colRegFollowUps).DeleteOne(ctx, bson.D{{Key: "_id", Value: o.SubmissionID}}); err != nil {
		return nil, translate("replace a follow-up", err)
	}
	if prev.Visit == nil && prev.FollowUp == nil {
		return nil, nil
	}
	return prev, nil
}

func (r regTx) HouseholdVisits(ctx context.Context, id string) ([]registry.Visit, error) {
	return findDocs[registry.Visit](ctx, r.col(colRegVisits), bson.D{{Key: "h", Value: id}}, bson.D{{Key: "_id", Value: 1}}, "read visits")
}

func (r regTx) HouseholdStays(ctx context.Context, id string) ([]registry.Stay, error) {
	return sortedStays(findDocs[registry.Stay](ctx, r.col(colRegStays), bson.D{{Key: "h", Value: id}}, nil, "read stays"))
}

func sortedStays(ss []registry.Stay, err error) ([]registry.Stay, error) {
	sort.Slice(ss, func(i, j int) bool {
		a, b := ss[i], ss[j]
		if a.ChildID != b.ChildID {
			return a.ChildID < b.ChildID
		}
		if a.HouseholdID != b.HouseholdID {
			return a.HouseholdID < b.HouseholdID
		}
		return a.From.Before(b.From)
	})
	return ss, err
}

func stayID(s registry.Stay) string {
	return s.ChildID + "|" + s.HouseholdID + "|" + s.From.Format(time.DateOnly)
}

func (r regTx) PutHousehold(ctx context.Context, id string, h *registry.Household, stays []registry.Stay) error {
	old, err := r.HouseholdStays(ctx, id)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, s := range stays {
		keep[stayID(s)] = true
		d, err := jsonStr(s)
		if err != nil {
			return err
		}
		if err := put(ctx, r.col(colRegStays), stayID(s), bson.D{{Key: "c", Value: s.ChildID}, {Key: "h", Value: id}, {Key: "o", Value: s.Latest.Key()}, {Key: "d", Value: d}}, "write a stay"); err != nil {
			return err
		}
	}
	for _, s := range old {
		if !keep[stayID(s)] {
			if _, err := r.col(colRegStays).DeleteOne(ctx, bson.D{{Key: "_id", Value: stayID(s)}}); err != nil {
				return translate("remove a stay", err)
			}
		}
	}
	if h == nil {
		_, err := r.col(colRegHouseholds).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
		return translate("remove a household", err)
	}
	d, err := jsonStr(h)
	if err != nil {
		return err
	}
	return put(ctx, r.col(colRegHouseholds), id, bson.D{{Key: "u", Value: h.Commune}, {Key: "k", Value: h.Key()}, {Key: "d", Value: d}}, "write a household")
}

func (r regTx) Household(ctx context.Context, id string) (*registry.Household, error) {
	hs, err := findDocs[registry.Household](ctx, r.col(colRegHouseholds), bson.D{{Key: "_id", Value: id}}, nil, "read a household")
	if err != nil || len(hs) == 0 {
		return nil, err
	}
	return &hs[0], nil
}

func (r regTx) HouseholdsWithKey(ctx context.Context, key string, limit int) ([]string, error) {
	return firstN(ids(ctx, r.col(colRegHouseholds), bson.D{{Key: "k", Value: key}}, "_id", "find households by key"))(limit)
}

// firstN keeps the first n of a sorted list.
func firstN(list []string, err error) func(n int) ([]string, error) {
	return func(n int) ([]string, error) {
		if len(list) > n {
			list = list[:n]
		}
		return list, err
	}
}

func (r regTx) LatestStay(ctx context.Context, id string) (*registry.Stay, error) {
	var d jdoc
	err := r.col(colRegStays).FindOne(ctx, bson.D{{Key: "c", Value: id}}, options.FindOne().SetSort(bson.D{{Key: "o", Value: -1}})).Decode(&d)
	if errors.Is(err, mdb.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, translate("read stays", err)
	}
	var st registry.Stay
	if err := json.Unmarshal([]byte(d.Doc), &st); err != nil {
		return nil, fmt.Errorf("read stays: %w", err)
	}
	return &st, nil
}

func (r regTx) ChildFollowUps(ctx context.Context, id string) ([]registry.FollowUp, error) {
	return findDocs[registry.FollowUp](ctx, r.col(colRegFollowUps), bson.D{{Key: "c", Value: id}}, bson.D{{Key: "_id", Value: 1}}, "read follow-ups")
}

func (r regTx) Child(ctx context.Context, id string) (*registry.Child, error) {
	cs, err := findDocs[registry.Child](ctx, r.col(colRegChildren), bson.D{{Key: "_id", Value: id}}, nil, "read a child")
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return &cs[0], nil
}

func (r regTx) PutChild(ctx context.Context, id string, c *registry.Child, keys []string) error {
	old, err := ids(ctx, r.col(colRegChildKeys), bson.D{{Key: "c", Value: id}}, "k", "read child keys")
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, k := range keys {
		keep[k] = true
		if err := put(ctx, r.col(colRegChildKeys), k+"\t"+id, bson.D{{Key: "k", Value: k}, {Key: "c", Value: id}}, "write child keys"); err != nil {
			return err
		}
	}
	for _, k := range old {
		if !keep[k] {
			if _, err := r.col(colRegChildKeys).DeleteOne(ctx, bson.D{{Key: "_id", Value: k + "\t" + id}}); err != nil {
				return translate("remove child keys", err)
			}
		}
	}
	if c == nil {
		_, err := r.col(colRegChildren).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
		return translate("remove a child", err)
	}
	d, err := jsonStr(c)
	if err != nil {
		return err
	}
	return put(ctx, r.col(colRegChildren), id, bson.D{{Key: "u", Value: c.Commune}, {Key: "d", Value: d}}, "write a child")
}

func (r regTx) ChildrenWithKeys(ctx context.Context, keys []string, limit int) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	return firstN(ids(ctx, r.col(colRegChildKeys), bson.D{{Key: "k", Value: bson.D{{Key: "$in", Value: keys}}}}, "c", "find children by key"))(limit)
}

func (r regTx) Survivor(ctx context.Context, kind, id string) (string, error) {
	var d struct {
		S string `bson:"s"`
	}
	err := r.col(colRegAliases).FindOne(ctx, bson.D{{Key: "_id", Value: kind + "|" + id}}).Decode(&d)
	if errors.Is(err, mdb.ErrNoDocuments) {
		return "", nil
	}
	return d.S, translate("read an alias", err)
}

func candidateID(c registry.Candidate) string { return c.Kind + "|" + c.A + "|" + c.B }

func (r regTx) ReplaceCandidates(ctx context.Context, kind, id string, cs []registry.Candidate) error {
	cur, err := r.col(colRegCandidates).Find(ctx, bson.D{{Key: "kind", Value: kind}, {Key: "$or", Value: bson.A{bson.D{{Key: "a", Value: id}}, bson.D{{Key: "b", Value: id}}}}})
	if err != nil {
		return translate("read candidates", err)
	}
	var old []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &old); err != nil {
		return translate("read candidates", err)
	}
	keep := map[string]bool{}
	for _, c := range cs {
		keep[candidateID(c)] = true
		if err := put(ctx, r.col(colRegCandidates), candidateID(c), bson.D{{Key: "kind", Value: c.Kind}, {Key: "a", Value: c.A}, {Key: "b", Value: c.B}, {Key: "rule", Value: c.Rule}}, "write candidates"); err != nil {
			return err
		}
	}
	for _, o := range old {
		if !keep[o.ID] {
			if _, err := r.col(colRegCandidates).DeleteOne(ctx, bson.D{{Key: "_id", Value: o.ID}}); err != nil {
				return translate("remove candidates", err)
			}
		}
	}
	return nil
}

func (r regTx) Changed(ctx context.Context, kind, id string, communes ...string) error {
	for _, c := range communes {
		if err := r.s.appendRegChange(ctx, kind, id, c); err != nil {
			return err
		}
	}
	return nil
}

// appendRegChange numbers a change by inserting it: the unique _id
// refuses a number taken, and the writer tries the next.
func (s *Store) appendRegChange(ctx context.Context, kind, id, commune string) error {
	var last struct {
		ID int64 `bson:"_id"`
	}
	err := s.db.Collection(colRegChanges).FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}})).Decode(&last)
	if err != nil && !errors.Is(err, mdb.ErrNoDocuments) {
		return translate("number a registry change", err)
	}
	for n := last.ID + 1; ; n++ {
		_, err := s.db.Collection(colRegChanges).InsertOne(ctx, bson.D{{Key: "_id", Value: n}, {Key: "kind", Value: kind}, {Key: "id", Value: id}, {Key: "u", Value: commune}})
		if !mdb.IsDuplicateKeyError(err) {
			return translate("record a registry change", err)
		}
	}
}
