package mongo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/survey"
)

// TestPurgeAndOrphanAttachments: as after MongoDB's TTL monitor removed
// submissions (which cannot reach GridFS), PurgeDeleted removes the
// attachment files whose submission is gone, more than one batch of
// them, and keeps those of stored submissions, deleted or not. It purges
// more deleted submissions than one batch reads, and leaves one whose
// outbox still holds a change to publish for a later run.
func TestPurgeAndOrphanAttachments(t *testing.T) {
	t.Parallel()
	s := MustStore(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	old := now.Add(-survey.DeletedRetention - time.Hour)

	var docs []any
	for range 230 {
		docs = append(docs, bson.D{{Key: "_id", Value: uuid.NewString()}, {Key: "form", Value: "household"}, {Key: "deleted_at", Value: old}})
	}
	pending := uuid.NewString()
	docs = append(docs, bson.D{{Key: "_id", Value: pending}, {Key: "form", Value: "household"}, {Key: "deleted_at", Value: old},
		{Key: "ob", Value: bson.A{bson.D{{Key: "id", Value: "x"}, {Key: "at", Value: old}}}}})
	live, recent := uuid.NewString(), uuid.NewString()
	docs = append(docs, bson.D{{Key: "_id", Value: live}, {Key: "form", Value: "household"}},
		bson.D{{Key: "_id", Value: recent}, {Key: "form", Value: "household"}, {Key: "deleted_at", Value: now}})
	if _, err := s.Database().Collection("submissions").InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	put := func(id, name string) {
		t.Helper()
		a := &survey.Attachment{SubmissionID: id, Name: name, ContentType: "image/jpeg", Size: 1, SHA256: "x", UploadedAt: now, UploadedBy: "lan"}
		if _, err := s.PutAttachment(ctx, a, []byte("x"), survey.AttachmentLimit{}); err != nil {
			t.Fatal(err)
		}
	}
	// Files of submissions the TTL index removed (their file documents
	// only, written as an upload writes them, to keep the test short).
	var files []any
	for range 205 {
		files = append(files, bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "length", Value: int64(0)}, {Key: "chunkSize", Value: int32(255 * 1024)},
			{Key: "uploadDate", Value: now}, {Key: "filename", Value: uuid.NewString() + "/photo.jpg"},
			{Key: "metadata", Value: bson.D{{Key: "submission", Value: uuid.NewString()}, {Key: "name", Value: "photo.jpg"}}}})
	}
	if _, err := s.Database().Collection("attachments.files").InsertMany(ctx, files); err != nil {
		t.Fatal(err)
	}
	put(live, "a.jpg")
	put(recent, "b.jpg")
	put(pending, "c.jpg")

	p, err := s.PurgeDeleted(ctx, now.Add(-survey.DeletedRetention))
	if err != nil {
		t.Fatal(err)
	}
	if want := (survey.Purged{Submissions: 230, Attachments: 205}); p != want {
		t.Errorf("purged %+v, want %+v", p, want)
	}
	for _, id := range []string{live, recent, pending} {
		if _, err := s.Submission(ctx, id); errors.Is(err, survey.ErrNotFound) {
			t.Errorf("submission %s was purged", id)
		}
		if as, err := s.Attachments(ctx, id); err != nil || len(as) != 1 {
			t.Errorf("attachments of a stored submission: %d, %v", len(as), err)
		}
	}
	if n, err := s.Database().Collection("attachments.files").CountDocuments(ctx, bson.D{}); err != nil || n != 3 {
		t.Errorf("attachment files left: %d (%v), want 3", n, err)
	}
	if n, err := s.Database().Collection("attachments.chunks").CountDocuments(ctx, bson.D{}); err != nil || n != 3 {
		t.Errorf("attachment chunks left: %d (%v), want 3", n, err)
	}
	if p, err := s.PurgeDeleted(ctx, now.Add(-survey.DeletedRetention)); err != nil || p != (survey.Purged{}) {
		t.Errorf("a second run purged %+v (%v), want nothing", p, err)
	}
}

// TestDeletedIDsRecordedOnce: a submission soft-deleted before deleted ids
// were recorded gets its id recorded by the next housekeeping run, so that
// once MongoDB's TTL monitor has removed it, sending its id again is still
// a duplicate.
func TestDeletedIDsRecordedOnce(t *testing.T) {
	t.Parallel()
	s := MustStore(t)
	ctx := context.Background()
	id := uuid.NewString()
	subs := s.Database().Collection("submissions")
	if _, err := subs.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "form", Value: "household"}, {Key: "deleted_at", Value: time.Now().UTC()}}); err != nil {
		t.Fatal(err)
	}
	if p, err := s.PurgeDeleted(ctx, time.Now().Add(-survey.DeletedRetention)); err != nil || p.Submissions != 0 {
		t.Fatalf("housekeeping: %+v, %v", p, err)
	}
	if _, err := subs.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil { // as the TTL monitor does
		t.Fatal(err)
	}
	sub := &survey.Submission{ID: id, FormID: "household", FormVersion: 1, Unit: "00004", SurveyDate: time.Now().UTC().Truncate(24 * time.Hour),
		Revision: 1, ReviewState: survey.ReviewReceived, Data: map[string]any{}}
	if err := s.CreateSubmission(ctx, sub, nil, nil); !errors.Is(err, survey.ErrDuplicate) {
		t.Errorf("the id of a submission the TTL index purged, sent again: %v, want ErrDuplicate", err)
	}
}
