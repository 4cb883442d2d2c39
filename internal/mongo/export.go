package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

// exportBatchSize is how many documents each round trip of an export
// cursor brings: round trips cost little next to the engine's per-document
// work, and a small first batch gets the first rows out sooner (measured
// on the FerretDB stand-in: 1000 delays the first row by over a second).
const exportBatchSize = 256

// ExportFilter is the filter of an export query. Submissions marked
// deleted (a deleted_at field) are left out unless asked for. It is
// exported for benchmarks that scan the same documents with the driver.
func ExportFilter(q survey.ExportQuery) bson.D {
	and := selection(q.SubmissionQuery)
	if q.ReviewState != "" {
		and = append(and, bson.D{{Key: "review_state", Value: q.ReviewState}})
	}
	if q.Version > 0 {
		and = append(and, bson.D{{Key: "form_version", Value: q.Version}})
	}
	if !q.IncludeDeleted {
		and = append(and, notDeleted)
	}
	return bson.D{{Key: "$and", Value: and}}
}

// StreamSubmissions walks the submissions q selects with a cursor. A
// reader goroutine fetches and decodes while fn formats, so the database
// and the writer work at the same time; at most exportBatchSize decoded
// submissions wait between them, whatever the size of the result. There is
// no sort: a sort the database cannot serve from an index would hold the
// whole result in its memory. Storage order is close to arrival order.
func (s *Store) StreamSubmissions(ctx context.Context, q survey.ExportQuery, fn func(*survey.Submission) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cur, err := s.db.Collection(colSubmissions).Find(ctx, ExportFilter(q), options.Find().SetBatchSize(exportBatchSize).SetProjection(noOutbox))
	if err != nil {
		return translate("export submissions", err)
	}
	subs := make(chan *survey.Submission, exportBatchSize)
	readErr := make(chan error, 1)
	go func() {
		defer close(subs)
		defer cur.Close(context.WithoutCancel(ctx))
		for cur.Next(ctx) {
			var d submissionDoc
			if err := cur.Decode(&d); err != nil {
				readErr <- translate("export submissions", err)
				return
			}
			select {
			case subs <- d.domain():
			case <-ctx.Done():
				return
			}
		}
		if err := cur.Err(); err != nil && ctx.Err() == nil {
			readErr <- translate("export submissions", err)
		}
	}()
	for sub := range subs {
		if err := fn(sub); err != nil {
			cancel()
			for range subs { // let the reader stop and close the cursor
			}
			return err
		}
	}
	select {
	case err := <-readErr:
		return err
	default:
	}
	return ctx.Err()
}
