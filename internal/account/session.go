package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"github.com/khaosat/khaosat/internal/survey"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/msg"
)

// RefreshToken is the stored half of an opaque refresh token: only its
// SHA-256 is kept (the token has 256 random bits, so a plain hash is
// enough), never the token. Every use rotates it: the used one is marked,
// a new one of the same family issued. A marked one used again means it
// was copied, and the whole family is revoked.
type RefreshToken struct {
	Hash      string
	Family    string
	UserID    string
	DeviceID  string // set for a phone's device-bound token
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
}

// RefreshStore persists refresh tokens.
type RefreshStore interface {
	InsertRefresh(ctx context.Context, t *RefreshToken) error
	RefreshByHash(ctx context.Context, hash string) (*RefreshToken, error)
	// UseRefresh marks an unused token used; ErrNotFound when it was
	// already used or revoked (a concurrent use loses).
	UseRefresh(ctx context.Context, hash string, at time.Time) error
	RevokeRefreshFamily(ctx context.Context, family string, at time.Time) error
	RevokeUserRefresh(ctx context.Context, userID string, at time.Time) error
	// RefreshFamilyLive reports whether a family still has a token that
	// was not revoked: false once it was revoked (by logout, reuse, a
	// device revoke or an account change) or is unknown.
	RefreshFamilyLive(ctx context.Context, family string) (bool, error)
}

// RefreshTTL is how long a refresh token may wait for its use.
const RefreshTTL = 30 * 24 * time.Hour

var errBadRefresh = survey.Errorf(survey.CodeUnauthorized, msg.RefreshInvalid)

func hashToken(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(h[:])
}

// IssueRefresh returns a new refresh token for u in family ("" starts a
// new family, as at login).
func (s *Accounts) IssueRefresh(ctx context.Context, u *User, family, deviceID string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	raw := base64.RawURLEncoding.EncodeToString(b)
	if family == "" {
		family = uuid.NewString()
	}
	now := s.now().UTC()
	err := s.refresh.InsertRefresh(ctx, &RefreshToken{Hash: hashToken(raw), Family: family, UserID: u.ID, DeviceID: deviceID,
		CreatedAt: now, ExpiresAt: now.Add(RefreshTTL)})
	if err != nil {
		return "", err
	}
	return raw, nil
}

// Refresh spends a refresh token and returns its user and the next token
// of its family. A token used twice revokes its family. A device-bound
// token (from an enrollment) is accepted only with its device id.
func (s *Accounts) Refresh(ctx context.Context, raw, deviceID string) (*User, string, error) {
	t, err := s.refresh.RefreshByHash(ctx, hashToken(raw))
	if isNotFound(err) {
		return nil, "", errBadRefresh
	}
	if err != nil {
		return nil, "", err
	}
	now := s.now().UTC()
	if t.RevokedAt != nil || now.After(t.ExpiresAt) || (t.DeviceID != "" && t.DeviceID != deviceID) {
		return nil, "", errBadRefresh
	}
	if t.UsedAt != nil {
		return nil, "", s.reused(ctx, t, now)
	}
	u, err := s.store.UserByID(ctx, t.UserID) // not the cache: a disabled user stops here at once
	if isNotFound(err) || (err == nil && u.Disabled) {
		_ = s.refresh.RevokeRefreshFamily(ctx, t.Family, now)
		s.live.Put(t.Family, false)
		return nil, "", errBadRefresh
	}
	if err != nil {
		return nil, "", err
	}
	if err := s.refresh.UseRefresh(ctx, t.Hash, now); isNotFound(err) {
		return nil, "", s.reused(ctx, t, now)
	} else if err != nil {
		return nil, "", err
	}
	next, err := s.IssueRefresh(ctx, u, t.Family, t.DeviceID)
	if err != nil {
		return nil, "", err
	}
	return u, next, nil
}

// reused revokes the family of a token presented a second time and audits it.
func (s *Accounts) reused(ctx context.Context, t *RefreshToken, now time.Time) error {
	if err := s.refresh.RevokeRefreshFamily(ctx, t.Family, now); err != nil {
		return err
	}
	s.live.Put(t.Family, false)
	if s.audit != nil {
		u, _ := s.store.UserByID(ctx, t.UserID)
		a := survey.Actor{UserID: t.UserID}
		if u != nil {
			a = ActorOf(u)
		}
		if err := s.audit.Record(ctx, a, survey.AuditRefreshReuse, t.UserID, map[string]any{"family": t.Family}); err != nil {
			return err
		}
	}
	return errBadRefresh
}

// Logout revokes the family of a refresh token. An unknown token is not
// an error: the session is over either way.
func (s *Accounts) Logout(ctx context.Context, raw string) error {
	t, err := s.refresh.RefreshByHash(ctx, hashToken(raw))
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.refresh.RevokeRefreshFamily(ctx, t.Family, s.now().UTC()); err != nil {
		return err
	}
	s.live.Put(t.Family, false)
	return nil
}

var errSessionEnded = survey.Errorf(survey.CodeUnauthorized, msg.SessionEnded)

// SessionID returns the session (the family) of a refresh token just
// issued, for binding an access token to it.
func (s *Accounts) SessionID(ctx context.Context, refresh string) (string, error) {
	t, err := s.refresh.RefreshByHash(ctx, hashToken(refresh))
	if err != nil {
		return "", err
	}
	return t.Family, nil
}

// Authenticate returns the user of an access token of the given session
// and session generation, on every request. It refuses the token from the
// next request on once the account is disabled or gone, once its session
// generation moved on (a password change, a role change, a disable: an
// account enabled again does not revive its old tokens), and once its
// session was ended (logout, device revoke, a refresh token reused). Both
// the account and the session's state are read through caches that this
// process updates at once, so the check costs no database round trip on
// most requests; an end made by another instance shows within
// RecordCacheTTL.
func (s *Accounts) Authenticate(ctx context.Context, userID, session string, gen int64) (*User, error) {
	u, err := s.User(ctx, userID)
	if isNotFound(err) {
		return nil, errSessionEnded
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled || gen != u.SessionGen {
		return nil, errSessionEnded
	}
	if session == "" {
		return u, nil
	}
	live, ok := s.live.Lookup(session)
	if !ok {
		if live, err = s.refresh.RefreshFamilyLive(ctx, session); err != nil {
			return nil, err
		}
		s.live.Put(session, live)
	}
	if !live {
		return nil, errSessionEnded
	}
	return u, nil
}
