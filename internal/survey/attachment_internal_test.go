package survey

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestDailyQuotaRetryAfter: the daily quota's day ends at midnight in
// Vietnam (UTC+7), whatever the server's zone: Retry-After counts to it.
func TestDailyQuotaRetryAfter(t *testing.T) {
	q := AttachmentQuota{PerUserDayBytes: 200 << 20}
	for _, tc := range []struct {
		now  string
		want time.Duration
	}{
		{"2026-12-06T16:30:00Z", 30 * time.Minute}, // 23:30 in Hanoi
		{"2026-12-06T17:00:00Z", 24 * time.Hour},   // midnight in Hanoi: a new day begins
		{"2026-12-06T03:00:00Z", 14 * time.Hour},   // 10:00 in Hanoi
		{"2026-12-06T12:15:00+07:00", 11*time.Hour + 45*time.Minute},
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		var e *Error
		if !errors.As(q.explain(fmt.Errorf("x: %w", ErrAttachmentDay), now), &e) || e.Code != CodeTooManyRequests || e.RetryAfter != tc.want {
			t.Errorf("%s: %+v, want 429 after %v", tc.now, e, tc.want)
		}
	}
	if got := time.Date(2026, 12, 6, 17, 30, 0, 0, time.UTC).In(quotaZone).Format(time.DateOnly); got != "2026-12-07" {
		t.Errorf("the quota's day at 17:30 UTC: %s, want the next day in Hanoi", got)
	}
}

func TestBytesText(t *testing.T) {
	for n, want := range map[int64]string{50 << 20: "50 MiB", 3 << 19: "1.5 MiB", 900 << 10: "900 KiB", 512: "512 B"} {
		if got := bytesText(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}
