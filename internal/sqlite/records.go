package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/survey"
)

// The small records (accounts, forms, tokens, webhooks, audit entries)
// are stored as JSON of the domain struct itself: their field names are
// the stored names, so renaming one needs a migration. Columns beside the
// document carry what is looked up or compared and set.

func (s *Store) exec(ctx context.Context, op, query string, args ...any) error {
	return s.write(ctx, func(tx *wtx) error {
		_, err := tx.Exec(query, args...)
		return translate(op, err)
	})
}

// execMatched is exec that fails with ErrNotFound when no row changed:
// a compare-and-set inside the single writer.
func (s *Store) execMatched(ctx context.Context, op, query string, args ...any) error {
	return s.write(ctx, func(tx *wtx) error {
		r, err := tx.Exec(query, args...)
		if err != nil {
			return translate(op, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return translate(op, errNoMatch)
		}
		return nil
	})
}

func getOne[T any](ctx context.Context, s *Store, op, query string, args ...any) (_ *T, err error) {
	defer func(start time.Time) { s.observe(op, start, err) }(time.Now())
	var raw []byte
	if err := s.r.QueryRowContext(ctx, query, args...).Scan(&raw); err != nil {
		return nil, translate(op, err)
	}
	v := new(T)
	if err := decode(raw, v); err != nil {
		return nil, translate(op, err)
	}
	return v, nil
}

func getAll[T any](ctx context.Context, s *Store, op, query string, args ...any) (_ []*T, err error) {
	defer func(start time.Time) { s.observe(op, start, err) }(time.Now())
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, translate(op, err)
		}
		v := new(T)
		if err := decode(raw, v); err != nil {
			return nil, translate(op, err)
		}
		out = append(out, v)
	}
	return out, translate(op, rows.Err())
}

func utc(t *time.Time) { *t = t.UTC() }

// --- users

func fixUser(u *account.User) *account.User {
	utc(&u.CreatedAt)
	utc(&u.UpdatedAt)
	return u
}

// InsertUser stores a new account.
func (s *Store) InsertUser(ctx context.Context, u *account.User) error {
	doc, err := encode(u)
	if err != nil {
		return err
	}
	return s.exec(ctx, "insert user", `INSERT INTO users (id, username, doc) VALUES (?, ?, ?)`, u.ID, u.Username, doc)
}

// UserByUsername finds an account by its username.
func (s *Store) UserByUsername(ctx context.Context, username string) (*account.User, error) {
	u, err := getOne[account.User](ctx, s, "find user by username", `SELECT doc FROM users WHERE username = ?`, username)
	if err != nil {
		return nil, err
	}
	return fixUser(u), nil
}

// UserByID finds an account by id.
func (s *Store) UserByID(ctx context.Context, id string) (*account.User, error) {
	u, err := getOne[account.User](ctx, s, "find user by id", `SELECT doc FROM users WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	return fixUser(u), nil
}

// ListUsers returns all accounts by username.
func (s *Store) ListUsers(ctx context.Context) ([]*account.User, error) {
	us, err := getAll[account.User](ctx, s, "list users", `SELECT doc FROM users ORDER BY username`)
	for _, u := range us {
		fixUser(u)
	}
	return us, err
}

// CountUsers counts accounts.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, translate("count users", err)
}

// UpdateUser replaces an account.
func (s *Store) UpdateUser(ctx context.Context, u *account.User) error {
	doc, err := encode(u)
	if err != nil {
		return err
	}
	return s.execMatched(ctx, "update user", `UPDATE users SET username = ?, doc = ? WHERE id = ?`, u.Username, doc, u.ID)
}

// --- forms

func fixForm(f *survey.Form) *survey.Form {
	utc(&f.CreatedAt)
	utc(&f.UpdatedAt)
	return f
}

// Form finds a form record.
func (s *Store) Form(ctx context.Context, id string) (*survey.Form, error) {
	f, err := getOne[survey.Form](ctx, s, "find form", `SELECT doc FROM forms WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	return fixForm(f), nil
}

// Forms lists form records by id.
func (s *Store) Forms(ctx context.Context) ([]*survey.Form, error) {
	fs, err := getAll[survey.Form](ctx, s, "list forms", `SELECT doc FROM forms ORDER BY id`)
	for _, f := range fs {
		fixForm(f)
	}
	return fs, err
}

// CreateForm stores a new form record without versions.
func (s *Store) CreateForm(ctx context.Context, f *survey.Form) error {
	doc, err := encode(f)
	if err != nil {
		return err
	}
	return s.exec(ctx, "create form", `INSERT INTO forms (id, doc) VALUES (?, ?)`, f.ID, doc)
}

// modifyForm reads, changes and writes a form record in one transaction.
func (s *Store) modifyForm(ctx context.Context, op, id string, change func(f *survey.Form, found bool) bool) error {
	return s.write(ctx, func(tx *wtx) error {
		var raw []byte
		f := &survey.Form{}
		err := tx.QueryRow(`SELECT doc FROM forms WHERE id = ?`, id).Scan(&raw)
		found := err == nil
		if err != nil && err != sql.ErrNoRows {
			return translate(op, err)
		}
		if found {
			if err := decode(raw, f); err != nil {
				return translate(op, err)
			}
		}
		if !change(f, found) {
			return translate(op, errNoMatch)
		}
		doc, err := encode(f)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO forms (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, id, doc)
		return translate(op, err)
	})
}

// UpsertForm creates the form record if needed and raises its current
// version; the title follows the current version only.
func (s *Store) UpsertForm(ctx context.Context, id string, title survey.Label, version int, now time.Time) error {
	return s.modifyForm(ctx, "upsert form", id, func(f *survey.Form, found bool) bool {
		if !found {
			*f = survey.Form{ID: id, Status: survey.FormOpen, CreatedAt: now}
		}
		if version > f.CurrentVersion {
			f.CurrentVersion = version
		}
		if f.CurrentVersion == version {
			f.Title, f.UpdatedAt = title, now
		}
		return true
	})
}

// SetFormStatus opens or closes a form.
func (s *Store) SetFormStatus(ctx context.Context, id string, status survey.FormStatus, now time.Time) error {
	return s.modifyForm(ctx, "set form status", id, func(f *survey.Form, found bool) bool {
		f.Status, f.UpdatedAt = status, now
		return found
	})
}

func fixVersion(v *survey.FormVersion) *survey.FormVersion {
	utc(&v.PublishedAt)
	return v
}

// InsertVersion stores a new form version.
func (s *Store) InsertVersion(ctx context.Context, v *survey.FormVersion) error {
	doc, err := encode(v)
	if err != nil {
		return err
	}
	return s.exec(ctx, "insert form version", `INSERT INTO form_versions (form, version, doc) VALUES (?, ?, ?)`, v.FormID, v.Version, doc)
}

// Version finds one version of a form.
func (s *Store) Version(ctx context.Context, form string, n int) (*survey.FormVersion, error) {
	v, err := getOne[survey.FormVersion](ctx, s, "find form version", `SELECT doc FROM form_versions WHERE form = ? AND version = ?`, form, n)
	if err != nil {
		return nil, err
	}
	return fixVersion(v), nil
}

// LatestVersion finds the highest version of a form.
func (s *Store) LatestVersion(ctx context.Context, form string) (*survey.FormVersion, error) {
	v, err := getOne[survey.FormVersion](ctx, s, "find latest form version",
		`SELECT doc FROM form_versions WHERE form = ? ORDER BY version DESC LIMIT 1`, form)
	if err != nil {
		return nil, err
	}
	return fixVersion(v), nil
}

// Draft finds a form's draft.
func (s *Store) Draft(ctx context.Context, form string) (*survey.Draft, error) {
	d, err := getOne[survey.Draft](ctx, s, "find form draft", `SELECT doc FROM form_drafts WHERE form = ?`, form)
	if err != nil {
		return nil, err
	}
	utc(&d.UpdatedAt)
	return d, nil
}

// PutDraft creates or replaces a form's draft.
func (s *Store) PutDraft(ctx context.Context, d *survey.Draft) error {
	doc, err := encode(d)
	if err != nil {
		return err
	}
	return s.exec(ctx, "put form draft", `INSERT INTO form_drafts (form, hash, doc) VALUES (?, ?, ?)
		ON CONFLICT (form) DO UPDATE SET hash = excluded.hash, doc = excluded.doc`, d.FormID, d.Hash, doc)
}

// DeleteDraft removes a form's draft, only if its hash is hash when hash
// is not empty.
func (s *Store) DeleteDraft(ctx context.Context, form, hash string) error {
	if hash == "" {
		return s.execMatched(ctx, "delete form draft", `DELETE FROM form_drafts WHERE form = ?`, form)
	}
	return s.execMatched(ctx, "delete form draft", `DELETE FROM form_drafts WHERE form = ? AND hash = ?`, form, hash)
}

// --- refresh tokens and enrollments

func fixRefresh(t *account.RefreshToken) *account.RefreshToken {
	utc(&t.CreatedAt)
	utc(&t.ExpiresAt)
	t.UsedAt, t.RevokedAt = utcPtr(t.UsedAt), utcPtr(t.RevokedAt)
	return t
}

// InsertRefresh stores a refresh token's hash.
func (s *Store) InsertRefresh(ctx context.Context, t *account.RefreshToken) error {
	doc, err := encode(t)
	if err != nil {
		return err
	}
	return s.exec(ctx, "insert refresh token", `INSERT INTO refresh_tokens (hash, family, user_id, device_id, used_at, revoked_at, expires_at, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.Hash, t.Family, t.UserID, t.DeviceID, msPtr(t.UsedAt), msPtr(t.RevokedAt), ms(t.ExpiresAt), doc)
}

// refreshSelect reads a token with its columns, which are the truth for
// its use and revocation.
const refreshSelect = `SELECT doc, used_at, revoked_at FROM refresh_tokens`

func (s *Store) refreshTokens(ctx context.Context, op, where string, args ...any) ([]*account.RefreshToken, error) {
	rows, err := s.r.QueryContext(ctx, refreshSelect+" WHERE "+where, args...)
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	var out []*account.RefreshToken
	for rows.Next() {
		var raw []byte
		var used, revoked sql.NullInt64
		if err := rows.Scan(&raw, &used, &revoked); err != nil {
			return nil, translate(op, err)
		}
		t := &account.RefreshToken{}
		if err := decode(raw, t); err != nil {
			return nil, translate(op, err)
		}
		t.UsedAt, t.RevokedAt = nullTime(used), nullTime(revoked)
		out = append(out, fixRefresh(t))
	}
	return out, translate(op, rows.Err())
}

func nullTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// RefreshByHash finds a refresh token by its hash.
func (s *Store) RefreshByHash(ctx context.Context, hash string) (*account.RefreshToken, error) {
	ts, err := s.refreshTokens(ctx, "find refresh token", "hash = ?", hash)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, translate("find refresh token", sql.ErrNoRows)
	}
	return ts[0], nil
}

// UseRefresh marks an unused, unrevoked token used: a compare-and-set,
// so of two concurrent uses one wins.
func (s *Store) UseRefresh(ctx context.Context, hash string, at time.Time) error {
	return s.execMatched(ctx, "use refresh token",
		`UPDATE refresh_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND revoked_at IS NULL`, ms(at), hash)
}

// RevokeRefreshFamily revokes every token of a family.
func (s *Store) RevokeRefreshFamily(ctx context.Context, family string, at time.Time) error {
	return s.exec(ctx, "revoke refresh family", `UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL`, ms(at), family)
}

// RefreshFamilyLive reports whether a family has a token not revoked.
func (s *Store) RefreshFamilyLive(ctx context.Context, family string) (_ bool, err error) {
	defer func(start time.Time) { s.observe("find refresh family", start, err) }(time.Now())
	var live bool
	err = s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family = ? AND revoked_at IS NULL)`, family).Scan(&live)
	return live, translate("find refresh family", err)
}

// RevokeUserRefresh revokes every token of a user.
func (s *Store) RevokeUserRefresh(ctx context.Context, userID string, at time.Time) error {
	return s.exec(ctx, "revoke user refresh tokens", `UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, ms(at), userID)
}

// DeviceTokens returns a user's unrevoked device-bound refresh tokens.
func (s *Store) DeviceTokens(ctx context.Context, userID string) ([]*account.RefreshToken, error) {
	return s.refreshTokens(ctx, "find device tokens", "user_id = ? AND device_id != '' AND revoked_at IS NULL", userID)
}

// RevokeDevice revokes every token of a user on a device.
func (s *Store) RevokeDevice(ctx context.Context, userID, deviceID string, at time.Time) error {
	return s.exec(ctx, "revoke device", `UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND device_id = ? AND revoked_at IS NULL`,
		ms(at), userID, deviceID)
}

// InsertEnrollment stores an enrollment code's hash.
func (s *Store) InsertEnrollment(ctx context.Context, e *account.Enrollment) error {
	doc, err := encode(e)
	if err != nil {
		return err
	}
	return s.exec(ctx, "insert enrollment", `INSERT INTO enrollments (hash, used_at, expires_at, doc) VALUES (?, ?, ?, ?)`,
		e.Hash, msPtr(e.UsedAt), ms(e.ExpiresAt), doc)
}

// EnrollmentByHash finds an enrollment by its code's hash.
func (s *Store) EnrollmentByHash(ctx context.Context, hash string) (*account.Enrollment, error) {
	var raw []byte
	var used sql.NullInt64
	var dev sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT doc, used_at, device FROM enrollments WHERE hash = ?`, hash).Scan(&raw, &used, &dev)
	if err != nil {
		return nil, translate("find enrollment", err)
	}
	e := &account.Enrollment{}
	if err := decode(raw, e); err != nil {
		return nil, translate("find enrollment", err)
	}
	utc(&e.CreatedAt)
	utc(&e.ExpiresAt)
	e.UsedAt = nullTime(used)
	if dev.Valid {
		e.DeviceID = dev.String
	}
	return e, nil
}

// UseEnrollment marks an unused code used by a device: a compare-and-set.
func (s *Store) UseEnrollment(ctx context.Context, hash, deviceID string, at time.Time) error {
	return s.execMatched(ctx, "use enrollment", `UPDATE enrollments SET used_at = ?, device = ? WHERE hash = ? AND used_at IS NULL`,
		ms(at), deviceID, hash)
}

// --- audit

// auditDoc is an audit entry's document; its details keep their types as
// answers do (see answers.go).
type auditDoc struct {
	Role         string         `json:"role,omitempty"`
	Target       string         `json:"target,omitempty"`
	Details      map[string]any `json:"details,omitempty"`
	DetailsTimes []string       `json:"details_times,omitempty"`
}

func encodeAudit(e *survey.AuditEntry) (string, error) {
	d := auditDoc{Role: string(e.Role), Target: e.Target}
	if e.Details != nil {
		var err error
		if d.Details, d.DetailsTimes, err = jsonAnswers(e.Details); err != nil {
			return "", fmt.Errorf("encode audit entry: %w", err)
		}
	}
	return encode(d)
}

func decodeAudit(raw []byte, d *auditDoc) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(d); err != nil {
		return err
	}
	if d.Details == nil {
		return nil
	}
	if err := plainObject(d.Details); err != nil {
		return err
	}
	return setTimes(d.Details, d.DetailsTimes)
}

// AppendAudit inserts one audit entry.
func (s *Store) AppendAudit(ctx context.Context, e *survey.AuditEntry) error {
	e.ID = uuid.NewString()
	doc, err := encodeAudit(e)
	if err != nil {
		return err
	}
	return s.exec(ctx, "append audit entry", `INSERT INTO audit (id, at, user_id, username, action, doc) VALUES (?, ?, ?, ?, ?, ?)`,
		e.ID, ms(e.At), e.UserID, e.Username, e.Action, doc)
}

// ListAudit returns entries newest first, (at, id) descending.
func (s *Store) ListAudit(ctx context.Context, q survey.AuditQuery) ([]*survey.AuditEntry, error) {
	w := &where{}
	if q.Action != "" {
		w.add("action = ?", q.Action)
	}
	if q.User != "" {
		w.add("(user_id = ? OR username = ?)", q.User, q.User)
	}
	if !q.From.IsZero() {
		w.add("at >= ?", ms(q.From))
	}
	if !q.To.IsZero() {
		w.add("at <= ?", ms(q.To))
	}
	if q.After != nil {
		w.add("(at < ? OR (at = ? AND id < ?))", ms(q.After.At), ms(q.After.At), q.After.ID)
	}
	rows, err := s.r.QueryContext(ctx, "SELECT id, at, user_id, username, action, doc FROM audit"+w.sql()+" ORDER BY at DESC, id DESC LIMIT ?",
		append(w.args, q.Limit)...)
	if err != nil {
		return nil, translate("list audit entries", err)
	}
	defer rows.Close()
	var out []*survey.AuditEntry
	for rows.Next() {
		var e survey.AuditEntry
		var at int64
		var raw []byte
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Username, &e.Action, &raw); err != nil {
			return nil, translate("list audit entries", err)
		}
		var d auditDoc
		if err := decodeAudit(raw, &d); err != nil {
			return nil, translate("list audit entries", err)
		}
		e.At, e.Role, e.Target, e.Details = fromMS(at), survey.Role(d.Role), d.Target, d.Details
		out = append(out, &e)
	}
	return out, translate("list audit entries", rows.Err())
}

// --- webhooks

func fixWebhook(h *survey.Webhook, cursor string) *survey.Webhook {
	utc(&h.CreatedAt)
	h.Cursor = cursor
	return h
}

// InsertWebhook stores a new webhook.
func (s *Store) InsertWebhook(ctx context.Context, h *survey.Webhook) error {
	doc, err := encode(h)
	if err != nil {
		return err
	}
	return s.exec(ctx, "insert webhook", `INSERT INTO webhooks (id, created_at, cursor, doc) VALUES (?, ?, ?, ?)`, h.ID, ms(h.CreatedAt), h.Cursor, doc)
}

func (s *Store) webhooks(ctx context.Context, op, query string, args ...any) ([]*survey.Webhook, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	var out []*survey.Webhook
	for rows.Next() {
		var raw []byte
		var cursor string
		if err := rows.Scan(&raw, &cursor); err != nil {
			return nil, translate(op, err)
		}
		h := &survey.Webhook{}
		if err := decode(raw, h); err != nil {
			return nil, translate(op, err)
		}
		out = append(out, fixWebhook(h, cursor))
	}
	return out, translate(op, rows.Err())
}

// Webhooks lists every webhook.
func (s *Store) Webhooks(ctx context.Context) ([]*survey.Webhook, error) {
	return s.webhooks(ctx, "list webhooks", `SELECT doc, cursor FROM webhooks ORDER BY created_at, id`)
}

// Webhook finds one webhook.
func (s *Store) Webhook(ctx context.Context, id string) (*survey.Webhook, error) {
	hs, err := s.webhooks(ctx, "find webhook", `SELECT doc, cursor FROM webhooks WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(hs) == 0 {
		return nil, translate("find webhook", sql.ErrNoRows)
	}
	return hs[0], nil
}

// DeleteWebhook removes a webhook and its pending deliveries (the log of
// what was delivered stays), in one transaction.
func (s *Store) DeleteWebhook(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *wtx) error {
		if _, err := tx.Exec(`DELETE FROM webhooks WHERE id = ?`, id); err != nil {
			return translate("delete webhook", err)
		}
		_, err := tx.Exec(`DELETE FROM webhook_deliveries WHERE hook = ? AND state = ?`, id, survey.DeliveryPending)
		return translate("delete webhook deliveries", err)
	})
}

// SetWebhookCursor records how far a webhook has read the change feed.
func (s *Store) SetWebhookCursor(ctx context.Context, id, cursor string) error {
	return s.exec(ctx, "advance webhook", `UPDATE webhooks SET cursor = ? WHERE id = ?`, cursor, id)
}

func fixDelivery(d *survey.Delivery) *survey.Delivery {
	utc(&d.NextAt)
	utc(&d.CreatedAt)
	utc(&d.Event.At)
	utc(&d.Event.SurveyDate)
	d.DeliveredAt = utcPtr(d.DeliveredAt)
	return d
}

// InsertDelivery adds an entry to the outbox.
func (s *Store) InsertDelivery(ctx context.Context, d *survey.Delivery) error {
	doc, err := encode(d)
	if err != nil {
		return err
	}
	return s.exec(ctx, "insert delivery", `INSERT INTO webhook_deliveries (id, hook, state, next_at, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)`,
		d.ID, d.Hook, d.State, ms(d.NextAt), ms(d.CreatedAt), doc)
}

// DueDeliveries returns pending deliveries due at now.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]*survey.Delivery, error) {
	ds, err := getAll[survey.Delivery](ctx, s, "list deliveries",
		`SELECT doc FROM webhook_deliveries WHERE state = ? AND next_at <= ? ORDER BY next_at, id LIMIT ?`, survey.DeliveryPending, ms(now), limit)
	for _, d := range ds {
		fixDelivery(d)
	}
	return ds, err
}

// PendingDeliveries counts the pending deliveries, on the
// webhook_deliveries_due index (state first): the rows are not read.
func (s *Store) PendingDeliveries(ctx context.Context) (n int64, err error) {
	defer func(start time.Time) { s.observe("count pending deliveries", start, err) }(time.Now())
	err = s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_deliveries WHERE state = ?`, survey.DeliveryPending).Scan(&n)
	return n, translate("count pending deliveries", err)
}

// UpdateDelivery records an attempt.
func (s *Store) UpdateDelivery(ctx context.Context, d *survey.Delivery) error {
	doc, err := encode(d)
	if err != nil {
		return err
	}
	return s.exec(ctx, "update delivery", `UPDATE webhook_deliveries SET state = ?, next_at = ?, doc = ? WHERE id = ?`,
		d.State, ms(d.NextAt), doc, d.ID)
}

// Deliveries returns a webhook's latest deliveries.
func (s *Store) Deliveries(ctx context.Context, hook string, limit int) ([]*survey.Delivery, error) {
	ds, err := getAll[survey.Delivery](ctx, s, "list deliveries",
		`SELECT doc FROM webhook_deliveries WHERE hook = ? ORDER BY created_at DESC, id DESC LIMIT ?`, hook, limit)
	for _, d := range ds {
		fixDelivery(d)
	}
	return ds, err
}
