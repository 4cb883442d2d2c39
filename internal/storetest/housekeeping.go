package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/survey"
)

// testHousekeeping: DeleteExpired removes the refresh tokens and
// enrollment codes past their expiry, used or not, and nothing else.
func testHousekeeping(t *testing.T, s Stores) {
	h, ok := s.(survey.Housekeeper)
	if !ok {
		t.Fatal("the store does not implement survey.Housekeeper")
	}
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	used := now.Add(-2 * time.Hour)
	toks := map[string]time.Time{}  // hash → expiry
	codes := map[string]time.Time{} // hash → expiry
	for i, exp := range []time.Time{now.Add(-time.Hour), now.Add(-48 * time.Hour), now.Add(time.Hour), now.Add(30 * 24 * time.Hour)} {
		tok := &account.RefreshToken{Hash: uuid.NewString(), Family: uuid.NewString(), UserID: "u1", CreatedAt: exp.Add(-24 * time.Hour), ExpiresAt: exp}
		if err := s.InsertRefresh(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if err := s.UseRefresh(ctx, tok.Hash, used); err != nil {
				t.Fatal(err)
			}
		}
		toks[tok.Hash] = exp
		e := &account.Enrollment{Hash: uuid.NewString(), UserID: "u1", CreatedBy: "admin", CreatedAt: exp.Add(-24 * time.Hour), ExpiresAt: exp}
		if err := s.InsertEnrollment(ctx, e); err != nil {
			t.Fatal(err)
		}
		codes[e.Hash] = exp
	}
	nt, nc, err := h.DeleteExpired(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if nt != 2 || nc != 2 {
		t.Errorf("deleted %d tokens and %d codes, want 2 and 2", nt, nc)
	}
	for hash, exp := range toks {
		_, err := s.RefreshByHash(ctx, hash)
		if gone := errors.Is(err, survey.ErrNotFound); gone != exp.Before(now) {
			t.Errorf("refresh token expiring %s: gone %v (err %v)", exp, gone, err)
		}
	}
	for hash, exp := range codes {
		_, err := s.EnrollmentByHash(ctx, hash)
		if gone := errors.Is(err, survey.ErrNotFound); gone != exp.Before(now) {
			t.Errorf("enrollment code expiring %s: gone %v (err %v)", exp, gone, err)
		}
	}
	if nt, nc, err = h.DeleteExpired(ctx, now); err != nil || nt+nc != 0 {
		t.Errorf("a second run deleted %d and %d (err %v), want none", nt, nc, err)
	}
}

// Housekeeping runs the housekeeping contract alone, for an engine that
// cannot run the whole suite.
func Housekeeping(t *testing.T, s Stores) { testHousekeeping(t, s) }
