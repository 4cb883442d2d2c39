package account

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"github.com/khaosat/khaosat/internal/survey"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/khaosat/khaosat/internal/msg"
)

// Enrollment is a one-time code that lets a phone obtain a device-bound
// refresh token for a collector without a typed password. Only the code's
// hash is stored.
type Enrollment struct {
	Hash      string
	UserID    string
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	DeviceID  string
}

// Device is a phone holding a device-bound session of a user.
type Device struct {
	ID         string
	EnrolledAt time.Time
	LastSeenAt time.Time
}

// EnrollmentStore persists enrollment codes and lists devices.
type EnrollmentStore interface {
	InsertEnrollment(ctx context.Context, e *Enrollment) error
	EnrollmentByHash(ctx context.Context, hash string) (*Enrollment, error)
	// UseEnrollment marks an unused code used by deviceID; ErrNotFound
	// when it was used already (of two concurrent redeems one wins).
	UseEnrollment(ctx context.Context, hash, deviceID string, at time.Time) error
	// DeviceTokens returns the unrevoked device-bound refresh tokens of a user.
	DeviceTokens(ctx context.Context, userID string) ([]*RefreshToken, error)
	RevokeDevice(ctx context.Context, userID, deviceID string, at time.Time) error
}

// SessionStore is what sessions need: refresh tokens and enrollments.
type SessionStore interface {
	RefreshStore
	EnrollmentStore
}

// EnrollmentTTL is how long an enrollment code may wait for its phone,
// unless WithEnrollmentTTL says otherwise.
const EnrollmentTTL = 24 * time.Hour

// WithEnrollmentTTL changes how long new enrollment codes live.
func WithEnrollmentTTL(d time.Duration) Option { return func(s *Accounts) { s.enrollTTL = d } }

var codeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// normCode makes a typed code comparable: upper case, no spaces or dashes.
func normCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, code)
}

var errBadEnrollment = survey.Errorf(survey.CodeUnauthorized, msg.EnrollmentInvalid)

// canEnroll: an admin for anyone; a supervisor for a collector all of
// whose units lie inside the supervisor's.
func (s *Accounts) canEnroll(actor survey.Actor, u *User) bool {
	switch actor.Role {
	case survey.RoleAdmin:
		return true
	case survey.RoleSupervisor:
		if u.Role != survey.RoleCollector || len(u.Units) == 0 {
			return false
		}
		for _, code := range u.Units {
			if !s.units.Within(code, s.now(), actor.Units) {
				return false
			}
		}
		return true
	}
	return false
}

// enrollee loads a user the actor may enroll; others are "not found".
func (s *Accounts) enrollee(ctx context.Context, actor survey.Actor, userID string) (*User, error) {
	if actor.Role != survey.RoleAdmin && actor.Role != survey.RoleSupervisor {
		return nil, survey.Forbidden()
	}
	u, err := s.store.UserByID(ctx, userID)
	if isNotFound(err) || (err == nil && !s.canEnroll(actor, u)) {
		return nil, survey.NotFound(msg.Text(msg.NounUser))
	}
	return u, err
}

// errReachExceeds refuses a code that would let its issuer act as an
// account reaching data their own grants do not allow.
var errReachExceeds = survey.Errorf(survey.CodeForbidden, msg.EnrollReachRefused)

// issuable loads a user the actor may issue an enrolment code for: one
// they may enroll (else "not found") whose reach the actor's covers (else
// forbidden): whoever redeems a code acts as its account, and the issuer
// could redeem it on a phone of their own.
func (s *Accounts) issuable(ctx context.Context, actor survey.Actor, userID string) (*User, error) {
	u, err := s.enrollee(ctx, actor, userID)
	if err != nil {
		return nil, err
	}
	if !Reaches(actor, u) {
		return nil, errReachExceeds
	}
	return u, nil
}

// CreateEnrollment returns a new one-time code for the user, shown once.
// The audit entry names the issuer and the account the code is for.
func (s *Accounts) CreateEnrollment(ctx context.Context, actor survey.Actor, userID string) (string, *Enrollment, error) {
	u, err := s.issuable(ctx, actor, userID)
	if err != nil {
		return "", nil, err
	}
	if u.Disabled {
		return "", nil, survey.Errorf(survey.CodeConflict, msg.AccountDisabled)
	}
	b := make([]byte, 10) // 80 bits: 16 characters
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	raw := codeEncoding.EncodeToString(b)
	code := raw[0:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:16]
	now := s.now().UTC().Truncate(time.Millisecond)
	e := &Enrollment{Hash: hashToken(raw), UserID: u.ID, CreatedBy: actor.UserID, CreatedAt: now, ExpiresAt: now.Add(s.enrollTTL)}
	if err := s.sessions.InsertEnrollment(ctx, e); err != nil {
		return "", nil, err
	}
	if err := s.record(ctx, actor, survey.AuditEnrollment, u.ID, map[string]any{"expires_at": e.ExpiresAt,
		"issuer": actor.UserID, "issuer_role": string(actor.Role), "target": u.ID, "target_role": string(u.Role), "target_units": u.Units}); err != nil {
		return "", nil, err
	}
	return code, e, nil
}

// CheckEnrollment tells whether code is a pending code of the user, for
// showing it again (as a QR code) to whoever may create it.
func (s *Accounts) CheckEnrollment(ctx context.Context, actor survey.Actor, userID, code string) error {
	if _, err := s.issuable(ctx, actor, userID); err != nil {
		return err
	}
	e, err := s.sessions.EnrollmentByHash(ctx, hashToken(normCode(code)))
	if isNotFound(err) || (err == nil && (e.UserID != userID || e.UsedAt != nil || !s.now().Before(e.ExpiresAt))) {
		return survey.NotFound(msg.Text(msg.NounEnrollment))
	}
	return err
}

// Enroll redeems a code once from a phone and returns the user and a
// refresh token bound to deviceID.
func (s *Accounts) Enroll(ctx context.Context, code, deviceID string) (*User, string, error) {
	deviceID = strings.TrimSpace(deviceID)
	if deviceID == "" || len(deviceID) > 128 {
		e := survey.Errorf(survey.CodeInvalid, msg.DeviceIDRequired)
		e.Fields = []survey.FieldError{survey.NewFieldError("/device_id", "required", msg.DeviceIDRequiredField)}
		return nil, "", e
	}
	now := s.now().UTC()
	e, err := s.sessions.EnrollmentByHash(ctx, hashToken(normCode(code)))
	if isNotFound(err) {
		return nil, "", errBadEnrollment
	}
	if err != nil {
		return nil, "", err
	}
	if e.UsedAt != nil || !now.Before(e.ExpiresAt) {
		return nil, "", errBadEnrollment
	}
	u, err := s.store.UserByID(ctx, e.UserID)
	if isNotFound(err) || (err == nil && u.Disabled) {
		return nil, "", errBadEnrollment
	}
	if err != nil {
		return nil, "", err
	}
	if err := s.sessions.UseEnrollment(ctx, e.Hash, deviceID, now); isNotFound(err) {
		return nil, "", errBadEnrollment
	} else if err != nil {
		return nil, "", err
	}
	tok, err := s.IssueRefresh(ctx, u, "", deviceID)
	if err != nil {
		return nil, "", err
	}
	if err := s.record(ctx, ActorOf(u), survey.AuditEnrollmentRedeem, u.ID, map[string]any{"device_id": deviceID, "issuer": e.CreatedBy}); err != nil {
		return nil, "", err
	}
	return u, tok, nil
}

// Devices lists the phones with a live session of the user.
func (s *Accounts) Devices(ctx context.Context, actor survey.Actor, userID string) ([]Device, error) {
	if _, err := s.enrollee(ctx, actor, userID); err != nil {
		return nil, err
	}
	return s.devices(ctx, userID)
}

// OwnDevices lists the phones with a live session of the caller's own
// account, so that someone enrolled without their knowledge shows.
func (s *Accounts) OwnDevices(ctx context.Context, actor survey.Actor) ([]Device, error) {
	if actor.UserID == "" {
		return nil, survey.Forbidden()
	}
	return s.devices(ctx, actor.UserID)
}

func (s *Accounts) devices(ctx context.Context, userID string) ([]Device, error) {
	toks, err := s.sessions.DeviceTokens(ctx, userID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	by := map[string]*Device{}
	for _, t := range toks {
		if !now.Before(t.ExpiresAt) {
			continue
		}
		d := by[t.DeviceID]
		if d == nil {
			d = &Device{ID: t.DeviceID, EnrolledAt: t.CreatedAt, LastSeenAt: t.CreatedAt}
			by[t.DeviceID] = d
		}
		if t.CreatedAt.Before(d.EnrolledAt) {
			d.EnrolledAt = t.CreatedAt
		}
		if t.CreatedAt.After(d.LastSeenAt) {
			d.LastSeenAt = t.CreatedAt
		}
	}
	out := make([]Device, 0, len(by))
	for _, d := range by {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// RevokeDevice ends every session of the user on the device: its refresh
// tokens and, from the next request on, its access tokens.
func (s *Accounts) RevokeDevice(ctx context.Context, actor survey.Actor, userID, deviceID string) error {
	if _, err := s.enrollee(ctx, actor, userID); err != nil {
		return err
	}
	return s.endDevice(ctx, actor, userID, deviceID)
}

// RevokeOwnDevice ends every session of the caller's own account on the
// device.
func (s *Accounts) RevokeOwnDevice(ctx context.Context, actor survey.Actor, deviceID string) error {
	if actor.UserID == "" {
		return survey.Forbidden()
	}
	return s.endDevice(ctx, actor, actor.UserID, deviceID)
}

func (s *Accounts) endDevice(ctx context.Context, actor survey.Actor, userID, deviceID string) error {
	toks, err := s.sessions.DeviceTokens(ctx, userID)
	if err != nil {
		return err
	}
	if err := s.sessions.RevokeDevice(ctx, userID, deviceID, s.now().UTC()); err != nil {
		return err
	}
	for _, t := range toks {
		if t.DeviceID == deviceID {
			s.live.Put(t.Family, false)
		}
	}
	return s.record(ctx, actor, survey.AuditDeviceRevoke, userID, map[string]any{"device_id": deviceID})
}

// Reaches reports whether every record the account u may read is one the
// actor may read as well, so that the actor may hand out a way to act as
// u (an enrolment code) without reaching through it data their own
// grants do not allow. An admin reaches every account. Otherwise u must
// be a collector (the only role a code is issued for by others; that all
// of their units lie inside the actor's is canEnroll's check), and the
// actor must read sensitive answers: a collector reads their own
// submissions of a form marked x-sensitive-form (the hiv form: names,
// birth dates, caregivers), which someone without the sensitive grant
// may not see at all (ownOnly); the rest of what a collector reads, a
// supervisor of their units reads too.
func Reaches(a survey.Actor, u *User) bool {
	switch {
	case a.Role == survey.RoleAdmin:
		return true
	case u.Role != survey.RoleCollector:
		return false
	default:
		return a.SeesSensitive()
	}
}
