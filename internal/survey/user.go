package survey

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/khaosat/khaosat/internal/schema"
)

// Role is what a user is allowed to do.
type Role string

// The roles of ARCHITECTURE.md.
const (
	RoleCollector  Role = "collector"
	RoleSupervisor Role = "supervisor"
	RoleDesigner   Role = "designer"
	RoleManager    Role = "manager"
	RoleAdmin      Role = "admin"
)

// Roles lists every role, for validation and for tests that enumerate them.
var Roles = []Role{RoleCollector, RoleSupervisor, RoleDesigner, RoleManager, RoleAdmin}

// User is an account.
type User struct {
	ID           string
	Username     string
	DisplayName  string
	Role         Role
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

// Actor is the authenticated caller of a service method.
type Actor struct {
	UserID          string
	Username        string
	Role            Role
	Units           []string
	SensitiveAccess bool
	PersonalAccess  bool // see User.PersonalAccess
}

// ActorOf returns the Actor for u.
func ActorOf(u *User) Actor {
	return Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Units: u.Units, SensitiveAccess: u.SensitiveAccess, PersonalAccess: u.PersonalAccess}
}

// CanSubmit reports whether the actor may send submissions.
func (a Actor) CanSubmit() bool { return a.Role != RoleDesigner && a.Role != "" }

// SeesSensitive reports whether the actor may read answers marked
// x-sensitive: admins and managers by role, supervisors by explicit grant.
func (a Actor) SeesSensitive() bool {
	return a.Role == RoleAdmin || a.Role == RoleManager || (a.Role == RoleSupervisor && a.SensitiveAccess)
}

// CanReadData reports whether the actor may read submissions at all.
func (a Actor) CanReadData() bool { return a.Role != RoleDesigner && a.Role != "" }

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
	audit    *Auditor
	hasher   PasswordHasher
	units    *Units
	now      func() time.Time
	cache    *ttlCache[*User] // by id, for authenticating requests
	// live says, by session id (refresh family), whether a session still
	// stands, for authenticating requests; an end made here is put in at
	// once.
	live *ttlCache[bool]
	// dummyHash is verified against when the user does not exist, so that a
	// missing account costs the same time as a wrong password.
	dummyHash string
	throttle  *Throttle
	enrollTTL time.Duration
	// appTokens holds OpenRosa tokens' records by hash (appuser.go).
	appTokens *ttlCache[*RefreshToken]
}

// NewAccounts returns the account service.
func NewAccounts(store UserStore, sessions SessionStore, hasher PasswordHasher, units *Units, audit *Auditor) (*Accounts, error) {
	h, err := hasher.Hash("not-a-password-" + uuid.NewString())
	if err != nil {
		return nil, err
	}
	return &Accounts{store: store, refresh: sessions, sessions: sessions, audit: audit, hasher: hasher, units: units, now: time.Now,
		cache: newTTLCache[*User](RecordCacheTTL), live: newTTLCache[bool](RecordCacheTTL), dummyHash: h, throttle: DefaultThrottle(), enrollTTL: EnrollmentTTL,
		appTokens: newTTLCache[*RefreshToken](RecordCacheTTL)}, nil
}

// SetThrottle replaces the login throttle's limits (from the configuration).
func (s *Accounts) SetThrottle(t *Throttle) { s.throttle = t }

var errBadLogin = Errorf(CodeUnauthorized, "Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.")

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
	if err := s.record(ctx, ActorOf(u), AuditLoginSuccess, u.ID, map[string]any{"address": addr}); err != nil {
		return nil, err
	}
	return u, nil
}

func (s *Accounts) loginFailed(ctx context.Context, name, addr string, now time.Time) error {
	s.throttle.fail(name, addr, now)
	if err := s.record(ctx, Actor{}, AuditLoginFailure, name, map[string]any{"address": addr}); err != nil {
		return err
	}
	return errBadLogin
}

// User returns the user with the given id, for authentication of a token.
// Results are cached for RecordCacheTTL.
func (s *Accounts) User(ctx context.Context, id string) (*User, error) {
	if u, ok := s.cache.get(id); ok {
		return u, nil
	}
	u, err := s.store.UserByID(ctx, id)
	if isNotFound(err) {
		return nil, notFound(Label{VI: "người dùng", EN: "User"})
	}
	if err != nil {
		return nil, err
	}
	s.cache.put(id, u)
	return u, nil
}

// RecordCacheTTL is how long an account or a form record read for a request
// may be reused. A change made by another instance takes effect within it.
const RecordCacheTTL = 2 * time.Second

// NewUser is the input for creating an account.
type NewUser struct {
	Username    string
	Password    string
	DisplayName string
	Role        Role
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
func (s *Accounts) CreateUser(ctx context.Context, actor Actor, in NewUser) (*User, error) {
	if actor.Role != RoleAdmin {
		return nil, forbidden()
	}
	in.Username = normUsername(in.Username)
	in.DisplayName = strings.TrimSpace(schema.CleanText(in.DisplayName))
	fe := s.checkAccount(in, true, true)
	if len(fe) > 0 {
		return nil, &Error{Code: CodeInvalid, Message: Label{VI: "Thông tin tài khoản không hợp lệ.", EN: "The account is invalid."}, Fields: fe}
	}
	hash, err := s.hasher.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	u := &User{
		ID: uuid.NewString(), Username: in.Username, DisplayName: in.DisplayName, Role: in.Role,
		Units: slices.Clone(in.Units), PasswordHash: hash, SensitiveAccess: in.SensitiveAccess && in.Role == RoleSupervisor,
		PersonalAccess: in.PersonalAccess,
		CreatedAt:      now, UpdatedAt: now,
	}
	if u.Units == nil {
		u.Units = []string{}
	}
	if err := s.store.InsertUser(ctx, u); err != nil {
		if isDuplicate(err) {
			return nil, &Error{Code: CodeConflict, Message: Label{VI: "Tên đăng nhập đã được dùng.", EN: "The username is taken."},
				Fields: []FieldError{{Path: "/username", Code: "taken", Message: Label{VI: "Tên đăng nhập đã được dùng.", EN: "The username is taken."}}}}
		}
		return nil, err
	}
	if err := s.record(ctx, actor, AuditUserCreate, u.ID, map[string]any{"username": u.Username, "role": string(u.Role), "units": u.Units}); err != nil {
		return nil, err
	}
	return u, nil
}

// checkAccount collects the rule failures of an account's fields; the
// username and the password only when they are being set.
func (s *Accounts) checkAccount(in NewUser, username, password bool) []FieldError {
	var fe []FieldError
	if username && !usernameRE.MatchString(in.Username) {
		fe = append(fe, FieldError{Path: "/username", Code: "pattern", Message: Label{
			VI: "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch dưới, gạch ngang.",
			EN: "The username must be 3–64 characters: lower-case ASCII letters, digits, '.', '_' or '-'."}})
	}
	if password && len([]rune(in.Password)) < MinPasswordLength {
		fe = append(fe, FieldError{Path: "/password", Code: "min_length", Message: Label{
			VI: "Mật khẩu phải có ít nhất 10 ký tự.", EN: "The password must have at least 10 characters."}})
	}
	if password && len([]rune(in.Password)) >= MinPasswordLength && commonPassword(in.Password) {
		fe = append(fe, FieldError{Path: "/password", Code: "common", Message: Label{
			VI: "Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác.", EN: "This password is too common and easily guessed; choose another."}})
	}
	if n := len([]rune(in.DisplayName)); n > 120 {
		fe = append(fe, FieldError{Path: "/display_name", Code: "max_length", Message: Label{
			VI: "Tên hiển thị tối đa 120 ký tự.", EN: "The display name has at most 120 characters."}})
	}
	if !slices.Contains(Roles, in.Role) {
		fe = append(fe, FieldError{Path: "/role", Code: "enum", Message: Label{
			VI: "Vai trò phải là một trong: collector, supervisor, designer, manager, admin.",
			EN: "The role must be one of: collector, supervisor, designer, manager, admin."}})
	}
	for i, code := range in.Units {
		if !s.units.Known(code) {
			fe = append(fe, FieldError{Path: "/units/" + itoa(i), Code: "unknown_unit", Message: Label{
				VI: "Không có đơn vị hành chính mã «" + code + "».", EN: "There is no administrative unit with code «" + code + "»."}})
		}
	}
	if len(in.Units) == 0 && (in.Role == RoleCollector || in.Role == RoleSupervisor) {
		fe = append(fe, FieldError{Path: "/units", Code: "required", Message: Label{
			VI: "Cần giao ít nhất một đơn vị hành chính.", EN: "At least one administrative unit must be assigned."}})
	}
	return fe
}

// ListUsers returns every account. Only an admin may.
func (s *Accounts) ListUsers(ctx context.Context, actor Actor) ([]*User, error) {
	if actor.Role != RoleAdmin {
		return nil, forbidden()
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
		return "", Errorf(CodeInvalid, "KHAOSAT_ADMIN_PASSWORD phải có ít nhất 10 ký tự.", "KHAOSAT_ADMIN_PASSWORD must have at least 10 characters.")
	}
	_, err = s.CreateUser(ctx, Actor{Role: RoleAdmin}, NewUser{Username: "admin", Password: password, DisplayName: "Administrator", Role: RoleAdmin})
	if ErrorCode(err) == CodeConflict {
		return "", nil // another instance created it first
	}
	if err != nil {
		return "", err
	}
	log.Info("created the first administrator account", "username", "admin")
	return generated, nil
}

func normUsername(s string) string { return strings.ToLower(strings.TrimSpace(schema.CleanText(s))) }
