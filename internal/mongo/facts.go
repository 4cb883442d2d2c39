package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/survey"
)

const colMeta = "meta"

// factDoc is one clear indicator cell of a submission, kept inside the
// submission document (fields "fh", "fd", "fu", "ft", "facts"; the cells
// of sensitive indicators are sealed in "fs", see factBoxDoc): the facts
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
// The cells of sensitive indicators are not among Facts: they are in one
// box (Sealed, "fs"), written in the same document write.
type FactFields struct {
	Hier     string      `bson:"fh,omitempty"`
	District string      `bson:"fd,omitempty"`
	Commune  string      `bson:"fu,omitempty"`
	Date     *time.Time  `bson:"ft,omitempty"`
	Facts    []factDoc   `bson:"facts,omitempty"`
	Sealed   *factBoxDoc `bson:"fs,omitempty"`
}

// factBoxDoc holds a submission's cells of sensitive indicators, sealed
// under data key Key and bound to the submission's id: a cell of such an
// indicator tells a sealed answer, so none is stored in clear. The counts
// open one box per submission (countSealed); there are no totals to keep
// in step across documents.
type factBoxDoc struct {
	Key string `bson:"k"`
	Box []byte `bson:"b"`
}

// errNoFactSealer refuses to store sensitive cells when the store was
// given nothing to seal them with (UseFactSealer).
var errNoFactSealer = errors.New("indicator facts: sensitive cells and no sealer for them")

// factFields returns f as stored: the clear cells as they are, the
// sensitive ones sealed afresh under the current data key (a rebuild
// after a key rotation thus re-seals every box).
func (s *Store) factFields(f *survey.Facts) (FactFields, error) {
	if f == nil {
		return FactFields{}, nil
	}
	d := f.SurveyDate
	ff := FactFields{Hier: f.Hierarchy, District: f.District, Commune: f.Commune, Date: &d}
	var sensitive []survey.FactCell
	for _, c := range f.Cells {
		if c.Sensitive {
			sensitive = append(sensitive, c)
			continue
		}
		ff.Facts = append(ff.Facts, factDoc{Hier: f.Hierarchy, Commune: f.Commune, District: f.District, Indicator: c.Indicator, Sex: c.Sex, AgeGroup: c.AgeGroup, Den: c.Den, Num: c.Num,
			Packed: int64(c.Den)<<packShift | int64(c.Num)})
	}
	if len(sensitive) == 0 {
		return ff, nil
	}
	if s.sealer == nil {
		return FactFields{}, errNoFactSealer
	}
	key, box, err := s.sealer.SealCells(sensitive, f.SubmissionID)
	if err != nil {
		return FactFields{}, fmt.Errorf("seal indicator facts: %w", err)
	}
	ff.Sealed = &factBoxDoc{Key: key, Box: box}
	return ff, nil
}

// setFacts puts f's cells into the document d (none when f is nil).
func (s *Store) setFacts(d *submissionDoc, f *survey.Facts) error {
	ff, err := s.factFields(f)
	if err != nil {
		return err
	}
	d.FactFields = ff
	d.Registry, err = registryOf(f)
	return err
}

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
	put("fs", ff.Sealed, ff.Sealed == nil)
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
// Its sensitive cells are sealed afresh under the current key.
func (s *Store) ReplaceFacts(ctx context.Context, f *survey.Facts) error {
	ff, err := s.factFields(f)
	if err != nil {
		return err
	}
	filter := bson.D{{Key: "_id", Value: f.SubmissionID}}
	if f.Of != nil { // still in the state they were derived from
		filter = matchFilter(f.SubmissionID, *f.Of)
	}
	_, err = s.db.Collection(colSubmissions).UpdateOne(ctx, filter, factsUpdate(ff))
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
func factsFilter(q indicator.FactsQuery) bson.D {
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

// CountFacts sums the facts of the submissions q selects: the clear cells
// in the database (countClear), when q asks for an indicator that is not
// sensitive, and the sealed ones in this process (countSealed), when it
// asks for a sensitive one. A group may come from both; the caller adds
// them up.
func (s *Store) CountFacts(ctx context.Context, q indicator.FactsQuery) ([]indicator.FactCount, error) {
	var out []indicator.FactCount
	if match, ok := clearMatch(q); ok {
		rows, err := s.countClear(ctx, q, match)
		if err != nil {
			return nil, err
		}
		out = rows
	}
	if len(q.Sensitive) > 0 {
		sealed, err := s.countSealed(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, sealed...)
	}
	return out, nil
}

// clearMatch returns the condition on the clear cells of q's indicators
// (nil: all of them), and whether q asks for any clear one. A cell of a
// sensitive indicator is never counted from the clear cells, even one a
// store from before sealing still holds until its facts are rebuilt.
func clearMatch(q indicator.FactsQuery) (bson.D, bool) {
	if len(q.Indicators) == 0 {
		if len(q.Sensitive) == 0 {
			return nil, true
		}
		return bson.D{{Key: "facts.i", Value: bson.D{{Key: "$nin", Value: q.Sensitive}}}}, true
	}
	sensitive := make(map[string]bool, len(q.Sensitive))
	for _, code := range q.Sensitive {
		sensitive[code] = true
	}
	var codes []string
	for _, code := range q.Indicators {
		if !sensitive[code] {
			codes = append(codes, code)
		}
	}
	if len(codes) == 0 {
		return nil, false
	}
	return bson.D{{Key: "facts.i", Value: bson.D{{Key: "$in", Value: codes}}}}, true
}

// countClear sums the clear cells in the database: $match on the facts
// index, $unwind the cells, $match the indicators (match, when not nil),
// $group by unit, indicator and the breakdowns asked for. (No $project
// before the $unwind: the FerretDB stand-in leaks a cursor on that pair.)
func (s *Store) countClear(ctx context.Context, q indicator.FactsQuery, match bson.D) ([]indicator.FactCount, error) {
	pipeline := mdb.Pipeline{
		{{Key: "$match", Value: factsFilter(q)}},
		{{Key: "$unwind", Value: "$facts"}},
	}
	if match != nil {
		pipeline = append(pipeline, bson.D{{Key: "$match", Value: match}})
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
	out := make([]indicator.FactCount, len(rows))
	for i, r := range rows {
		out[i] = indicator.FactCount{Hierarchy: r.Key.Hier, Unit: r.Key.Unit, Indicator: r.Key.Indicator, Sex: r.Key.Sex,
			AgeGroup: r.Key.AgeGroup, Den: int(r.Packed >> packShift), Num: int(r.Packed & (1<<packShift - 1))}
	}
	return out, nil
}

// sealedFactsDoc is what countSealed reads of a submission.
type sealedFactsDoc struct {
	ID       string      `bson:"_id"`
	Hier     string      `bson:"fh"`
	District string      `bson:"fd"`
	Commune  string      `bson:"fu"`
	Sealed   *factBoxDoc `bson:"fs"`
}

// sealedProjection reads no more of a submission than countSealed needs.
var sealedProjection = bson.D{{Key: "fh", Value: 1}, {Key: "fd", Value: 1}, {Key: "fu", Value: 1}, {Key: "fs", Value: 1}}

// countSealed sums the sealed cells of q's sensitive indicators: it finds
// the submissions of q's parts that have a box (on the facts index), opens
// each and groups its cells here, as countClear groups in the database.
func (s *Store) countSealed(ctx context.Context, q indicator.FactsQuery) ([]indicator.FactCount, error) {
	if s.sealer == nil {
		return nil, errNoFactSealer
	}
	asked := make(map[string]bool, len(q.Sensitive))
	for _, code := range q.Sensitive {
		asked[code] = true
	}
	filter := append(factsFilter(q), bson.E{Key: "fs", Value: bson.D{{Key: "$exists", Value: true}}})
	cur, err := s.db.Collection(colSubmissions).Find(ctx, filter, options.Find().SetProjection(sealedProjection))
	if err != nil {
		return nil, translate("count sealed indicator facts", err)
	}
	defer cur.Close(ctx)
	// A group's key is a count with no sums; at holds where it is in out.
	at := map[indicator.FactCount]int{}
	var out []indicator.FactCount
	for cur.Next(ctx) {
		var d sealedFactsDoc
		if err := cur.Decode(&d); err != nil {
			return nil, translate("count sealed indicator facts", err)
		}
		if d.Sealed == nil {
			continue
		}
		cells, err := s.sealer.OpenCells(d.Sealed.Key, d.Sealed.Box, d.ID)
		if err != nil {
			return nil, fmt.Errorf("count sealed indicator facts of %s: %w", d.ID, err)
		}
		for _, c := range cells {
			if !asked[c.Indicator] {
				continue
			}
			k := indicator.FactCount{Indicator: c.Indicator}
			switch q.Level {
			case survey.LevelDistrict:
				k.Hierarchy, k.Unit = d.Hier, d.District
			case survey.LevelCity:
			default:
				k.Hierarchy, k.Unit = d.Hier, d.Commune
			}
			if q.BySex {
				k.Sex = c.Sex
			}
			if q.ByAge {
				k.AgeGroup = c.AgeGroup
			}
			i, ok := at[k]
			if !ok {
				i = len(out)
				at[k] = i
				out = append(out, k)
			}
			out[i].Den += c.Den
			out[i].Num += c.Num
		}
	}
	if err := cur.Err(); err != nil {
		return nil, translate("count sealed indicator facts", err)
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
func (s *Store) UseFactSealer(f indicator.FactSealer) { s.sealer = f }
