package mongo_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/survey"
)

// BenchmarkDeletedIDCheck measures what keeping purged ids taken costs
// intake: the read of deleted_submission_ids by _id that every create
// makes first, against, in the same run, the create itself (that read,
// the insert of a household-sized submission). Reported: create_µs,
// check_µs and check/create.
func BenchmarkDeletedIDCheck(b *testing.B) {
	s := MustStore(b)
	ctx := context.Background()
	data := map[string]any{"address": "Số 12", "head_name": "Nguyễn Văn Hùng", "members_total": int64(3), "children": []any{
		map[string]any{"child_id": uuid.NewString(), "full_name": "Nguyễn Thị Lan", "sex": "female", "special_circumstances": []any{}},
		map[string]any{"child_id": uuid.NewString(), "full_name": "Nguyễn Minh Đức", "sex": "male", "special_circumstances": []any{}},
	}}
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = uuid.NewString()
	}
	b.ResetTimer()
	start := time.Now()
	for _, id := range ids {
		sub := &survey.Submission{ID: id, FormID: "household", FormVersion: 1, Unit: "00004", SurveyDate: day, ReceivedAt: day, UpdatedAt: day,
			Revision: 1, ReviewState: survey.ReviewReceived, Data: data}
		if err := s.CreateSubmission(ctx, sub, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	create := time.Since(start)
	col := s.Database().Collection("deleted_submission_ids")
	start = time.Now()
	for _, id := range ids {
		if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err(); err == nil {
			b.Fatal("a fresh id is listed as deleted")
		}
	}
	check := time.Since(start)
	b.ReportMetric(float64(create.Microseconds())/float64(b.N), "create_µs")
	b.ReportMetric(float64(check.Microseconds())/float64(b.N), "check_µs")
	b.ReportMetric(float64(check)/float64(create), "check/create")
}
