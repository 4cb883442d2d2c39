package survey

import (
	"context"
	"log/slog"
	"time"
)

// Housekeeper removes records whose time is over: refresh tokens and
// enrollment codes past their expiry, which no request can use any more
// (an expired token or code is refused whether it is stored or not).
// Stores implement it beside Store; MongoDB also has TTL indexes for them.
type Housekeeper interface {
	// DeleteExpired removes refresh tokens and enrollment codes that
	// expired before now and returns how many of each.
	DeleteExpired(ctx context.Context, now time.Time) (tokens, enrollments int64, err error)
}

// Housekeeping runs DeleteExpired at once and then every interval until
// ctx ends, logging what it removed (counts only) and its errors.
func Housekeeping(ctx context.Context, h Housekeeper, every time.Duration, now func() time.Time, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		tokens, codes, err := h.DeleteExpired(ctx, now())
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("housekeeping: deleting expired tokens and codes", "error", err)
		case tokens+codes > 0:
			log.Info("housekeeping: deleted expired records", "refresh_tokens", tokens, "enrollment_codes", codes)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
