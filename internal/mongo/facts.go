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
// submission document (fields "fh", "fd", "fu", "ft", "facts"): the facts
// commit with the submission in one document write, and no document grows
// with the number of submissions. The facts carry their own commune and
// date (a rebuild may date them differently from the answers).
//
// Each cell repeats its hierarchy, commune and district ("h", "u",
// "dd"): the counts group by them after $unwind, and the FerretDB stand-in
// of the tests keeps only the unwound field (MongoDB keeps them all).
type factDoc struct {
	Hier      string `bson:"h"`
	Commune   string `bson:"u"`
	District  string `bson:"dd,omitempty"`
	Indicator string `bson:"i"`
	Sex       string `bson:"s,omitempty"`
	AgeGroup  string `bson:"a,omitempty"`
	Den       int    `bson:"d"`
	Num       int    `bson:"n"`
	// Packed is Den<<32 | Num: the counts sum this one field. The
	// FerretDB stand-in computes only the first accumulator of a $group
	// after $unwind; one sum serves both engines. Exact while a group's
	// numerator stays under 2^32 and its denominator under 2^31.
	Packed int64 `bson:"p"`
}

const packShift = 32

// FactFields are the facts of a submission as stored in its document.
type FactFields struct {
	Hier     string     `bson:"fh,omitempty"`
	District string     `bson:"fd,omitempty"`
	Commune  string     `bson:"fu,omitempty"`
	Date     *time.Time `bson:"ft,omitempty"`
	Facts    []factDoc  `bson:"facts,omitempty"`
}

func toFactFields(f *survey.Facts) FactFields {
	if f == nil {
		return FactFields{}
	}
	d := f.SurveyDate
	ff := FactFields{Hier: f.Hierarchy, District: f.District, Commune: f.Commune, Date: &d}
	for _, c := range f.Cells {
		ff.Facts = append(ff.Facts, factDoc{Hier: f.Hierarchy, Commune: f.Commune, District: f.District, Indicator: c.Indicator, Sex: c.Sex, AgeGroup: c.AgeGroup, Den: c.Den, Num: c.Num,
			Packed: int64(c.Den)<<packShift | int64(c.Num)})
	}
	return ff
}

// setFacts puts f's cells into the document (none when f is nil).
func (d *submissionDoc) setFacts(f *survey.Facts) { d.FactFields = toFactFields(f) }

// factsUpdate sets the facts fields to ff and removes those it leaves empty.
func factsUpdate(ff FactFields) bson.D {
	set, unset := bson.D{}, bson.D{}
	put := func(key string, v any, empty bool) {
		if empty {
			unset = append(unset, bson.E{Key: key, Value: ""})
		} else {
			set = append(set, bson.E{Key: key, Value: v})
		}
	}
	put("fh", ff.Hier, ff.Hier == "")
	put("fd", ff.District, ff.District == "")
	put("fu", ff.Commune, ff.Commune == "")
	put("ft", ff.Date, ff.Date == nil)
	put("facts", ff.Facts, len(ff.Facts) == 0)
	u := bson.D{}
	if len(set) > 0 {
		u = append(u, bson.E{Key: "$set", Value: set})
	}
	if len(unset) > 0 {
		u = append(u, bson.E{Key: "$unset", Value: unset})
	}
	return u
}

// ReplaceFacts rewrites the facts fields of a submission (a rebuild).
func (s *Store) ReplaceFacts(ctx context.Context, f *survey.Facts) error {
	_, err := s.db.Collection(colSubmissions).UpdateOne(ctx, bson.D{{Key: "_id", Value: f.SubmissionID}}, factsUpdate(toFactFields(f)))
	return translate("replace indicator facts", err)
}

// EachSubmission calls fn for every submission, in id order.
func (s *Store) EachSubmission(ctx context.Context, fn func(*survey.Submission) error) error {
	cur, err := s.db.Collection(colSubmissions).Find(ctx, bson.D{},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetProjection(bson.D{{Key: "ob", Value: 0}}))
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

// factsFilter selects the submissions with facts inside one of q's parts
// (on the index facts_hier_unit_date).
func factsFilter(q survey.FactsQuery) bson.D {
	alts := bson.A{}
	for _, p := range q.Parts {
		if p.Communes != nil && len(p.Communes) == 0 {
			continue
		}
		f := bson.D{{Key: "fh", Value: p.Hierarchy}}
		if p.Communes != nil {
			f = append(f, bson.E{Key: "fu", Value: bson.D{{Key: "$in", Value: p.Communes}}})
		}
		f = append(f, bson.E{Key: "ft", Value: bson.D{{Key: "$gte", Value: p.From}, {Key: "$lte", Value: p.To}}})
		alts = append(alts, f)
	}
	if len(alts) == 0 {
		return bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{}}}}}
	}
	return bson.D{{Key: "$or", Value: alts}}
}

// CountFacts sums the facts of the submissions q selects in the database:
// $match on the facts index, $unwind the cells, $group by unit,
// indicator and the breakdowns asked for. (No $project before the
// $unwind: the FerretDB stand-in leaks a cursor on that pair.)
func (s *Store) CountFacts(ctx context.Context, q survey.FactsQuery) ([]survey.FactCount, error) {
	pipeline := mdb.Pipeline{
		{{Key: "$match", Value: factsFilter(q)}},
		{{Key: "$unwind", Value: "$facts"}},
	}
	if len(q.Indicators) > 0 {
		pipeline = append(pipeline, bson.D{{Key: "$match", Value: bson.D{{Key: "facts.i", Value: bson.D{{Key: "$in", Value: q.Indicators}}}}}})
	}
	key := bson.D{{Key: "i", Value: "$facts.i"}}
	switch q.Level {
	case survey.LevelDistrict:
		key = append(key, bson.E{Key: "h", Value: "$facts.h"}, bson.E{Key: "u", Value: "$facts.dd"})
	case survey.LevelCity:
	default:
		key = append(key, bson.E{Key: "h", Value: "$facts.h"}, bson.E{Key: "u", Value: "$facts.u"})
	}
	if q.BySex {
		key = append(key, bson.E{Key: "s", Value: "$facts.s"})
	}
	if q.ByAge {
		key = append(key, bson.E{Key: "a", Value: "$facts.a"})
	}
	pipeline = append(pipeline, bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: key},
		{Key: "p", Value: bson.D{{Key: "$sum", Value: "$facts.p"}}}}}})
	cur, err := s.db.Collection(colSubmissions).Aggregate(ctx, pipeline)
	if err != nil {
		return nil, translate("count indicator facts", err)
	}
	var rows []struct {
		Key struct {
			Indicator string `bson:"i"`
			Hier      string `bson:"h"`
			Unit      string `bson:"u"`
			Sex       string `bson:"s"`
			AgeGroup  string `bson:"a"`
		} `bson:"_id"`
		Packed int64 `bson:"p"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, translate("count indicator facts", err)
	}
	out := make([]survey.FactCount, len(rows))
	for i, r := range rows {
		out[i] = survey.FactCount{Hierarchy: r.Key.Hier, Unit: r.Key.Unit, Indicator: r.Key.Indicator, Sex: r.Key.Sex,
			AgeGroup: r.Key.AgeGroup, Den: int(r.Packed >> packShift), Num: int(r.Packed & (1<<packShift - 1))}
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

// UseFactSealer sets what seals the facts of sensitive indicators.
func (s *Store) UseFactSealer(f survey.FactSealer) { s.sealer = f }
