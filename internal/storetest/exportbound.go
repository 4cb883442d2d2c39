package storetest

import (
	"errors"
	"io"
	"testing"

	"github.com/khaosat/khaosat/internal/export"
	"github.com/khaosat/khaosat/internal/survey"
)

// testExportBound: the bound on concurrent exports is the domain's, so
// it holds on every engine. With one slot and no queue, a second export
// is refused (429 with Retry-After) while the first one is prepared, and
// admitted once it has run; a job given up unrun gives its slot back.
func testExportBound(t *testing.T, s Stores) {
	w := newSealWorld(t, s)
	ex := survey.NewExports(w.in, w.s, survey.NewAuditor(w.s), export.Formats(), survey.WithExportLimits(survey.ExportLimits{Running: 1, Queue: 0}))
	o := survey.ExportOptions{Format: "csv"}
	first, err := ex.Prepare(ctx, sealAdmin, "household", o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ex.Prepare(ctx, sealAdmin, "household", o)
	var e *survey.Error
	if !errors.As(err, &e) || e.Code != survey.CodeTooManyRequests || e.RetryAfter <= 0 {
		t.Fatalf("a second export beside a running one: %v, want 429 with Retry-After", err)
	}
	if _, err := first.Run(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	unrun, err := ex.Prepare(ctx, sealAdmin, "household", o)
	if err != nil {
		t.Fatalf("after the first export ran: %v", err)
	}
	unrun.Release()
	last, err := ex.Prepare(ctx, sealAdmin, "household", o)
	if err != nil {
		t.Fatalf("after a job was given up: %v", err)
	}
	last.Release()
}
