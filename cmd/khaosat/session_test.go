package main

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	User         struct {
		ID string `json:"id"`
	} `json:"user"`
}

func loginTokens(t *testing.T, username, password string) tokens {
	t.Helper()
	var tk tokens
	r := newClient(t, shared).do("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password})
	if r.status != http.StatusOK {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	r.json(t, &tk)
	return tk
}

func refresh(t *testing.T, token string) (int, tokens) {
	t.Helper()
	var tk tokens
	r := newClient(t, shared).do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": token})
	if r.status == http.StatusOK {
		r.json(t, &tk)
	}
	return r.status, tk
}

func TestRefreshRotationAndReuse(t *testing.T) {
	_, env := matrixUser(t, "collector", unitIn)
	first := loginTokens(t, env.username, env.password)
	st, second := refresh(t, first.RefreshToken)
	if st != http.StatusOK || second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
		t.Fatalf("refresh: %d, rotated=%v", st, second.RefreshToken != first.RefreshToken)
	}
	st, third := refresh(t, second.RefreshToken)
	if st != http.StatusOK {
		t.Fatalf("second refresh: %d", st)
	}
	// The first token again: it was copied. The family dies, the
	// newest token with it; another login's session lives on.
	other := loginTokens(t, env.username, env.password)
	if st, _ := refresh(t, first.RefreshToken); st != http.StatusUnauthorized {
		t.Fatalf("reuse: %d, want 401", st)
	}
	if st, _ := refresh(t, third.RefreshToken); st != http.StatusUnauthorized {
		t.Errorf("the newest token of a reused family: %d, want 401", st)
	}
	st, other2 := refresh(t, other.RefreshToken)
	if st != http.StatusOK {
		t.Errorf("another session of the same user: %d, want 200", st)
	}
	// Logout ends that session.
	if r := newClient(t, shared).do("POST", "/api/v1/auth/logout", map[string]string{"refresh_token": other2.RefreshToken}); r.status != http.StatusNoContent {
		t.Fatalf("logout: %d", r.status)
	}
	if st, _ := refresh(t, other2.RefreshToken); st != http.StatusUnauthorized {
		t.Errorf("refresh after logout: %d, want 401", st)
	}
	if st, _ := refresh(t, "no-such-token"); st != http.StatusUnauthorized {
		t.Errorf("unknown token: %d, want 401", st)
	}
}

// TestDisableRevokesAtOnce: the request right after an admin disables an
// account is refused, with its access token and with its refresh token.
func TestDisableRevokesAtOnce(t *testing.T) {
	c, env := matrixUser(t, "supervisor", unitIn)
	tk := loginTokens(t, env.username, env.password)
	if r := c.do("GET", "/api/v1/me", nil); r.status != http.StatusOK {
		t.Fatalf("me: %d", r.status) // the account is now in the server's cache
	}
	admin := adminClient(t, shared)
	if r := admin.do("PATCH", "/api/v1/users/"+env.userID, map[string]any{"disabled": true}); r.status != http.StatusOK {
		t.Fatalf("disable: %d %s", r.status, r.body)
	}
	if r := c.do("GET", "/api/v1/me", nil); r.status != http.StatusUnauthorized {
		t.Errorf("access token of a disabled account: %d, want 401", r.status)
	}
	if st, _ := refresh(t, tk.RefreshToken); st != http.StatusUnauthorized {
		t.Errorf("refresh token of a disabled account: %d, want 401", st)
	}
	if r := newClient(t, shared).do("POST", "/api/v1/auth/login", map[string]string{"username": env.username, "password": env.password}); r.status != http.StatusUnauthorized {
		t.Errorf("login of a disabled account: %d", r.status)
	}
	// Enabled again, the old refresh token stays dead; a role change
	// also cuts refresh tokens and applies to the next request.
	admin.do("PATCH", "/api/v1/users/"+env.userID, map[string]any{"disabled": false})
	if st, _ := refresh(t, tk.RefreshToken); st != http.StatusUnauthorized {
		t.Errorf("refresh token revoked by disabling works again: %d", st)
	}
	tk = loginTokens(t, env.username, env.password)
	c.token = tk.AccessToken
	if r := c.do("GET", "/api/v1/users", nil); r.status != http.StatusForbidden {
		t.Fatalf("supervisor lists users: %d", r.status)
	}
	if r := admin.do("PATCH", "/api/v1/users/"+env.userID, map[string]any{"role": "designer"}); r.status != http.StatusOK {
		t.Fatalf("role change: %d %s", r.status, r.body)
	}
	// The role change ends the session (its access token at the next
	// request); signed in again, the new role applies.
	if r := c.do("GET", "/api/v1/forms/household/submissions", nil); r.status != http.StatusUnauthorized {
		t.Errorf("after the change to designer, reading data with the old token: %d, want 401", r.status)
	}
	designer := newClient(t, shared).login(env.username, env.password)
	if r := designer.do("GET", "/api/v1/forms/household/submissions", nil); r.status != http.StatusForbidden {
		t.Errorf("after the change to designer, reading data: %d, want 403", r.status)
	}
	if st, _ := refresh(t, tk.RefreshToken); st != http.StatusUnauthorized {
		t.Errorf("refresh token after a role change: %d, want 401", st)
	}
	var u struct {
		Role string `json:"role"`
	}
	admin.do("GET", "/api/v1/users/"+env.userID, nil).json(t, &u)
	if u.Role != "designer" {
		t.Errorf("role read back: %q", u.Role)
	}
	if r := admin.do("PATCH", "/api/v1/users/"+env.userID, map[string]any{"password": "short"}); r.status != http.StatusUnprocessableEntity || !r.errorBody(t).hasField("/password", "min_length") {
		t.Errorf("short password: %d %s", r.status, r.body)
	}
	if r := admin.do("PATCH", "/api/v1/users/no-such-user", map[string]any{"disabled": true}); r.status != http.StatusNotFound {
		t.Errorf("unknown user: %d", r.status)
	}
	var self struct{ ID string }
	admin.do("GET", "/api/v1/me", nil).json(t, &self)
	for _, ch := range []map[string]any{{"disabled": true}, {"role": "manager"}} {
		if r := admin.do("PATCH", "/api/v1/users/"+self.ID, ch); r.status != http.StatusConflict {
			t.Errorf("admin changes own account %v: %d, want 409", ch, r.status)
		}
	}
}

// TestForgedAccessTokens: over HTTP, tokens with alg none, an unknown kid
// or a changed payload are 401.
func TestForgedAccessTokens(t *testing.T) {
	c := adminClient(t, shared)
	parts := strings.Split(c.token, ".")
	enc := base64.RawURLEncoding.EncodeToString
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	for name, tok := range map[string]string{
		"alg none":    enc([]byte(strings.Replace(string(hdr), `"HS256"`, `"none"`, 1))) + "." + parts[1] + ".",
		"RS256":       enc([]byte(strings.Replace(string(hdr), `"HS256"`, `"RS256"`, 1))) + "." + parts[1] + "." + parts[2],
		"unknown kid": enc([]byte(strings.Replace(string(hdr), `"kid":"`, `"kid":"0`, 1))) + "." + parts[1] + "." + parts[2],
		"tampered":    parts[0] + "." + enc([]byte(strings.Replace(string(body), `"admin"`, `"admim"`, 1))) + "." + parts[2],
	} {
		f := newClient(t, shared)
		f.token = tok
		if r := f.do("GET", "/api/v1/me", nil); r.status != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, r.status)
		}
	}
	if r := c.do("GET", "/api/v1/me", nil); r.status != http.StatusOK {
		t.Errorf("the real token: %d", r.status)
	}
}

// TestLoginThrottling: past the configured failures, logins get 429 with
// Retry-After, per username (even with the right password) and per
// client address (for any username), and a missing user and a wrong
// password look the same.
func TestLoginThrottling(t *testing.T) {
	ts := mustStart(t, t.TempDir(), "--login-max-failures", "3", "--login-max-failures-address", "6")
	c := newClient(t, ts)
	login := func(user, pw string) response {
		return c.do("POST", "/api/v1/auth/login", map[string]string{"username": user, "password": pw})
	}
	var bodies []string
	for i := 0; i < 3; i++ {
		r := login("admin", "wrong-password")
		if r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, r.status)
		}
		bodies = append(bodies, string(r.errorBody(t).Error.Message))
	}
	r := login("no-such-user", "wrong-password")
	if r.status != http.StatusUnauthorized || r.errorBody(t).Error.Message != bodies[0] {
		t.Errorf("missing user: %d %s, want the same as a wrong password", r.status, r.body)
	}
	r = login("admin", testAdminPassword)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || r.errorBody(t).Error.Code != "too_many_requests" {
		t.Fatalf("after 3 failures, the right password: %d Retry-After=%q, want 429", r.status, r.header.Get("Retry-After"))
	}
	// Per address: 4 failures so far; two more for other names reach 6.
	login("someone-else", "wrong-password")
	login("another-one", "wrong-password")
	if r := login("third-name", "wrong-password"); r.status != http.StatusTooManyRequests {
		t.Errorf("after 6 failures from one address: %d, want 429", r.status)
	}
}

// TestPasswordRules: at least 10 characters, and none of the most common
// passwords, on creation and on change.
func TestPasswordRules(t *testing.T) {
	admin := adminClient(t, shared)
	_, env := matrixUser(t, "collector", unitIn)
	for _, tc := range []struct{ pw, code string }{
		{"short", "min_length"}, {"1234567890", "common"}, {"Password123", "common"}, {"matkhau123", "common"}, {"aaaaaaaaaaaa", "common"},
	} {
		r := admin.do("POST", "/api/v1/users", map[string]any{"username": "pw-" + strings.ToLower(tc.code) + "-" + env.userID[:8], "password": tc.pw, "role": "designer"})
		if r.status != http.StatusUnprocessableEntity || !r.errorBody(t).hasField("/password", tc.code) {
			t.Errorf("create with %q: %d %s, want 422 /password %s", tc.pw, r.status, r.body, tc.code)
		}
		r = admin.do("PATCH", "/api/v1/users/"+env.userID, map[string]any{"password": tc.pw})
		if r.status != http.StatusUnprocessableEntity || !r.errorBody(t).hasField("/password", tc.code) {
			t.Errorf("change to %q: %d %s", tc.pw, r.status, r.body)
		}
	}
	if r := admin.do("PATCH", "/api/v1/users/"+env.userID, map[string]any{"password": "a-much-better-passphrase"}); r.status != http.StatusOK {
		t.Fatalf("a good password: %d %s", r.status, r.body)
	}
	loginTokens(t, env.username, "a-much-better-passphrase")
}

// TestSigningKeyRotation: after the token secret is replaced, with the old
// one kept second in --jwt-secret, tokens it signed stay valid; once it is
// dropped they are refused.
func TestSigningKeyRotation(t *testing.T) {
	dir := t.TempDir()
	oldKey, newKey := strings.Repeat("o", 40), strings.Repeat("n", 40)
	first, err := startServer(dir, "--jwt-secret", oldKey)
	if err != nil {
		t.Fatal(err)
	}
	old := adminClient(t, first)
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}
	kid := func(tok string) string {
		h, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
		return string(h)
	}

	second, err := startServer(dir, "--jwt-secret", newKey+","+oldKey)
	if err != nil {
		t.Fatal(err)
	}
	old.base = second.base
	if r := old.do("GET", "/api/v1/me", nil); r.status != http.StatusOK {
		t.Errorf("a token of the previous key: %d, want 200", r.status)
	}
	fresh := adminClient(t, second)
	if kid(fresh.token) == kid(old.token) {
		t.Errorf("new tokens are signed under the old key: %s", kid(fresh.token))
	}
	if err := second.stop(); err != nil {
		t.Fatal(err)
	}

	third := mustStart(t, dir, "--jwt-secret", newKey)
	old.base, fresh.base = third.base, third.base
	if r := old.do("GET", "/api/v1/me", nil); r.status != http.StatusUnauthorized {
		t.Errorf("a token of a key dropped from the ring: %d, want 401", r.status)
	}
	if r := fresh.do("GET", "/api/v1/me", nil); r.status != http.StatusOK {
		t.Errorf("a token of the current key: %d, want 200", r.status)
	}
}
