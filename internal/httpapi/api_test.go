package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/app"
	"github.com/khaosat/khaosat/internal/httpapi"
	"github.com/khaosat/khaosat/internal/password"
	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/survey"
	"github.com/khaosat/khaosat/internal/token"
)

const adminPassword = "mật-khẩu-quản-trị-thử"

// api is the whole HTTP API over a fresh SQLite database, on a real
// listener.
type api struct {
	t     testing.TB
	url   string
	db    *app.DB
	admin string // the administrator's access token
}

// newAPI starts the API as serve wires it: real domain services over a
// SQLite file in a temporary directory, the shipped forms published. Three
// failed logins of one account are throttled.
func newAPI(t testing.TB) *api {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := app.Open(ctx, app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	key, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := seal.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.Build(ctx, db.Store, app.Config{Log: log, Hasher: password.New(password.Default), Publish: true,
		Protection: survey.Protection{Sealer: ring, HashKey: bytes.Repeat([]byte("k"), 32)},
		Throttle:   &account.Throttle{PerAccount: 3, PerAddress: 1000, Window: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Accounts.EnsureAdmin(ctx, adminPassword, log); err != nil {
		t.Fatal(err)
	}
	signer, err := token.NewSigner(15*time.Minute, bytes.Repeat([]byte("s"), 32))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Deps{Log: log, Accounts: svc.Accounts, Catalog: svc.Catalog, Intake: svc.Intake,
		Units: svc.Units, Lifecycle: svc.Lifecycle, Hooks: svc.Hooks, Tokens: signer, Auditor: svc.Auditor, Ping: db.Store.Ping,
		Indicators: svc.Indicators, Exports: svc.Exports, Registry: svc.Records}))
	t.Cleanup(srv.Close)
	a := &api{t: t, url: srv.URL, db: db}
	a.admin = a.login("admin", adminPassword)
	return a
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// errorBody is the API's error shape.
type errorBody struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Messages struct {
		VI string `json:"vi"`
		EN string `json:"en"`
	} `json:"messages"`
	Fields []struct {
		Path string `json:"path"`
		Code string `json:"code"`
	} `json:"fields"`
	RequestID string `json:"request_id"`
}

// fields lists an error's fields as "path code".
func (e errorBody) fields() []string {
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Path+" "+f.Code)
	}
	return out
}

func (r response) error(t testing.TB) errorBody {
	t.Helper()
	var b struct {
		Error errorBody `json:"error"`
	}
	if err := json.Unmarshal(r.body, &b); err != nil || b.Error.Code == "" {
		t.Fatalf("not an error body (%v): %d %s", err, r.status, r.body)
	}
	return b.Error
}

// raw sends body as is, with the given headers.
func (a *api) raw(method, path, tok string, body []byte, header map[string]string) response {
	a.t.Helper()
	req, err := http.NewRequest(method, a.url+path, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// do sends v as JSON (nil: no body).
func (a *api) do(method, path, tok string, v any) response {
	a.t.Helper()
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			a.t.Fatal(err)
		}
	}
	return a.raw(method, path, tok, body, nil)
}

func (a *api) login(name, pw string) string {
	a.t.Helper()
	r := a.do("POST", "/api/v1/auth/login", "", map[string]string{"username": name, "password": pw})
	if r.status != http.StatusOK {
		a.t.Fatalf("login %s: %d %s", name, r.status, r.body)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		a.t.Fatal(err)
	}
	return out.AccessToken
}

// user creates an account of role over units and returns its token.
func (a *api) user(role string, units ...string) string {
	a.t.Helper()
	name := role + "-" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	pw := "password-" + uuid.NewString()[:8]
	r := a.do("POST", "/api/v1/users", a.admin, map[string]any{"username": name, "password": pw,
		"display_name": "Người dùng thử", "role": role, "units": append([]string{}, units...)})
	if r.status != http.StatusCreated {
		a.t.Fatalf("create user: %d %s", r.status, r.body)
	}
	return a.login(name, pw)
}

// household returns a valid household submission of unit.
func household(t testing.TB, unit string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "forms", "testdata", "household", "valid", "three_children.json"))
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	return map[string]any{"id": uuid.NewString(), "form_version": 1, "unit": unit, "survey_date": "2026-06-15",
		"started_at": "2026-06-15T08:00:00+07:00", "ended_at": "2026-06-15T08:25:00+07:00", "data": data}
}

// submit stores a household submission of unit as tok and returns it.
func (a *api) submit(tok, unit string) map[string]any {
	a.t.Helper()
	sub := household(a.t, unit)
	if r := a.do("POST", "/api/v1/forms/household/submissions", tok, sub); r.status != http.StatusCreated {
		a.t.Fatalf("submit: %d %s", r.status, r.body)
	}
	return sub
}

// TestStatusMapping: each error code reaches the client with its status,
// its code, a message in the language asked for, the request id, and the
// headers that go with it (WWW-Authenticate, Retry-After).
func TestStatusMapping(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	col := a.user("collector", "00004")
	sub := a.submit(col, "00004")
	subPath := "/api/v1/forms/household/submissions/" + sub["id"].(string)
	tests := []struct {
		name   string
		send   func() response
		status int
		code   string
		header string // a header the answer must carry
	}{
		{"malformed", func() response { return a.raw("POST", "/api/v1/auth/login", "", []byte(`{"username":`), nil) },
			http.StatusBadRequest, "malformed", ""},
		{"invalid", func() response {
			s := household(t, "00004")
			s["survey_date"] = "15/06/2026"
			return a.do("POST", "/api/v1/forms/household/submissions", col, s)
		}, http.StatusUnprocessableEntity, "invalid", ""},
		{"not_found", func() response { return a.do("GET", "/api/v1/forms/household/submissions/"+uuid.NewString(), col, nil) },
			http.StatusNotFound, "not_found", ""},
		{"not_found route", func() response { return a.do("GET", "/api/v1/no-such-route", col, nil) },
			http.StatusNotFound, "not_found", ""},
		{"conflict", func() response {
			s := household(t, "00004")
			s["id"] = sub["id"]
			s["survey_date"] = "2026-06-14"
			return a.do("POST", "/api/v1/forms/household/submissions", col, s)
		}, http.StatusConflict, "conflict", ""},
		{"if_match_required", func() response { return a.do("PUT", subPath, col, sub) },
			http.StatusPreconditionRequired, "if_match_required", ""},
		{"precondition_failed", func() response {
			b, _ := json.Marshal(sub)
			return a.raw("PUT", subPath, col, b, map[string]string{"If-Match": `"7"`})
		}, http.StatusPreconditionFailed, "precondition_failed", ""},
		{"unauthorized", func() response { return a.do("GET", "/api/v1/me", "", nil) },
			http.StatusUnauthorized, "unauthorized", "WWW-Authenticate"},
		{"unauthorized bad token", func() response { return a.do("GET", "/api/v1/me", "not-a-token", nil) },
			http.StatusUnauthorized, "unauthorized", "WWW-Authenticate"},
		{"forbidden", func() response { return a.do("GET", "/api/v1/users", col, nil) },
			http.StatusForbidden, "forbidden", ""},
		{"too_large", func() response {
			return a.raw("POST", "/api/v1/auth/login", "", bytes.Repeat([]byte(" "), 64<<10+1), nil)
		}, http.StatusRequestEntityTooLarge, "too_large", ""},
		{"too_many_requests", func() response {
			var r response
			for range 4 {
				r = a.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": "wrong"})
			}
			return r
		}, http.StatusTooManyRequests, "too_many_requests", "Retry-After"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.send()
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			e := r.error(t)
			if e.Code != tt.code {
				t.Errorf("code %q, want %q", e.Code, tt.code)
			}
			if e.Message == "" || e.Message != e.Messages.EN || e.Messages.VI == "" {
				t.Errorf("message %q, messages %+v: want the English one and both", e.Message, e.Messages)
			}
			if e.RequestID == "" || e.RequestID != r.header.Get("X-Request-ID") {
				t.Errorf("request_id %q, X-Request-ID %q", e.RequestID, r.header.Get("X-Request-ID"))
			}
			if tt.header != "" && r.header.Get(tt.header) == "" {
				t.Errorf("no %s header", tt.header)
			}
		})
	}
}

// TestUnavailable: a database that does not answer is a 503 with
// Retry-After, not a 500.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	if err := a.db.Close(); err != nil {
		t.Fatal(err)
	}
	r := a.do("GET", "/readyz", "", nil)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Fatalf("%d Retry-After %q: %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	if e := r.error(t); e.Code != "unavailable" {
		t.Errorf("code %q", e.Code)
	}
}

// TestDecoding: every JSON request body is decoded by the same strict
// rules, with the same answer for the same mistake whichever route.
func TestDecoding(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mgr := a.user("manager", "00004")
	routes := []struct {
		name, path, tok string
		field           string // a string field of the request
		others          string // the other fields of a valid body
	}{
		{"login", "/api/v1/auth/login", "", "password", `"username": "admin"`},
		{"webhook", "/api/v1/webhooks", mgr, "url", `"events": ["create"]`},
		{"comment", "/api/v1/forms/household/submissions/" + uuid.NewString() + "/comments", mgr, "text", ""},
	}
	tests := []struct {
		name   string
		body   string // F stands for the string field, O for the others
		header map[string]string
		status int
		code   string
		fields []string
	}{
		{"unknown field", `{"F": "x", "extra": 1 O}`, nil, http.StatusBadRequest, "malformed", []string{"/extra unknown_field"}},
		{"wrong type", `{"F": 5 O}`, nil, http.StatusBadRequest, "malformed", []string{"/F type"}},
		{"trailing object", `{"F": "x" O} {}`, nil, http.StatusBadRequest, "malformed", nil},
		{"trailing brace", `{"F": "x" O} }`, nil, http.StatusBadRequest, "malformed", nil},
		{"not JSON", `{"F": `, nil, http.StatusBadRequest, "malformed", nil},
		{"empty", ``, nil, http.StatusBadRequest, "malformed", nil},
		{"form-encoded", `F=x`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType, "unsupported_media_type", nil},
		{"JSON sent as text/plain", `{"F": "x" O}`, map[string]string{"Content-Type": "text/plain"}, http.StatusUnsupportedMediaType, "unsupported_media_type", nil},
		{"no content type", `{"F": "x" O}`, map[string]string{"Content-Type": ""}, http.StatusUnsupportedMediaType, "unsupported_media_type", nil},
		{"too large", `{"F": "x" O` + strings.Repeat(" ", 64<<10) + `}`, nil, http.StatusRequestEntityTooLarge, "too_large", nil},
		{"control character", `{"F": "a\u0007b" O}`, nil, http.StatusUnprocessableEntity, "invalid", []string{"/F control_character"}},
	}
	for _, rt := range routes {
		others := ""
		if rt.others != "" {
			others = ", " + rt.others
		}
		for _, tt := range tests {
			t.Run(rt.name+"/"+tt.name, func(t *testing.T) {
				body := strings.NewReplacer(`"F"`, `"`+rt.field+`"`, "F=", rt.field+"=", " O}", others+"}", " O"+strings.Repeat(" ", 64<<10), others+strings.Repeat(" ", 64<<10)).Replace(tt.body)
				r := a.raw("POST", rt.path, rt.tok, []byte(body), tt.header)
				if r.status != tt.status {
					t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
				}
				e := r.error(t)
				if e.Code != tt.code {
					t.Errorf("code %q, want %q", e.Code, tt.code)
				}
				var want []string
				for _, f := range tt.fields {
					want = append(want, strings.Replace(f, "/F", "/"+rt.field, 1))
				}
				if diff := cmp.Diff(want, e.fields()); tt.fields != nil && diff != "" {
					t.Errorf("fields (-want +got):\n%s", diff)
				}
			})
		}
	}
	// The same mistake is told in the same words whatever the route.
	for _, body := range []string{`{"nosuch": 1}`, `{"x": `, `{} {}`} {
		msg := map[string]string{}
		for _, rt := range routes {
			msg[rt.name] = a.raw("POST", rt.path, rt.tok, []byte(body), nil).error(t).Message
		}
		if msg["login"] != msg["webhook"] || msg["login"] != msg["comment"] {
			t.Errorf("%s is told differently by route: %q", body, msg)
		}
	}
}

// TestScoping: the API answers each role within its rights and units.
func TestScoping(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	col := a.user("collector", "00004")
	sub := a.submit(col, "00004")
	subPath := "/api/v1/forms/household/submissions/" + sub["id"].(string)
	other := a.user("collector", "00008")
	sup := a.user("supervisor", "00004")
	supOther := a.user("supervisor", "00008")
	mgr := a.user("manager", "00004")
	designer := a.user("designer")
	tests := []struct {
		name, method, path, tok string
		status                  int
	}{
		{"the collector reads their submission", "GET", subPath, col, http.StatusOK},
		{"a collector of another commune does not see it", "GET", subPath, other, http.StatusNotFound},
		{"nor its history", "GET", subPath + "/history", other, http.StatusNotFound},
		{"a supervisor of the commune reads it", "GET", subPath, sup, http.StatusOK},
		{"a supervisor of another commune does not see it", "GET", subPath, supOther, http.StatusNotFound},
		{"a supervisor cannot export", "GET", "/api/v1/forms/household/export?format=csv", sup, http.StatusForbidden},
		{"a collector cannot export", "GET", "/api/v1/forms/household/export?format=csv", col, http.StatusForbidden},
		{"a manager exports", "GET", "/api/v1/forms/household/export?format=csv", mgr, http.StatusOK},
		{"a collector cannot list accounts", "GET", "/api/v1/users", col, http.StatusForbidden},
		{"a collector cannot read the audit log", "GET", "/api/v1/audit", col, http.StatusForbidden},
		{"a designer cannot submit", "POST", "/api/v1/forms/household/submissions", designer, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.method == "POST" {
				body = household(t, "00004")
			}
			r := a.do(tt.method, tt.path, tt.tok, body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status >= 400 {
				if e := r.error(t); e.Code != map[int]string{403: "forbidden", 404: "not_found"}[tt.status] {
					t.Errorf("code %q", e.Code)
				}
			}
		})
	}
}

// TestSyncItemErrors: an item of a sync batch fails as the same
// submission sent alone would, status, code and fields alike.
func TestSyncItemErrors(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	col := a.user("collector", "00004")
	bad := household(t, "00004")
	bad["survey_date"] = "15/06/2026"
	outside := household(t, "00008")
	good := household(t, "00004")
	items := []map[string]any{good, bad, outside}
	var batch []map[string]any
	for _, it := range items {
		b := map[string]any{"form": "household"}
		for k, v := range it {
			b[k] = v
		}
		batch = append(batch, b)
	}
	r := a.do("POST", "/api/v1/sync", col, map[string]any{"submissions": batch})
	if r.status != http.StatusOK {
		t.Fatalf("sync: %d %s", r.status, r.body)
	}
	var res struct {
		Results []struct {
			ID     string     `json:"id"`
			Status int        `json:"status"`
			Error  *errorBody `json:"error"`
		} `json:"results"`
	}
	if err := json.Unmarshal(r.body, &res); err != nil || len(res.Results) != len(items) {
		t.Fatalf("results (%v): %s", err, r.body)
	}
	if res.Results[0].Status != http.StatusCreated {
		t.Errorf("the valid item: %d", res.Results[0].Status)
	}
	for i, it := range items[1:] {
		got := res.Results[i+1]
		alone := a.do("POST", "/api/v1/forms/household/submissions", col, it)
		want := alone.error(t)
		if got.Error == nil || got.Status != alone.status {
			t.Errorf("item %d: status %d error %v, alone %d %s", i+1, got.Status, got.Error, alone.status, alone.body)
			continue
		}
		want.RequestID = ""
		if diff := cmp.Diff(want, *got.Error); diff != "" {
			t.Errorf("item %d differs from the submission alone (-alone +item):\n%s", i+1, diff)
		}
	}
}
