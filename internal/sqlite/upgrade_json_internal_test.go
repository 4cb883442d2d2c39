package sqlite

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/mongo"
	"github.com/khaosat/khaosat/internal/survey"
)

// testdata/v5.db is a database of schema version 5, its documents in
// BSON, written by khaosat at commit 90cea30 through its own Store:
// TestWriteV5Database run there (KHAOSAT_WRITE_V5=<file>) wrote v5Records
// into it. The test below opens a copy with this version.

// at is a time as both versions keep it: UTC, whole milliseconds.
func at(day, ms int) time.Time {
	return time.Date(2026, time.March, day, 8, 30, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
}

func ptr[T any](v T) *T { return &v }

type v5Set struct {
	users       []*account.User
	form        *survey.Form
	version     *survey.FormVersion
	draft       *survey.Draft
	subs        []*survey.Submission
	edited      *survey.Submission // the second revision of subs[0], kept as history
	comment     *survey.Comment
	audit       *survey.AuditEntry
	token       *account.RefreshToken
	enrollment  *account.Enrollment
	hook        *survey.Webhook
	delivery    *survey.Delivery
	attachment  *survey.Attachment
	attachBytes []byte
}

// v5Records are the records of every kind a version 5 database keeps,
// with answers of every storage type.
func v5Records() v5Set {
	dob := time.Date(2015, time.June, 7, 0, 0, 0, 0, time.UTC)
	answers := map[string]any{
		"full_name":     "Nguyễn Thị Lan",
		"looks_like":    "2015-06-07T00:00:00Z", // text that reads as a time stays text
		"members_total": int64(4),
		"big":           int64(1) << 60, // past float64's exact integers
		"weight":        float64(21),    // integral, yet a number
		"height":        121.5,
		"date_of_birth": dob,
		"in_school":     true,
		"note":          nil,
		"support":       []any{"medical", "cash"},
		"a/b~c":         "a key a pointer must escape",
		"children": []any{
			map[string]any{"name": "An", "dob": dob.AddDate(2, 0, 0), "age": int64(8), "scores": []any{int64(1), 2.5}},
			map[string]any{"name": "Bình", "dob": dob.AddDate(4, 1, 3), "age": int64(6), "scores": []any{}},
		},
		"empty": map[string]any{},
	}
	accuracy := 4.5
	first := &survey.Submission{
		ID: "0b6f3f52-5d0a-4a57-9d43-2a9f4d1c0e11", FormID: "household", FormVersion: 1, Unit: "00004",
		SurveyDate: time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC), StartedAt: ptr(at(1, 7)), EndedAt: ptr(at(1, 120)),
		DeviceID: "phone-1", Location: &survey.Location{Lat: 21.0285, Lon: 105.8542, Accuracy: &accuracy}, Data: answers,
		Collector: "u1", CollectorName: "lan", ReceivedAt: at(2, 1), UpdatedAt: at(2, 1), Revision: 1, ReviewState: "received",
		ContentHash: "c0ffee", Sealed: &survey.SealedAnswers{KeyID: "k1", Box: []byte{0, 1, 2, 254, 255, 'x'}},
	}
	second := &survey.Submission{
		ID: "1c7a4e63-6e1b-4b68-8e54-3b0a5e2d1f22", FormID: "household", FormVersion: 1, Unit: "00005",
		SurveyDate: time.Date(2026, time.March, 3, 0, 0, 0, 0, time.UTC), Data: map[string]any{"members_total": int64(2)},
		Collector: "u1", CollectorName: "lan", ReceivedAt: at(3, 999), UpdatedAt: at(4, 10), UpdatedBy: "mai", Revision: 3,
		ReviewState: "approved", ContentHash: "beef",
		LastReview: &survey.ReviewNote{State: "approved", Comment: "đúng", At: at(4, 10), By: "u2", ByName: "mai"},
		DeletedAt:  ptr(at(5, 0)), DeletedBy: "mai",
	}
	edited := *first
	edited.Revision, edited.UpdatedAt, edited.UpdatedBy = 2, at(6, 5), "mai"
	edited.Data = map[string]any{"members_total": int64(5), "date_of_birth": dob}
	return v5Set{
		users: []*account.User{
			{ID: "u1", Username: "lan", DisplayName: "Lan", Role: "collector", Units: []string{"00004", "00005"}, PasswordHash: "$argon2id$x",
				SessionGen: 3, CreatedAt: at(1, 0), UpdatedAt: at(1, 5)},
			{ID: "u2", Username: "mai", DisplayName: "Mai", Role: "supervisor", SensitiveAccess: true, PersonalAccess: true, Disabled: true,
				CreatedAt: at(1, 1), UpdatedAt: at(1, 1)},
		},
		form: &survey.Form{ID: "household", Title: survey.Label{VI: "Hộ gia đình", EN: "Household"}, Status: "active", CurrentVersion: 1,
			CreatedAt: at(1, 0), UpdatedAt: at(1, 0)},
		version: &survey.FormVersion{FormID: "household", Version: 1, Title: survey.Label{VI: "Hộ", EN: "Household"},
			Schema: []byte(`{"type":"object"}`), PublishedAt: at(1, 2), Notes: "first"},
		draft:      &survey.Draft{FormID: "household", Title: survey.Label{VI: "Nháp"}, Schema: []byte(`{"type":"object","x":1}`), Hash: "h1", UpdatedAt: at(1, 3)},
		subs:       []*survey.Submission{first, second},
		edited:     &edited,
		comment:    &survey.Comment{ID: "c1", SubmissionID: first.ID, At: at(2, 300), By: "u2", ByName: "mai", Role: "supervisor", Text: "xem lại"},
		audit:      &survey.AuditEntry{At: at(2, 400), UserID: "u2", Username: "mai", Role: "supervisor", Action: "export", Target: "household", Details: map[string]any{"rows": int64(12), "share": 0.5, "whole": float64(3), "since": at(1, 0), "forms": []any{"household"}}},
		token:      &account.RefreshToken{Hash: "t1", Family: "f1", UserID: "u1", CreatedAt: at(2, 0), ExpiresAt: at(30, 0), UsedAt: ptr(at(3, 0))},
		enrollment: &account.Enrollment{Hash: "e1", UserID: "u1", CreatedBy: "u2", CreatedAt: at(2, 0), ExpiresAt: at(9, 0)},
		hook:       &survey.Webhook{ID: "w1", URL: "https://example.org/hook", Events: []string{"submission.created"}, CreatedAt: at(2, 0)},
		delivery: &survey.Delivery{ID: "w1/1", Hook: "w1", Event: survey.Event{Seq: 1, Kind: "submission.created", SubmissionID: first.ID,
			Form: "household", Unit: "00004", SurveyDate: first.SurveyDate, Collector: "u1", Revision: 1, ReviewState: "received", At: at(2, 1), By: "lan"},
			State: "pending", Attempts: 2, NextAt: at(2, 500), LastStatus: 503, LastError: "unavailable", CreatedAt: at(2, 1)},
		attachment:  &survey.Attachment{SubmissionID: first.ID, Name: "photo.jpg", ContentType: "image/jpeg", Size: 3, SHA256: "abc", UploadedAt: at(2, 2)},
		attachBytes: []byte{0xff, 0xd8, 0xff},
	}
}

func (v v5Set) write(ctx context.Context, s *Store) error {
	for _, u := range v.users {
		if err := s.InsertUser(ctx, u); err != nil {
			return err
		}
	}
	steps := []func() error{
		func() error { return s.CreateForm(ctx, v.form) },
		func() error { return s.InsertVersion(ctx, v.version) },
		func() error { return s.PutDraft(ctx, v.draft) },
		func() error {
			return s.CreateSubmission(ctx, v.subs[0], &survey.Event{Kind: "submission.created", SubmissionID: v.subs[0].ID, Form: "household",
				Unit: "00004", SurveyDate: v.subs[0].SurveyDate, Collector: "u1", Revision: 1, ReviewState: "received", At: at(2, 1), By: "lan"}, nil)
		},
		func() error { return s.LoadSubmissions(ctx, v.subs[1:], nil) },
		func() error {
			return s.UpdateSubmission(ctx, &survey.SubmissionChange{Next: v.edited, History: v.subs[0],
				Match: survey.Match{Revision: 1, ReviewState: "received"}, Comment: v.comment,
				Event: &survey.Event{Kind: "submission.updated", SubmissionID: v.edited.ID, Form: "household", Unit: "00004",
					SurveyDate: v.edited.SurveyDate, Collector: "u1", Revision: 2, ReviewState: "received", At: at(6, 5), By: "mai"}})
		},
		func() error { return s.AppendAudit(ctx, v.audit) },
		func() error { return s.InsertRefresh(ctx, v.token) },
		func() error { return s.InsertEnrollment(ctx, v.enrollment) },
		func() error { return s.InsertWebhook(ctx, v.hook) },
		func() error { return s.InsertDelivery(ctx, v.delivery) },
		func() error {
			_, err := s.PutAttachment(ctx, v.attachment, v.attachBytes, survey.AttachmentLimit{Files: 10, Bytes: 1 << 20, DayBytes: 1 << 20, Day: "2026-03-02"})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// check reads every record of v back from s and reports how it differs.
func (v v5Set) check(t *testing.T, ctx context.Context, s *Store) {
	t.Helper()
	same := func(what string, want, got any, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
	}
	for _, u := range v.users {
		got, err := s.UserByID(ctx, u.ID)
		same("user "+u.ID, u, got, err)
	}
	f, err := s.Form(ctx, v.form.ID)
	same("form", v.form, f, err)
	fv, err := s.Version(ctx, v.version.FormID, v.version.Version)
	same("form version", v.version, fv, err)
	d, err := s.Draft(ctx, v.draft.FormID)
	same("draft", v.draft, d, err)
	sub, err := s.Submission(ctx, v.edited.ID)
	same("edited submission", v.edited, sub, err)
	sub, err = s.Submission(ctx, v.subs[1].ID)
	same("deleted submission", v.subs[1], sub, err)
	hist, err := s.History(ctx, v.subs[0].ID)
	same("kept revision", []*survey.Submission{v.subs[0]}, hist, err)
	var scanned []*survey.Submission
	err = s.EachSubmission(ctx, func(sub *survey.Submission) error { scanned = append(scanned, sub); return nil })
	same("scanned submissions", []*survey.Submission{v.edited, v.subs[1]}, scanned, err)
	cs, err := s.Comments(ctx, v.subs[0].ID)
	same("comments", []*survey.Comment{v.comment}, cs, err)
	as, err := s.ListAudit(ctx, survey.AuditQuery{Limit: 10})
	if err == nil && len(as) == 1 {
		as[0].ID = v.audit.ID // the store names an entry when it appends it
	}
	same("audit", []*survey.AuditEntry{v.audit}, as, err)
	tok, err := s.RefreshByHash(ctx, v.token.Hash)
	same("refresh token", v.token, tok, err)
	e, err := s.EnrollmentByHash(ctx, v.enrollment.Hash)
	same("enrollment", v.enrollment, e, err)
	h, err := s.Webhook(ctx, v.hook.ID)
	same("webhook", v.hook, h, err)
	ds, err := s.Deliveries(ctx, v.hook.ID, 10)
	same("deliveries", []*survey.Delivery{v.delivery}, ds, err)
	a, body, err := s.OpenAttachment(ctx, v.attachment.SubmissionID, v.attachment.Name)
	same("attachment", v.attachment, a, err)
	if err == nil {
		b, _ := io.ReadAll(body)
		body.Close()
		same("attachment body", v.attachBytes, b, nil)
	}
}

// TestWriteV5Database writes testdata/v5.db: run on khaosat 90cea30 only
// (schema version 5), with KHAOSAT_WRITE_V5 naming the file to write.
func TestWriteV5Database(t *testing.T) {
	file := os.Getenv("KHAOSAT_WRITE_V5")
	if file == "" {
		t.Skip("KHAOSAT_WRITE_V5 not set: testdata/v5.db is written by the version it stands for")
	}
	if names, _ := fs.Glob(migrations, "migrations/*.sql"); len(names) != 5 {
		t.Fatalf("this version has %d migrations: testdata/v5.db is written by a version of 5", len(names))
	}
	ctx := context.Background()
	s, err := Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	v := v5Records()
	if err := v.write(ctx, s); err != nil {
		t.Fatal(err)
	}
	v.check(t, ctx, s) // what that version reads back is what this one must
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func copyV5(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "v5.db"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestUpgradeToJSON: a database written by version 5 (documents in BSON)
// is opened by this version: migration 0006 stores every document as
// JSON text, every record reads back as version 5 read it, SQLite reads
// the answers itself, and a second open changes nothing.
func TestUpgradeToJSON(t *testing.T) {
	ctx := context.Background()
	file := copyV5(t)
	s, err := Open(ctx, file, ReadingBSON(mongo.PlainDocument))
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	var version int
	if err := s.r.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != len(names) || version < 6 {
		t.Fatalf("schema version %d (%v), want %d", version, err, len(names))
	}
	for _, tbl := range docTables {
		var blobs, rows int
		if err := s.r.QueryRow(`SELECT count(*), count(*) FILTER (WHERE typeof(doc) != 'text' OR NOT json_valid(doc)) FROM `+tbl.name).Scan(&rows, &blobs); err != nil {
			t.Fatal(err)
		}
		if rows == 0 || blobs != 0 {
			t.Errorf("%s: %d rows, %d of them not JSON text", tbl.name, rows, blobs)
		}
	}
	v := v5Records()
	v.check(t, ctx, s)

	// SQLite reads the answers: an integer, a real, a date, an element.
	var members, dob string
	err = s.r.QueryRow(`SELECT json_extract(doc, '$.data.members_total'), json_extract(doc, '$.data.date_of_birth')
		FROM submissions WHERE id = ?`, v.edited.ID).Scan(&members, &dob)
	if err != nil || members != "5" || dob != "2015-06-07T00:00:00.000Z" {
		t.Errorf("answers read by SQLite: members_total %q, date_of_birth %q (%v)", members, dob, err)
	}
	var members2, weight, child string
	err = s.r.QueryRow(`SELECT json_type(doc, '$.data.members_total'), json_type(doc, '$.data.weight'), json_extract(doc, '$.data.children[1].name')
		FROM submission_history`).Scan(&members2, &weight, &child)
	if err != nil || members2 != "integer" || weight != "real" || child != "Bình" {
		t.Errorf("kept revision read by SQLite: members_total %q, weight (21.0) %q, second child %q (%v)", members2, weight, child, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Opened again, without a BSON reader: nothing is left to convert.
	s, err = Open(ctx, file)
	if err != nil {
		t.Fatalf("a second open: %v", err)
	}
	v.check(t, ctx, s)
	s.Close()
}

// TestUpgradeToJSONNeedsReader: version 5 documents are not opened
// without a BSON reader, and the database stays at version 5, unchanged.
func TestUpgradeToJSONNeedsReader(t *testing.T) {
	ctx := context.Background()
	file := copyV5(t)
	if s, err := Open(ctx, file); !errors.Is(err, errNeedsBSON) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("opened without a BSON reader: %v, want %v", err, errNeedsBSON)
	}
	s, err := Open(ctx, file, ReadingBSON(mongo.PlainDocument))
	if err != nil {
		t.Fatalf("opened with one after: %v", err)
	}
	defer s.Close()
	v5Records().check(t, ctx, s)
}

// TestAnswersKeepTheirTypes: answers of every storage type, stored and
// read back by this version, are what was stored.
func TestAnswersKeepTheirTypes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v := v5Records()
	if err := v.write(ctx, s); err != nil {
		t.Fatal(err)
	}
	v.check(t, ctx, s)
}

// TestAuditDetailsOfAnyType: audit details are not storage-form answers
// (a list of unit codes is a []string); they are kept, and read back as
// plain values, as BSON gave them.
func TestAuditDetailsOfAnyType(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := &survey.AuditEntry{At: at(1, 0), Username: "admin", Action: "user.create",
		Details: map[string]any{"units": []string{"00004", "00005"}, "n": 3, "role": survey.Role("admin")}}
	if err := s.AppendAudit(ctx, e); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAudit(ctx, survey.AuditQuery{Limit: 1})
	if err != nil || len(got) != 1 {
		t.Fatalf("%v, %v", got, err)
	}
	want := map[string]any{"units": []any{"00004", "00005"}, "n": int64(3), "role": "admin"}
	if diff := cmp.Diff(want, got[0].Details); diff != "" {
		t.Errorf("details (-want +got):\n%s", diff)
	}
}
