package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/survey"
)

// testSessions: what ends a session on every engine. An account's session
// generation is kept across a replace; a refresh family stands until any
// of the revocations reaches it (logout of the family, a device revoke, a
// revoke of all the user's tokens), and an unknown family does not stand.
func testSessions(t *testing.T, s Stores) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	u := &account.User{ID: uuid.NewString(), Username: "hoa", DisplayName: "Trần Thị Hoa", Role: survey.RoleCollector, Units: []string{"00004"},
		PasswordHash: "x", SessionGen: 3, CreatedAt: now, UpdatedAt: now}
	if err := s.InsertUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UserByID(ctx, u.ID); err != nil || got.SessionGen != 3 {
		t.Fatalf("session generation read back: %+v, %v", got, err)
	}
	u.SessionGen = 4
	if err := s.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UserByUsername(ctx, "hoa"); err != nil || got.SessionGen != 4 {
		t.Errorf("session generation after an update: %+v, %v", got, err)
	}

	insert := func(family, device string) *account.RefreshToken {
		t.Helper()
		tok := &account.RefreshToken{Hash: uuid.NewString(), Family: family, UserID: u.ID, DeviceID: device, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.InsertRefresh(ctx, tok); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	live := func(family string) bool {
		t.Helper()
		ok, err := s.RefreshFamilyLive(ctx, family)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	// A rotated family stands: its used token is not revoked.
	rotated := insert("rotated", "")
	if err := s.UseRefresh(ctx, rotated.Hash, now); err != nil {
		t.Fatal(err)
	}
	insert("rotated", "")
	insert("logout", "")
	insert("phone", "phone-1")
	insert("other-phone", "phone-2")
	for _, f := range []string{"rotated", "logout", "phone", "other-phone"} {
		if !live(f) {
			t.Errorf("family %s is not live before any revocation", f)
		}
	}
	if live("no-such-family") {
		t.Error("an unknown family is live")
	}
	if err := s.RevokeRefreshFamily(ctx, "logout", now); err != nil {
		t.Fatal(err)
	}
	if live("logout") || !live("rotated") {
		t.Errorf("after the logout of one family: logout live=%v, rotated live=%v", live("logout"), live("rotated"))
	}
	if err := s.RevokeDevice(ctx, u.ID, "phone-1", now); err != nil {
		t.Fatal(err)
	}
	if live("phone") || !live("other-phone") {
		t.Errorf("after revoking phone-1: its family live=%v, phone-2's live=%v", live("phone"), live("other-phone"))
	}
	if err := s.RevokeUserRefresh(ctx, u.ID, now); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"rotated", "other-phone"} {
		if live(f) {
			t.Errorf("family %s is live after revoking all the user's tokens", f)
		}
	}
}
