package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

const colMeta = "meta"

// factDoc is one indicator cell of a submission, kept inside the
// submission document (fields "fh", "fd", "facts"): the facts commit with
// the submission in one document write, and no document grows with the
// number of submissions.
type factDoc struct {
	Indicator string `bson:"i"`
	Sex       string `bson:"s,omitempty"`
	AgeGroup  string `bson:"a,omitempty"`
	Den       int    `bson:"d"`
	Num       int    `bson:"n"`
}

// setFacts puts f's cells into the document (none when f is nil).
func (d *submissionDoc) setFacts(f *survey.Facts) {
	d.FactsHier, d.FactsDistrict, d.Facts = "", "", nil
	if f == nil {
		return
	}
	d.FactsHier, d.FactsDistrict = f.Hierarchy, f.District
	for _, c := range f.Cells {
		d.Facts = append(d.Facts, factDoc{Indicator: c.Indicator, Sex: c.Sex, AgeGroup: c.AgeGroup, Den: c.Den, Num: c.Num})
	}
}

// ReplaceFacts rewrites the facts fields of a submission (a rebuild).
func (s *Store) ReplaceFacts(ctx context.Context, f *survey.Facts) error {
	var d submissionDoc
	d.setFacts(f)
	_, err := s.db.Collection(colSubmissions).UpdateOne(ctx, bson.D{{Key: "_id", Value: f.SubmissionID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "fh", Value: d.FactsHier}, {Key: "fd", Value: d.FactsDistrict}, {Key: "facts", Value: d.Facts}}}})
	return translate("replace indicator facts", err)
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

// factsFilter selects the submissions with facts inside one of q's parts.
func factsFilter(q survey.FactsQuery) bson.D {
	alts := bson.A{}
	for _, p := range q.Parts {
		f := bson.D{{Key: "fh", Value: p.Hierarchy}, {Key: "survey_date", Value: bson.D{{Key: "$gte", Value: p.From}, {Key: "$lte", Value: p.To}}}}
		if p.Communes != nil {
			f = append(f, bson.E{Key: "unit", Value: bson.D{{Key: "$in", Value: p.Communes}}})
		}
		alts = append(alts, f)
	}
	if len(alts) == 0 {
		return bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{}}}}}
	}
	return bson.D{{Key: "$or", Value: alts}}
}

type countKey struct{ hier, unit, code, sex, ag string }

// CountFacts sums the facts of the submissions q selects. It reads the
// facts fields of the matching submissions and adds them up here.
func (s *Store) CountFacts(ctx context.Context, q survey.FactsQuery) ([]survey.FactCount, error) {
	codes := map[string]bool{}
	for _, c := range q.Indicators {
		codes[c] = true
	}
	opts := options.Find().SetProjection(bson.D{{Key: "fh", Value: 1}, {Key: "fd", Value: 1}, {Key: "unit", Value: 1}, {Key: "facts", Value: 1}}).SetBatchSize(1000)
	cur, err := s.db.Collection(colSubmissions).Find(ctx, factsFilter(q), opts)
	if err != nil {
		return nil, translate("count indicator facts", err)
	}
	defer cur.Close(ctx)
	tally := map[countKey][2]int{}
	var order []countKey
	for cur.Next(ctx) {
		var d struct {
			Hier     string    `bson:"fh"`
			District string    `bson:"fd"`
			Unit     string    `bson:"unit"`
			Facts    []factDoc `bson:"facts"`
		}
		if err := cur.Decode(&d); err != nil {
			return nil, translate("count indicator facts", err)
		}
		k := countKey{hier: d.Hier, unit: d.Unit}
		switch q.Level {
		case survey.LevelDistrict:
			k.unit = d.District
		case survey.LevelCity:
			k.hier, k.unit = "", ""
		}
		for _, c := range d.Facts {
			if len(codes) > 0 && !codes[c.Indicator] {
				continue
			}
			k.code, k.sex, k.ag = c.Indicator, "", ""
			if q.BySex {
				k.sex = c.Sex
			}
			if q.ByAge {
				k.ag = c.AgeGroup
			}
			v, ok := tally[k]
			if !ok {
				order = append(order, k)
			}
			tally[k] = [2]int{v[0] + c.Den, v[1] + c.Num}
		}
	}
	if err := cur.Err(); err != nil {
		return nil, translate("count indicator facts", err)
	}
	out := make([]survey.FactCount, 0, len(order))
	for _, k := range order {
		v := tally[k]
		out = append(out, survey.FactCount{Hierarchy: k.hier, Unit: k.unit, Indicator: k.code, Sex: k.sex, AgeGroup: k.ag, Den: v[0], Num: v[1]})
	}
	return out, nil
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
