package survey

import (
	"context"
	"log/slog"
	"time"
)

// Housekeeper removes records whose time is over: refresh tokens and
// enrollment codes past their expiry, which no request can use any more
// (an expired token or code is refused whether it is stored or not), and
// soft-deleted submissions past DeletedRetention, which can no longer be
// restored. Stores implement it beside Store; MongoDB also has TTL
// indexes for them.
type Housekeeper interface {
	// DeleteExpired removes refresh tokens and enrollment codes that
	// expired before now and returns how many of each.
	DeleteExpired(ctx context.Context, now time.Time) (tokens, enrollments int64, err error)
	// PurgeDeleted removes for good the submissions soft-deleted before
	// before and everything kept for them: history copies, comments,
	// attachments and indicator facts (out of the running totals too).
	// A submission restored meanwhile stays, whole: purge and restore are
	// both conditional on the deletion mark, and one of them wins. The
	// change feed keeps the submission's events (they hold identifiers
	// and states, never answers): the feed has no gap, and its delete
	// event already told every reader that the submission is gone.
	PurgeDeleted(ctx context.Context, before time.Time) (Purged, error)
}

// Purged counts what one PurgeDeleted removed.
type Purged struct {
	Submissions int64
	// Attachments are the attachment files removed: those of the purged
	// submissions, and on MongoDB any left by submissions its TTL index
	// removed (a TTL index deletes one collection's documents only).
	Attachments int64
}

// Housekeeping runs DeleteExpired and PurgeDeleted (of the submissions
// deleted more than DeletedRetention ago) at once and then every interval
// until ctx ends, logging what it removed (counts only) and its errors.
func Housekeeping(ctx context.Context, h Housekeeper, every time.Duration, now func() time.Time, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		at := now()
		tokens, codes, err := h.DeleteExpired(ctx, at)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("housekeeping: deleting expired tokens and codes", "error", err)
		case tokens+codes > 0:
			log.Info("housekeeping: deleted expired records", "refresh_tokens", tokens, "enrollment_codes", codes)
		}
		p, err := h.PurgeDeleted(ctx, at.Add(-DeletedRetention))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("housekeeping: purging deleted submissions", "error", err, "submissions", p.Submissions, "attachments", p.Attachments)
		case p.Submissions+p.Attachments > 0:
			log.Info("housekeeping: purged deleted submissions past the restore window", "submissions", p.Submissions, "attachments", p.Attachments)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
