package mongo_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/khaosat/khaosat/internal/survey"
)

// TestAttachmentsUploadedBeforeSets: GridFS files written the way uploads
// were before attachment sets (every upload of a name a new file) read as
// they did, the latest of a name served; the next upload to the
// submission replaces the name and deletes every earlier file of it.
func TestAttachmentsUploadedBeforeSets(t *testing.T) {
	ctx := context.Background()
	s := MustStore(t)
	bucket := s.Database().GridFSBucket(options.GridFSBucket().SetName("attachments"))
	for i, name := range []string{"a.jpg", "a.jpg", "b.jpg", "a.jpg"} {
		meta := bson.D{{Key: "submission", Value: "s1"}, {Key: "name", Value: name}, {Key: "content_type", Value: "image/jpeg"},
			{Key: "sha256", Value: fmt.Sprint(i)}, {Key: "by", Value: "lan"}}
		if _, err := bucket.UploadFromStream(ctx, "s1/"+name, bytes.NewReader([]byte(fmt.Sprintf("%s %d", name, i))),
			options.GridFSUpload().SetMetadata(meta)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // uploadDate orders them
	}
	read := func(name string) string {
		t.Helper()
		_, rc, err := s.OpenAttachment(ctx, "s1", name)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		return string(b)
	}
	if got := read("a.jpg"); got != "a.jpg 3" {
		t.Errorf("before any new upload: %q, want the latest file of the name", got)
	}
	if as, err := s.Attachments(ctx, "s1"); err != nil || len(as) != 2 {
		t.Errorf("listing before any new upload: %d, %v", len(as), err)
	}
	a := &survey.Attachment{SubmissionID: "s1", Name: "a.jpg", ContentType: "image/jpeg", Size: 3, SHA256: "new", UploadedAt: time.Now(), UploadedBy: "lan"}
	replaced, err := s.PutAttachment(ctx, a, []byte("new"), survey.AttachmentLimit{Files: 2})
	if err != nil || !replaced {
		t.Fatalf("the first upload after: %v, %v", replaced, err)
	}
	if got := read("a.jpg"); got != "new" {
		t.Errorf("after the upload: %q", got)
	}
	if got := read("b.jpg"); got != "b.jpg 2" {
		t.Errorf("the other name after the upload: %q", got)
	}
	if n, size, err := s.StoredAttachments(ctx, "s1"); err != nil || n != 2 || size != int64(len("new")+len("b.jpg 2")) {
		t.Errorf("stored after the upload: %d files, %d bytes, %v; want the new file and b.jpg's", n, size, err)
	}
}
