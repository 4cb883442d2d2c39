// Package account holds the accounts: users with their roles, units and
// grants, logins with their throttle, passwords, sessions (refresh tokens)
// and the enrolment of phones. It turns a user into the survey.Actor that
// every service of the core takes; it imports survey (roles, actors, units,
// the audit log, errors), and survey never imports it.
package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"github.com/khaosat/khaosat/internal/survey"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// User is an account.
type User struct {
	ID           string
	Username     string
	DisplayName  string
	Role         survey.Role
	Units        []string // assigned unit codes; a unit includes its sub-units
	PasswordHash string
	// SensitiveAccess is the explicit grant that lets a supervisor read
	// answers marked x-sensitive; admins and managers have it by role.
	SensitiveAccess bool
	// PersonalAccess is the explicit grant to export x-personal answers
	// (names, phones) as they are; without it an export holds keyed
	// pseudonyms. No role implies it: an administrator gives it to each
	// account, their own included.
	PersonalAccess bool
	Disabled       bool
	// SessionGen is the generation of the account's sessions: a password
	// change, a role change or a disable moves it on, and an access token
	// issued under an earlier generation is refused from the next request
	// on (re-enabling the account does not move it back).
	SessionGen int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ActorOf returns the Actor for u.
func ActorOf(u *User) survey.Actor {
	return survey.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Units: u.Units, SensitiveAccess: u.SensitiveAccess, PersonalAccess: u.PersonalAccess}
}

// UserStore persists accounts.
type UserStore interface {
	InsertUser(ctx context.Context, u *User) error // ErrDuplicate when the username is taken
	UserByUsername(ctx context.Context, username string) (*User, error)
	UserByID(ctx context.Context, id string) (*User, error)
	ListUsers(ctx context.Context) ([]*User, error)
	CountUsers(ctx context.Context) (int64, error)
	// UpdateUser replaces the account with u.ID; ErrNotFound when absent.
	UpdateUser(ctx context.Context, u *User) error
}

// PasswordHasher hashes and checks passwords with a proper KDF.
type PasswordHasher interface {
	Hash(password string) (string, error)
	Verify(encoded, password string) bool
}

// Accounts is the service for users and logins.
type Accounts struct {
	store    UserStore
	refresh  RefreshStore
	sessions SessionStore
	audit    *survey.Auditor
	hasher   PasswordHasher
	units    *survey.Units
	now      func() time.Time
	cache    *survey.TTLCache[*User] // by id, for authenticating requests
	// live says, by session id (refresh family), whether a session still
	// stands, for authenticating requests; an end made here is put in at
	// once.
	live *survey.TTLCache[bool]
	// dummyHash is verified against when the user does not exist, so that a
	// missing account costs the same time as a wrong password.
	dummyHash string
	throttle  *Throttle
	enrollTTL time.Duration
	// appTokens holds OpenRosa tokens' records by hash (appuser.go).
	appTokens *survey.TTLCache[*RefreshToken]
}

// Option sets what NewAccounts takes from the configuration (WithThrottle,
// WithEnrollmentTTL).
type Option func(*Accounts)

// NewAccounts returns the account service.
func NewAccounts(store UserStore, sessions SessionStore, hasher PasswordHasher, units *survey.Units, audit *survey.Auditor, opts ...Option) (*Accounts, error) {
	h, err := hasher.Hash("not-a-password-" + uuid.NewString())
	if err != nil {
		return nil, err
	}
	s := &Accounts{store: store, refresh: sessions, sessions: sessions, audit: audit, hasher: hasher, units: units, now: time.Now,
		cache: survey.NewTTLCache[*User](survey.RecordCacheTTL), live: survey.NewTTLCache[bool](survey.RecordCacheTTL), dummyHash: h, throttle: DefaultThrottle(), enrollTTL: EnrollmentTTL,
		appTokens: survey.NewTTLCache[*RefreshToken](survey.RecordCacheTTL)}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// WithThrottle replaces the login throttle's limits (from the configuration).
func WithThrottle(t *Throttle) Option { return func(s *Accounts) { s.throttle = t } }

var errBadLogin = survey.Errorf(survey.CodeUnauthorized, msg.BadLogin)

// Login checks a username and password from client address addr and
// returns the user. A missing account, a wrong password and a disabled
// account give the same error after the same work; failures are
// throttled per username and per address, and audited.
func (s *Accounts) Login(ctx context.Context, username, password, addr string) (*User, error) {
	name, now := normUsername(username), s.now()
	if d := s.throttle.wait(name, addr, now); d > 0 {
		return nil, tooManyLogins(d)
	}
	u, err := s.store.UserByUsername(ctx, name)
	switch {
	case err == nil:
	case isNotFound(err):
		s.hasher.Verify(s.dummyHash, password)
		return nil, s.loginFailed(ctx, name, addr, now)
	default:
		return nil, err
	}
	if !s.hasher.Verify(u.PasswordHash, password) || u.Disabled {
		return nil, s.loginFailed(ctx, name, addr, now)
	}
	s.throttle.succeed(name)
	if err := s.record(ctx, ActorOf(u), survey.AuditLoginSuccess, u.ID, map[string]any{"address": addr}); err != nil {
		return nil, err
	}
	return u, nil
}

func (s *Accounts) loginFailed(ctx context.Context, name, addr string, now time.Time) error {
	s.throttle.fail(name, addr, now)
	if err := s.record(ctx, survey.Actor{}, survey.AuditLoginFailure, name, map[string]any{"address": addr}); err != nil {
		return err
	}
	return errBadLogin
}

// User returns the user with the given id, for authentication of a token.
// Results are cached for RecordCacheTTL.
func (s *Accounts) User(ctx context.Context, id string) (*User, error) {
	if u, ok := s.cache.Lookup(id); ok {
		return u, nil
	}
	u, err := s.store.UserByID(ctx, id)
	if isNotFound(err) {
		return nil, survey.NotFound(msg.Text(msg.NounUser))
	}
	if err != nil {
		return nil, err
	}
	s.cache.Put(id, u)
	return u, nil
}

// NewUser is the input for creating an account.
type NewUser struct {
	Username    string
	Password    string
	DisplayName string
	Role        survey.Role
	Units       []string
	// SensitiveAccess is meaningful for supervisors only; admins and
	// managers read sensitive answers by role.
	SensitiveAccess bool
	// PersonalAccess is the personal-data grant (User.PersonalAccess),
	// for any role.
	PersonalAccess bool
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// CreateUser creates an account. Only an admin may.
func (s *Accounts) CreateUser(ctx context.Context, actor survey.Actor, in NewUser) (*User, error) {
	if actor.Role != survey.RoleAdmin {
		return nil, survey.Forbidden()
	}
	in.Username = normUsername(in.Username)
	in.DisplayName = strings.TrimSpace(schema.CleanText(in.DisplayName))
	fe := s.checkAccount(in, true, true)
	if len(fe) > 0 {
		return nil, &survey.Error{Code: survey.CodeInvalid, Key: msg.AccountInvalid, Message: msg.Text(msg.AccountInvalid), Fields: fe}
	}
	hash, err := s.hasher.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	u := &User{
		ID: uuid.NewString(), Username: in.Username, DisplayName: in.DisplayName, Role: in.Role,
		Units: slices.Clone(in.Units), PasswordHash: hash, SensitiveAccess: in.SensitiveAccess && in.Role == survey.RoleSupervisor,
		PersonalAccess: in.PersonalAccess,
		CreatedAt:      now, UpdatedAt: now,
	}
	if u.Units == nil {
		u.Units = []string{}
	}
	if err := s.store.InsertUser(ctx, u); err != nil {
		if isDuplicate(err) {
			return nil, &survey.Error{Code: survey.CodeConflict, Key: msg.UsernameTaken, Message: msg.Text(msg.UsernameTaken),
				Fields: []survey.FieldError{{Path: "/username", Code: "taken", Message: msg.Text(msg.UsernameTaken)}}}
		}
		return nil, err
	}
	if err := s.record(ctx, actor, survey.AuditUserCreate, u.ID, map[string]any{"username": u.Username, "role": string(u.Role), "units": u.Units}); err != nil {
		return nil, err
	}
	return u, nil
}

// checkAccount collects the rule failures of an account's fields; the
// username and the password only when they are being set.
func (s *Accounts) checkAccount(in NewUser, username, password bool) []survey.FieldError {
	var fe []survey.FieldError
	if username && !usernameRE.MatchString(in.Username) {
		fe = append(fe, survey.FieldError{Path: "/username", Code: "pattern", Message: msg.Text(msg.UsernameShape)})
	}
	if password && len([]rune(in.Password)) < MinPasswordLength {
		fe = append(fe, survey.FieldError{Path: "/password", Code: "min_length", Message: msg.Text(msg.PasswordShort)})
	}
	if password && len([]rune(in.Password)) >= MinPasswordLength && commonPassword(in.Password) {
		fe = append(fe, survey.FieldError{Path: "/password", Code: "common", Message: msg.Text(msg.PasswordCommon)})
	}
	if n := len([]rune(in.DisplayName)); n > 120 {
		fe = append(fe, survey.FieldError{Path: "/display_name", Code: "max_length", Message: msg.Text(msg.DisplayNameLength)})
	}
	if !slices.Contains(survey.Roles, in.Role) {
		fe = append(fe, survey.FieldError{Path: "/role", Code: "enum", Message: msg.Text(msg.RoleEnum)})
	}
	for i, code := range in.Units {
		if !s.units.Known(code) {
			fe = append(fe, survey.FieldError{Path: "/units/" + itoa(i), Code: "unknown_unit", Message: msg.Text(msg.UnitCodeUnknown, code)})
		}
	}
	if len(in.Units) == 0 && (in.Role == survey.RoleCollector || in.Role == survey.RoleSupervisor) {
		fe = append(fe, survey.FieldError{Path: "/units", Code: "required", Message: msg.Text(msg.UnitsRequired)})
	}
	return fe
}

// ListUsers returns every account. Only an admin may.
func (s *Accounts) ListUsers(ctx context.Context, actor survey.Actor) ([]*User, error) {
	if actor.Role != survey.RoleAdmin {
		return nil, survey.Forbidden()
	}
	return s.store.ListUsers(ctx)
}

// EnsureAdmin creates the first administrator on an empty database. With
// an empty password it generates one and returns it so that the caller can
// print it once; it returns "" when no account was created.
func (s *Accounts) EnsureAdmin(ctx context.Context, password string, log *slog.Logger) (generated string, err error) {
	n, err := s.store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	if password == "" {
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		password = base64.RawURLEncoding.EncodeToString(b)
		generated = password
	}
	if len([]rune(password)) < MinPasswordLength {
		return "", survey.Errorf(survey.CodeInvalid, msg.AdminPasswordShort)
	}
	_, err = s.CreateUser(ctx, survey.Actor{Role: survey.RoleAdmin}, NewUser{Username: "admin", Password: password, DisplayName: "Administrator", Role: survey.RoleAdmin})
	if survey.ErrorCode(err) == survey.CodeConflict {
		return "", nil // another instance created it first
	}
	if err != nil {
		return "", err
	}
	log.Info("created the first administrator account", "username", "admin")
	return generated, nil
}

func normUsername(s string) string { return strings.ToLower(strings.TrimSpace(schema.CleanText(s))) }
