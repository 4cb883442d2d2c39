package storetest

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/survey"
)

func testRecords(t *testing.T, s Stores) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	u := &account.User{ID: uuid.NewString(), Username: "lan", DisplayName: "Nguyễn Thị Lan", Role: survey.RoleCollector, Units: []string{"00004"},
		PasswordHash: "x", CreatedAt: now, UpdatedAt: now}
	if err := s.InsertUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	u2 := *u
	u2.ID = uuid.NewString()
	if err := s.InsertUser(ctx, &u2); !errors.Is(err, survey.ErrDuplicate) {
		t.Errorf("a second user named lan: %v, want ErrDuplicate", err)
	}
	if got, err := s.UserByUsername(ctx, "lan"); err != nil || got.ID != u.ID || got.DisplayName != u.DisplayName || !got.CreatedAt.Equal(now) {
		t.Errorf("user by name: %+v, %v", got, err)
	}
	if _, err := s.UserByID(ctx, "nobody"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("missing user: %v, want ErrNotFound", err)
	}
	if err := s.UpdateUser(ctx, &account.User{ID: "nobody", Username: "x"}); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("update of a missing user: %v, want ErrNotFound", err)
	}
	if n, err := s.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("count users: %d, %v", n, err)
	}

	// Forms: the current version only rises; the title follows it.
	title := survey.Label{VI: "Hộ gia đình", EN: "Household"}
	for _, v := range []int{1, 3, 2} {
		if err := s.UpsertForm(ctx, "household", survey.Label{VI: title.VI, EN: title.EN + string(rune('0'+v))}, v, now); err != nil {
			t.Fatal(err)
		}
	}
	f, err := s.Form(ctx, "household")
	if err != nil || f.CurrentVersion != 3 || f.Title.EN != "Household3" || f.Status != survey.FormOpen {
		t.Errorf("form after upserts 1, 3, 2: %+v, %v", f, err)
	}
	v := &survey.FormVersion{FormID: "household", Version: 1, Schema: []byte(`{"$id":"x"}`), Hash: "h", PublishedAt: now}
	if err := s.InsertVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertVersion(ctx, v); !errors.Is(err, survey.ErrDuplicate) {
		t.Errorf("same version twice: %v, want ErrDuplicate", err)
	}
	if got, err := s.LatestVersion(ctx, "household"); err != nil || string(got.Schema) != `{"$id":"x"}` {
		t.Errorf("latest version: %+v, %v", got, err)
	}
	if err := s.SetFormStatus(ctx, "nosuch", survey.FormClosed, now); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("status of a missing form: %v", err)
	}
	if err := s.PutDraft(ctx, &survey.Draft{FormID: "household", Schema: []byte("{}"), Hash: "d1", UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDraft(ctx, "household", "other"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("delete a draft of another hash: %v", err)
	}
	if err := s.DeleteDraft(ctx, "household", "d1"); err != nil {
		t.Errorf("delete draft: %v", err)
	}

	// Refresh tokens: revoked and used ones cannot be used.
	tok := &account.RefreshToken{Hash: uuid.NewString(), Family: "f1", UserID: u.ID, DeviceID: "phone-1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.InsertRefresh(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if ds, err := s.DeviceTokens(ctx, u.ID); err != nil || len(ds) != 1 {
		t.Errorf("device tokens: %d, %v", len(ds), err)
	}
	if err := s.RevokeRefreshFamily(ctx, "f1", now); err != nil {
		t.Fatal(err)
	}
	if err := s.UseRefresh(ctx, tok.Hash, now); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("use of a revoked token: %v, want ErrNotFound", err)
	}
	if got, err := s.RefreshByHash(ctx, tok.Hash); err != nil || got.RevokedAt == nil {
		t.Errorf("revoked token read back: %+v, %v", got, err)
	}

	// Audit: newest first, filtered, paged.
	for i, a := range []string{"login.success", "export", "login.success"} {
		if err := s.AppendAudit(ctx, &survey.AuditEntry{At: now.Add(time.Duration(i) * time.Second), UserID: u.ID, Username: "lan", Role: survey.RoleCollector,
			Action: a, Target: "t", Details: map[string]any{"n": int64(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := s.ListAudit(ctx, survey.AuditQuery{Action: "login.success", Limit: 1})
	if err != nil || len(es) != 1 || es[0].Details["n"] != int64(2) {
		t.Fatalf("audit: %+v, %v", es, err)
	}
	es, err = s.ListAudit(ctx, survey.AuditQuery{Action: "login.success", After: &survey.AuditKey{At: es[0].At, ID: es[0].ID}, Limit: 10})
	if err != nil || len(es) != 1 || es[0].Details["n"] != int64(0) {
		t.Errorf("audit second page: %+v, %v", es, err)
	}

	// Webhooks and their outbox.
	h := &survey.Webhook{ID: uuid.NewString(), URL: "https://example.org/h", Secret: "s", Events: []string{"create"}, Owner: survey.Actor{UserID: u.ID, Role: survey.RoleManager}, CreatedAt: now}
	if err := s.InsertWebhook(ctx, h); err != nil {
		t.Fatal(err)
	}
	if err := s.SetWebhookCursor(ctx, h.ID, "c1"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Webhook(ctx, h.ID); err != nil || got.Cursor != "c1" || got.Owner.UserID != u.ID {
		t.Errorf("webhook: %+v, %v", got, err)
	}
	d := &survey.Delivery{ID: h.ID + "/1", Hook: h.ID, Event: survey.Event{Seq: 1, Kind: "create"}, State: survey.DeliveryPending, NextAt: now, CreatedAt: now}
	if err := s.InsertDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertDelivery(ctx, d); !errors.Is(err, survey.ErrDuplicate) {
		t.Errorf("the same delivery twice: %v, want ErrDuplicate", err)
	}
	if due, err := s.DueDeliveries(ctx, now, 10); err != nil || len(due) != 1 {
		t.Errorf("due: %d, %v", len(due), err)
	}
	d.State = survey.DeliveryDelivered
	if err := s.UpdateDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueDeliveries(ctx, now, 10); len(due) != 0 {
		t.Errorf("a delivered delivery is still due")
	}
	if err := s.DeleteWebhook(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Webhook(ctx, h.ID); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("deleted webhook: %v", err)
	}
}

func testAttachments(t *testing.T, s Stores) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i, body := range []string{"first", "second"} {
		a := &survey.Attachment{SubmissionID: "s1", Name: "photo.jpg", ContentType: "image/jpeg", Size: int64(len(body)), SHA256: body, UploadedAt: now.Add(time.Duration(i) * time.Second), UploadedBy: "lan"}
		if _, err := s.PutAttachment(ctx, a, []byte(body), survey.AttachmentLimit{}); err != nil {
			t.Fatal(err)
		}
	}
	a, rc, err := s.OpenAttachment(ctx, "s1", "photo.jpg")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "second" || a.SHA256 != "second" {
		t.Errorf("latest upload: %q %+v", b, a)
	}
	if as, err := s.Attachments(ctx, "s1"); err != nil || len(as) != 1 {
		t.Errorf("attachments: %+v, %v", as, err)
	}
	if _, _, err := s.OpenAttachment(ctx, "s1", "none.jpg"); !errors.Is(err, survey.ErrNotFound) {
		t.Errorf("missing attachment: %v", err)
	}
}
