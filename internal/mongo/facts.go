package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

const (
	colFacts = "facts"
	colMeta  = "meta"
)

// The embedded engine answers a query with an index only for a filter on
// _id alone; any other filter decodes every document of the collection.
// So the facts are grouped into one document per (hierarchy, commune,
// month of survey date), with a deterministic _id, holding one entry per
// submission (keyed by submission id): writing a submission's facts is one
// $set on one document (atomic, idempotent), a query for some communes
// reads their documents by _id, and a whole-city query scans a collection
// with one document per commune-month instead of one per row.
type factsDoc struct {
	ID       string            `bson:"_id"` // hierarchy|commune|YYYY-MM
	Hier     string            `bson:"h"`
	Commune  string            `bson:"c"`
	District string            `bson:"di,omitempty"`
	Month    string            `bson:"m"`
	Entries  map[string]string `bson:"e"` // submission id → "YYYY-MM-DD|cells"
}

// factsLocDoc records which facts document holds a submission's entry, so
// that an edit moving it (new unit or date) removes the old entry.
type factsLocDoc struct {
	ID  string `bson:"_id"` // submission id
	Key string `bson:"k"`
}

const colFactsLoc = "facts_loc"

func factsKey(hier, commune string, d time.Time) string {
	return hier + "|" + commune + "|" + d.Format("2006-01")
}

func encodeCells(cells []survey.FactCell) string {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(c.Indicator)
		b.WriteByte(' ')
		b.WriteString(orDash(c.Sex))
		b.WriteByte(' ')
		b.WriteString(orDash(c.AgeGroup))
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(c.Den))
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(c.Num))
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func decodeCells(s string) ([]survey.FactCell, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ";")
	out := make([]survey.FactCell, 0, len(parts))
	for _, p := range parts {
		f := strings.Fields(p)
		if len(f) != 5 {
			return nil, fmt.Errorf("malformed facts cell %q", p)
		}
		den, err1 := strconv.Atoi(f[3])
		num, err2 := strconv.Atoi(f[4])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("malformed facts cell %q", p)
		}
		c := survey.FactCell{Indicator: f[0], Sex: f[1], AgeGroup: f[2], Den: den, Num: num}
		if c.Sex == "-" {
			c.Sex = ""
		}
		if c.AgeGroup == "-" {
			c.AgeGroup = ""
		}
		out = append(out, c)
	}
	return out, nil
}

// PutFacts writes the entry of a submission into its facts document and
// removes it from the one it was in before, if that differs. The order
// (new entry, old entry removed, location recorded) means a crash at any
// point is repaired by writing again: the location still names the old
// document until it has been cleaned.
func (s *Store) PutFacts(ctx context.Context, f *survey.Facts) error {
	if strings.ContainsAny(f.SubmissionID, ".$") || f.SubmissionID == "" {
		return fmt.Errorf("put indicator facts: unusable submission id %q", f.SubmissionID)
	}
	key := factsKey(f.Hierarchy, f.Commune, f.SurveyDate)
	entry := f.SurveyDate.Format(time.DateOnly) + "|" + encodeCells(f.Cells)
	col := s.db.Collection(colFacts)
	set := bson.D{{Key: "$set", Value: bson.D{
		{Key: "h", Value: f.Hierarchy}, {Key: "c", Value: f.Commune}, {Key: "di", Value: f.District},
		{Key: "m", Value: f.SurveyDate.Format("2006-01")}, {Key: "e." + f.SubmissionID, Value: entry},
	}}}
	_, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}}, set, options.UpdateOne().SetUpsert(true))
	if mdb.IsDuplicateKeyError(err) { // a concurrent upsert created the document first
		_, err = col.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}}, set)
	}
	if err != nil {
		return translate("put indicator facts", err)
	}
	locs := s.db.Collection(colFactsLoc)
	loc := factsLocDoc{ID: f.SubmissionID, Key: key}
	if f.FirstRevision {
		// Its facts can only ever have been written here: record the
		// location with an insert, which the embedded engine does without
		// scanning the collection.
		_, err = locs.InsertOne(ctx, loc)
		if mdb.IsDuplicateKeyError(err) {
			return nil
		}
		return translate("record indicator facts location", err)
	}
	var old factsLocDoc
	err = locs.FindOne(ctx, bson.D{{Key: "_id", Value: f.SubmissionID}}).Decode(&old)
	switch {
	case errors.Is(err, mdb.ErrNoDocuments):
	case err != nil:
		return translate("find indicator facts location", err)
	case old.Key == key:
		return nil
	default:
		unset := bson.D{{Key: "$unset", Value: bson.D{{Key: "e." + f.SubmissionID, Value: ""}}}}
		if _, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: old.Key}}, unset); err != nil {
			return translate("move indicator facts", err)
		}
	}
	_, err = locs.ReplaceOne(ctx, bson.D{{Key: "_id", Value: f.SubmissionID}}, loc, options.Replace().SetUpsert(true))
	return translate("record indicator facts location", err)
}

// ClearFactsPending clears the mark if the submission is unchanged since
// updatedAt. Both steps address the submission by _id alone (the one
// filter the embedded engine serves from its index); a write landing
// between them is followed by its own Apply.
//
// It takes the submission's lock, like every update of a submission: the
// embedded engine rewrites the whole document, and an edit landing between
// its read and its write would be lost.
func (s *Store) ClearFactsPending(ctx context.Context, id string, updatedAt time.Time) (bool, error) {
	defer s.subLocks.lock(id)()
	var d struct {
		UpdatedAt time.Time `bson:"updated_at"`
		Pending   bool      `bson:"facts_pending"`
	}
	col := s.db.Collection(colSubmissions)
	err := col.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "updated_at", Value: 1}, {Key: "facts_pending", Value: 1}})).Decode(&d)
	if err != nil {
		return false, translate("read facts pending", err)
	}
	if !d.UpdatedAt.Equal(updatedAt) {
		return true, nil
	}
	if !d.Pending {
		return false, nil
	}
	_, err = col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$unset", Value: bson.D{{Key: "facts_pending", Value: ""}}}})
	return false, translate("clear facts pending", err)
}

// PendingSubmissions returns submissions still marked pending. On the
// embedded engine this reads every submission: it runs at start-up and
// on a timer, never on a request.
func (s *Store) PendingSubmissions(ctx context.Context, limit int) ([]*survey.Submission, error) {
	cur, err := s.db.Collection(colSubmissions).Find(ctx, bson.D{{Key: "facts_pending", Value: true}}, options.Find().SetLimit(int64(limit)))
	if err != nil {
		return nil, translate("find pending submissions", err)
	}
	var docs []submissionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("find pending submissions", err)
	}
	out := make([]*survey.Submission, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// EachSubmission calls fn for every submission, in id order.
func (s *Store) EachSubmission(ctx context.Context, fn func(*survey.Submission) error) error {
	cur, err := s.db.Collection(colSubmissions).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return translate("scan submissions", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d submissionDoc
		if err := cur.Decode(&d); err != nil {
			return translate("scan submissions", err)
		}
		if err := fn(d.domain()); err != nil {
			return err
		}
	}
	return translate("scan submissions", cur.Err())
}

// maxPointReads is how many facts documents a query reads by _id before
// scanning the collection is cheaper.
const maxPointReads = 400

// ScanFacts streams the facts q selects (all of them when q has no
// parts): by _id when the parts name few
// commune-months, else by one scan filtered here.
func (s *Store) ScanFacts(ctx context.Context, q survey.FactsQuery, fn func(*survey.Facts)) error {
	var keys []string
	scan := len(q.Parts) == 0 // no parts: everything
	for _, p := range q.Parts {
		if p.Communes == nil {
			scan = true
			break
		}
		for _, c := range p.Communes {
			for m := time.Date(p.From.Year(), p.From.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(p.To); m = m.AddDate(0, 1, 0) {
				keys = append(keys, factsKey(p.Hierarchy, c, m))
			}
		}
	}
	if scan || len(keys) > maxPointReads {
		return s.scanFacts(ctx, q, fn)
	}
	col := s.db.Collection(colFacts)
	for _, k := range keys {
		var d factsDoc
		err := col.FindOne(ctx, bson.D{{Key: "_id", Value: k}}).Decode(&d)
		if errors.Is(err, mdb.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return translate("read indicator facts", err)
		}
		if err := emit(&d, q, fn); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) scanFacts(ctx context.Context, q survey.FactsQuery, fn func(*survey.Facts)) error {
	cur, err := s.db.Collection(colFacts).Find(ctx, bson.D{}, options.Find().SetBatchSize(1000))
	if err != nil {
		return translate("scan indicator facts", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d factsDoc
		if err := cur.Decode(&d); err != nil {
			return translate("scan indicator facts", err)
		}
		if err := emit(&d, q, fn); err != nil {
			return err
		}
	}
	return translate("scan indicator facts", cur.Err())
}

// emit passes on the entries of d inside one of q's parts.
func emit(d *factsDoc, q survey.FactsQuery, fn func(*survey.Facts)) error {
	for id, e := range d.Entries {
		date, cells, ok := strings.Cut(e, "|")
		if !ok {
			return fmt.Errorf("indicator facts %s: malformed entry of %s", d.ID, id)
		}
		day, err := time.Parse(time.DateOnly, date)
		if err != nil {
			return fmt.Errorf("indicator facts %s: malformed entry of %s", d.ID, id)
		}
		if !inParts(d, day, q.Parts) {
			continue
		}
		cs, err := decodeCells(cells)
		if err != nil {
			return fmt.Errorf("indicator facts %s: %w", d.ID, err)
		}
		fn(&survey.Facts{SubmissionID: id, Commune: d.Commune, District: d.District, Hierarchy: d.Hier, SurveyDate: day, Cells: cs})
	}
	return nil
}

func inParts(d *factsDoc, day time.Time, parts []survey.FactsPart) bool {
	if len(parts) == 0 {
		return true
	}
	for _, p := range parts {
		if p.Hierarchy == d.Hier && !day.Before(p.From) && !day.After(p.To) && (p.Communes == nil || slices.Contains(p.Communes, d.Commune)) {
			return true
		}
	}
	return false
}

// LoadFacts bulk-writes the facts of many submissions into facts
// collections that hold none of them yet (a load from scratch): one
// write per commune-month document instead of three per submission.
func (s *Store) LoadFacts(ctx context.Context, fs []*survey.Facts) error {
	docs := map[string]*factsDoc{}
	var order []string
	locs := make([]any, 0, len(fs))
	for _, f := range fs {
		key := factsKey(f.Hierarchy, f.Commune, f.SurveyDate)
		d := docs[key]
		if d == nil {
			d = &factsDoc{ID: key, Hier: f.Hierarchy, Commune: f.Commune, District: f.District, Month: f.SurveyDate.Format("2006-01"), Entries: map[string]string{}}
			docs[key] = d
			order = append(order, key)
		}
		d.Entries[f.SubmissionID] = f.SurveyDate.Format(time.DateOnly) + "|" + encodeCells(f.Cells)
		locs = append(locs, factsLocDoc{ID: f.SubmissionID, Key: key})
	}
	batch := make([]any, 0, len(order))
	for _, k := range order {
		batch = append(batch, docs[k])
	}
	if len(batch) > 0 {
		if _, err := s.db.Collection(colFacts).InsertMany(ctx, batch); err != nil {
			return translate("load indicator facts", err)
		}
	}
	for len(locs) > 0 {
		n := min(len(locs), 5000)
		if _, err := s.db.Collection(colFactsLoc).InsertMany(ctx, locs[:n]); err != nil {
			return translate("load indicator facts locations", err)
		}
		locs = locs[n:]
	}
	return nil
}

type metaDoc struct {
	ID        string    `bson:"_id"`
	Hash      string    `bson:"hash"`
	UpdatedAt time.Time `bson:"updated_at"`
}

const metaIndicators = "indicators"

// IndicatorSetHash returns the hash recorded by SetIndicatorSetHash, or "".
func (s *Store) IndicatorSetHash(ctx context.Context) (string, error) {
	var d metaDoc
	err := s.db.Collection(colMeta).FindOne(ctx, bson.D{{Key: "_id", Value: metaIndicators}}).Decode(&d)
	if errors.Is(err, mdb.ErrNoDocuments) {
		return "", nil
	}
	if err != nil {
		return "", translate("read indicator meta", err)
	}
	return d.Hash, nil
}

// SetIndicatorSetHash records the hash of the definitions the facts follow.
func (s *Store) SetIndicatorSetHash(ctx context.Context, hash string) error {
	d := metaDoc{ID: metaIndicators, Hash: hash, UpdatedAt: time.Now().UTC()}
	_, err := s.db.Collection(colMeta).ReplaceOne(ctx, bson.D{{Key: "_id", Value: metaIndicators}}, d, options.Replace().SetUpsert(true))
	return translate("write indicator meta", err)
}
