package account

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// AppUserDevicePrefix starts the device id of a token issued for an
// OpenRosa client (ODK Collect, Web Forms): it lists and is revoked
// among the user's devices like a phone.
const AppUserDevicePrefix = "openrosa-"

var errBadAppUser = survey.Errorf(survey.CodeUnauthorized, msg.AppUserTokenInvalid)

// EnrollAppUser redeems an enrolment code for an OpenRosa client and
// returns the user, the token to put in the client's server address and
// the device id it is listed under. Like ODK Central's app users, the
// token is not rotated: it stays valid until the device is revoked, the
// account changes or its refresh lifetime (RefreshTTL) ends.
func (s *Accounts) EnrollAppUser(ctx context.Context, code string) (*User, string, string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return nil, "", "", err
	}
	device := AppUserDevicePrefix + hex.EncodeToString(b)
	u, tok, err := s.Enroll(ctx, code, device)
	if err != nil {
		return nil, "", "", err
	}
	if !ActorOf(u).CanSubmit() {
		_ = s.sessions.RevokeDevice(ctx, u.ID, device, s.now().UTC())
		return nil, "", "", survey.Errorf(survey.CodeForbidden, msg.AppUserMayNotSubmit)
	}
	return u, tok, device, nil
}

// AppUser returns the user an OpenRosa client's token acts as. The token
// is looked up, never spent: a revoked device, a disabled account or an
// expired token is refused. The token's record and the session's state
// are read through the caches that Authenticate uses, which a revocation
// here updates at once.
func (s *Accounts) AppUser(ctx context.Context, raw string) (*User, error) {
	if raw == "" || len(raw) > 128 {
		return nil, errBadAppUser
	}
	hash := hashToken(raw)
	t, ok := s.appTokens.Lookup(hash)
	if !ok {
		var err error
		t, err = s.refresh.RefreshByHash(ctx, hash)
		if isNotFound(err) {
			return nil, errBadAppUser
		}
		if err != nil {
			return nil, err
		}
		if t.RevokedAt != nil || t.UsedAt != nil || !strings.HasPrefix(t.DeviceID, AppUserDevicePrefix) {
			return nil, errBadAppUser
		}
		s.appTokens.Put(hash, t)
	}
	if s.now().After(t.ExpiresAt) {
		return nil, errBadAppUser
	}
	live, ok := s.live.Lookup(t.Family)
	if !ok {
		var err error
		if live, err = s.refresh.RefreshFamilyLive(ctx, t.Family); err != nil {
			return nil, err
		}
		s.live.Put(t.Family, live)
	}
	if !live {
		return nil, errBadAppUser
	}
	u, err := s.User(ctx, t.UserID)
	if isNotFound(err) || (err == nil && u.Disabled) {
		return nil, errBadAppUser
	}
	return u, err
}
