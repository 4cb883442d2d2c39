package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

// exportBatchSize is how many documents each round trip of an export
// cursor brings: large enough that round trips do not dominate, small
// enough that a batch of household submissions stays a few MB.
const exportBatchSize = 1000

// exportFilter is the filter of an export query. Submissions marked
// deleted (a deleted_at field) are left out unless asked for.
func exportFilter(q survey.ExportQuery) bson.D {
	and := bson.A{bson.D{{Key: "form", Value: q.Form}}}
	if q.Scope != nil {
		and = append(and, scopeFilter(q.Scope))
	}
	if q.UnitFilter != nil {
		and = append(and, scopeFilter(q.UnitFilter))
	}
	if q.Collector != "" {
		and = append(and, bson.D{{Key: "collector", Value: q.Collector}})
	}
	if !q.From.IsZero() {
		and = append(and, bson.D{{Key: "survey_date", Value: bson.D{{Key: "$gte", Value: q.From}}}})
	}
	if !q.To.IsZero() {
		and = append(and, bson.D{{Key: "survey_date", Value: bson.D{{Key: "$lte", Value: q.To}}}})
	}
	if q.ReviewState != "" {
		and = append(and, bson.D{{Key: "review_state", Value: q.ReviewState}})
	}
	if q.Version > 0 {
		and = append(and, bson.D{{Key: "form_version", Value: q.Version}})
	}
	if !q.IncludeDeleted {
		and = append(and, bson.D{{Key: "deleted_at", Value: bson.D{{Key: "$exists", Value: false}}}})
	}
	return bson.D{{Key: "$and", Value: and}}
}

// StreamSubmissions walks the submissions q selects with a cursor, one
// document in memory at a time (plus the driver's batch). There is no
// sort: a sort the engine cannot serve from an index would hold the whole
// result in memory, and the embedded engine runs inside this process.
// Storage order is close to arrival order.
func (s *Store) StreamSubmissions(ctx context.Context, q survey.ExportQuery, fn func(*survey.Submission) error) error {
	cur, err := s.db.Collection(colSubmissions).Find(ctx, exportFilter(q), options.Find().SetBatchSize(exportBatchSize))
	if err != nil {
		return translate("export submissions", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		var d submissionDoc
		if err := cur.Decode(&d); err != nil {
			return translate("export submissions", err)
		}
		if err := fn(d.domain()); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return translate("export submissions", err)
	}
	return nil
}
