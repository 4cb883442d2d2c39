package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
)

type auditPage struct {
	Items []struct {
		ID       string         `json:"id"`
		UserID   string         `json:"user_id"`
		Username string         `json:"username"`
		Action   string         `json:"action"`
		Target   string         `json:"target"`
		Details  map[string]any `json:"details"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func audit(t *testing.T, admin *client, query url.Values) (auditPage, string) {
	t.Helper()
	r := admin.do("GET", "/api/v1/audit?"+query.Encode(), nil)
	if r.status != http.StatusOK {
		t.Fatalf("audit: %d %s", r.status, r.body)
	}
	var p auditPage
	r.json(t, &p)
	return p, string(r.body)
}

// TestAuditLog: each audited action leaves an entry naming who and what,
// and no entry holds a password, a token, a key or an answer.
func TestAuditLog(t *testing.T) {
	admin := adminClient(t, shared)
	col, colEnv := matrixUser(t, "collector", "00103")
	marker := "Tên Bí Mật " + uuid.NewString()[:8]
	e := envelope(validExamples(t, "hiv")["positive_on_art.json"])
	e["unit"] = "00103"
	e["data"].(map[string]any)["full_name"] = marker
	if r := col.do("POST", "/api/v1/forms/hiv/submissions", e); r.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	path := "/api/v1/forms/hiv/submissions/" + e["id"].(string)
	granted := grantedSupervisor(t, shared, "00103")
	var me struct{ Username string }
	granted.do("GET", "/api/v1/me", nil).json(t, &me)
	plain, plainEnv := matrixUser(t, "supervisor", "00103")
	for c, want := range map[*client]int{granted: 200, plain: 404, col: 200} { // hiv is x-sensitive-form
		if r := c.do("GET", path, nil); r.status != want {
			t.Fatalf("read: %d, want %d", r.status, want)
		}
	}
	wrongName := "nobody-" + uuid.NewString()[:8]
	newClient(t, shared).do("POST", "/api/v1/auth/login", map[string]string{"username": wrongName, "password": "a-wrong-password-123"})
	tk := loginTokens(t, colEnv.username, colEnv.password)
	refresh(t, tk.RefreshToken)
	refresh(t, tk.RefreshToken) // reuse
	admin.do("PATCH", "/api/v1/users/"+plainEnv.userID, map[string]any{"display_name": "Đổi tên", "password": "another-long-password"})

	q := func(kv ...string) url.Values {
		v := url.Values{"limit": {"1000"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, tc := range []struct {
		name   string
		query  url.Values
		target string
		want   int
	}{
		{"sensitive read by the granted supervisor", q("action", "submission.read_sensitive", "user", me.Username), e["id"].(string), 1},
		{"no sensitive read by the supervisor without the grant", q("action", "submission.read_sensitive", "user", plainEnv.username), "", 0},
		{"no sensitive read by the collector", q("action", "submission.read_sensitive", "user", colEnv.userID), "", 0},
		{"failed login", q("action", "login.failure"), wrongName, 1},
		{"successful login", q("action", "login.success", "user", colEnv.username), colEnv.userID, -1},
		{"refresh reuse", q("action", "token.refresh_reuse", "user", colEnv.username), colEnv.userID, 1},
		{"user created", q("action", "user.create", "user", "admin"), plainEnv.userID, 1},
		{"user changed", q("action", "user.change", "user", "admin"), plainEnv.userID, 1},
		{"forms published at start", q("action", "form.publish", "user", "khaosat"), "hiv", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := audit(t, admin, tc.query)
			n := 0
			for _, it := range p.Items {
				if tc.target == "" || it.Target == tc.target {
					n++
				}
			}
			if (tc.want >= 0 && n != tc.want) || (tc.want < 0 && n == 0) {
				t.Errorf("%d matching entries, want %d: %+v", n, tc.want, p.Items)
			}
		})
	}

	// A listing is recorded as one entry naming every sealed submission on the page.
	if n := countSubmissions(t, granted, "hiv", "&unit=00103"); n != 1 {
		t.Fatalf("granted supervisor lists %d", n)
	}
	p, _ := audit(t, admin, q("action", "submission.read_sensitive", "user", me.Username))
	if len(p.Items) != 2 || len(p.Items[0].Details["submissions"].([]any)) != 1 || p.Items[0].Details["submissions"].([]any)[0] != e["id"] {
		t.Errorf("listing entry: %+v", p.Items)
	}

	// Paging: two pages of one entry each, without overlap.
	first, _ := audit(t, admin, url.Values{"limit": {"1"}})
	second, _ := audit(t, admin, url.Values{"limit": {"1"}, "cursor": {*first.NextCursor}})
	if len(second.Items) != 1 || second.Items[0].ID == first.Items[0].ID {
		t.Errorf("paging: %+v then %+v", first.Items, second.Items)
	}
	if r := admin.do("GET", "/api/v1/audit?from=yesterday", nil); r.status != http.StatusBadRequest {
		t.Errorf("bad from: %d", r.status)
	}

	// Nothing secret anywhere in the log.
	secrets := []string{testAdminPassword, colEnv.password, plainEnv.password, "another-long-password", "a-wrong-password-123",
		tk.RefreshToken, tk.AccessToken, admin.token, marker, "positive", "deceased_aids"}
	for _, f := range []string{"data.keys", "jwt.secret", "hash.secret"} {
		if b, err := os.ReadFile(filepath.Join(shared.dataDir, f)); err == nil {
			secrets = append(secrets, strings.TrimSpace(strings.Split(string(b), "\n")[0]))
		}
	}
	cursor := ""
	for pages := 0; pages < 100; pages++ {
		v := url.Values{"limit": {"1000"}}
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		p, body := audit(t, admin, v)
		for _, s := range secrets {
			if s != "" && strings.Contains(body, s) {
				t.Errorf("the audit log holds a secret or an answer: %.12s…", s)
			}
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
}
