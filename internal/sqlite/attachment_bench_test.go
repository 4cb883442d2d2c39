package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// BenchmarkPutAttachmentFullSubmission measures an upload that replaces
// a name of a submission holding 19 other files of 2 MiB against the
// same upload into a submission holding none: the limits sum the sizes
// of the stored files in the upload's transaction, which must not read
// their bytes. Reported: full_vs_empty, the ratio of the two times.
func BenchmarkPutAttachmentFullSubmission(b *testing.B) {
	ctx := context.Background()
	s := MustOpen(b)
	big := make([]byte, 2<<20)
	put := func(sub, name string, body []byte) {
		a := &survey.Attachment{SubmissionID: sub, Name: name, ContentType: "image/jpeg", Size: int64(len(body)), SHA256: "x", UploadedAt: time.Now(), UploadedBy: "lan"}
		lim := survey.AttachmentLimit{Files: 20, Bytes: 50 << 20, DayBytes: 1 << 40, Day: "2026-12-06"}
		if _, err := s.PutAttachment(ctx, a, body, lim); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 19 {
		put("full", fmt.Sprintf("p%d.jpg", i), big)
	}
	small := make([]byte, 10<<10)
	time1 := func(sub string) time.Duration {
		start := time.Now()
		put(sub, "x.jpg", small)
		return time.Since(start)
	}
	var full, empty time.Duration
	b.ResetTimer()
	for range b.N {
		full += time1("full")
		empty += time1("empty")
	}
	b.ReportMetric(float64(full)/float64(empty), "full_vs_empty")
}
