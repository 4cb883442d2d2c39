package mongo

import (
	"bytes"
	"context"
	"io"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

// Attachments live in the GridFS bucket "attachments" under the file name
// "<submission id>/<name>". A new upload of a name adds a file and the
// latest one is served: nothing is overwritten in place, so concurrent
// uploads cannot lose each other and every earlier version stays stored.
const bucketAttachments = "attachments"

type attachmentMeta struct {
	Submission  string `bson:"submission"`
	Name        string `bson:"name"`
	ContentType string `bson:"content_type"`
	SHA256      string `bson:"sha256"`
	By          string `bson:"by"`
}

type gridFile struct {
	ID         bson.ObjectID  `bson:"_id"`
	Length     int64          `bson:"length"`
	UploadDate time.Time      `bson:"uploadDate"`
	Filename   string         `bson:"filename"`
	Metadata   attachmentMeta `bson:"metadata"`
}

func (f *gridFile) domain() *survey.Attachment {
	return &survey.Attachment{SubmissionID: f.Metadata.Submission, Name: f.Metadata.Name, ContentType: f.Metadata.ContentType,
		Size: f.Length, SHA256: f.Metadata.SHA256, UploadedAt: f.UploadDate.UTC(), UploadedBy: f.Metadata.By}
}

func (s *Store) bucket() *mdb.GridFSBucket {
	return s.db.GridFSBucket(options.GridFSBucket().SetName(bucketAttachments))
}

// PutAttachment uploads the bytes of an attachment.
func (s *Store) PutAttachment(ctx context.Context, a *survey.Attachment, body []byte) error {
	meta := attachmentMeta{Submission: a.SubmissionID, Name: a.Name, ContentType: a.ContentType, SHA256: a.SHA256, By: a.UploadedBy}
	_, err := s.bucket().UploadFromStream(ctx, a.SubmissionID+"/"+a.Name, bytes.NewReader(body),
		options.GridFSUpload().SetMetadata(meta))
	return translate("upload attachment", err)
}

func (s *Store) latestFile(ctx context.Context, filter bson.D) ([]gridFile, error) {
	cur, err := s.bucket().Find(ctx, filter, options.GridFSFind().SetSort(bson.D{{Key: "uploadDate", Value: -1}, {Key: "_id", Value: -1}}))
	if err != nil {
		return nil, err
	}
	var files []gridFile
	err = cur.All(ctx, &files)
	return files, err
}

// OpenAttachment opens the latest upload of (submission, name).
func (s *Store) OpenAttachment(ctx context.Context, submissionID, name string) (*survey.Attachment, io.ReadCloser, error) {
	files, err := s.latestFile(ctx, bson.D{{Key: "filename", Value: submissionID + "/" + name}})
	if err != nil {
		return nil, nil, translate("find attachment", err)
	}
	if len(files) == 0 {
		return nil, nil, translate("find attachment", mdb.ErrNoDocuments)
	}
	ds, err := s.bucket().OpenDownloadStream(ctx, files[0].ID)
	if err != nil {
		return nil, nil, translate("open attachment", err)
	}
	return files[0].domain(), ds, nil
}

// Attachments lists the latest upload of each name of a submission.
func (s *Store) Attachments(ctx context.Context, submissionID string) ([]*survey.Attachment, error) {
	files, err := s.latestFile(ctx, bson.D{{Key: "metadata.submission", Value: submissionID}})
	if err != nil {
		return nil, translate("list attachments", err)
	}
	seen := map[string]bool{}
	var out []*survey.Attachment
	for i := range files {
		if !seen[files[i].Metadata.Name] {
			seen[files[i].Metadata.Name] = true
			out = append(out, files[i].domain())
		}
	}
	return out, nil
}
