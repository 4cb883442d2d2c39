package main

import (
	"net/http"
	"testing"
)

// TestSessionsEndAtOnce: whatever ends a session ends its access token
// at the next request, not when the token expires: a password change, a
// logout, a device revoke (by a supervisor or by the owner), a disable,
// and an account enabled again does not revive its old tokens. Each case
// first reads /me once, so that the account and the session are in the
// server's caches.
func TestSessionsEndAtOnce(t *testing.T) {
	admin := adminClient(t, shared)
	as := func(access string) *client {
		c := newClient(t, shared)
		c.token = access
		return c
	}
	me := func(c *client) int { return c.do("GET", "/api/v1/me", nil).status }
	patch := func(userID string, ch map[string]any) {
		t.Helper()
		if r := admin.do("PATCH", "/api/v1/users/"+userID, ch); r.status != http.StatusOK {
			t.Fatalf("patch %v: %d %s", ch, r.status, r.body)
		}
	}

	t.Run("password change", func(t *testing.T) {
		_, env := matrixUser(t, "collector", unitIn)
		old := as(loginTokens(t, env.username, env.password).AccessToken)
		if st := me(old); st != http.StatusOK {
			t.Fatalf("me: %d", st)
		}
		patch(env.userID, map[string]any{"password": "another-password-1"})
		if st := me(old); st != http.StatusUnauthorized {
			t.Errorf("access token after a password change: %d, want 401", st)
		}
		if st := me(as(loginTokens(t, env.username, "another-password-1").AccessToken)); st != http.StatusOK {
			t.Errorf("a login with the new password: %d, want 200", st)
		}
	})

	t.Run("logout", func(t *testing.T) {
		_, env := matrixUser(t, "supervisor", unitIn)
		a, b := loginTokens(t, env.username, env.password), loginTokens(t, env.username, env.password)
		ca, cb := as(a.AccessToken), as(b.AccessToken)
		if me(ca) != http.StatusOK || me(cb) != http.StatusOK {
			t.Fatal("me before the logout")
		}
		if r := newClient(t, shared).do("POST", "/api/v1/auth/logout", map[string]string{"refresh_token": a.RefreshToken}); r.status != http.StatusNoContent {
			t.Fatalf("logout: %d", r.status)
		}
		if st := me(ca); st != http.StatusUnauthorized {
			t.Errorf("access token of a logged-out session: %d, want 401", st)
		}
		if st := me(cb); st != http.StatusOK {
			t.Errorf("the other session of the same user: %d, want 200", st)
		}
		// A refreshed session's new access token is of the same session.
		st, b2 := refresh(t, b.RefreshToken)
		if st != http.StatusOK {
			t.Fatalf("refresh: %d", st)
		}
		newClient(t, shared).do("POST", "/api/v1/auth/logout", map[string]string{"refresh_token": b2.RefreshToken})
		if me(cb) != http.StatusUnauthorized || me(as(b2.AccessToken)) != http.StatusUnauthorized {
			t.Errorf("access tokens of a session logged out after a refresh: %d and %d, want 401", me(cb), me(as(b2.AccessToken)))
		}
	})

	t.Run("device revoke", func(t *testing.T) {
		sup := grantedSupervisor(t, shared, unitIn)
		_, col := matrixUser(t, "collector", unitIn)
		_, phoneA := redeem(t, shared, createEnrollment(t, sup, col.userID).Code, "phone-A")
		_, phoneB := redeem(t, shared, createEnrollment(t, sup, col.userID).Code, "phone-B")
		_, phoneC := redeem(t, shared, createEnrollment(t, sup, col.userID).Code, "phone-C")
		ca, cb, cc := as(phoneA.AccessToken), as(phoneB.AccessToken), as(phoneC.AccessToken)
		if me(ca) != http.StatusOK || me(cb) != http.StatusOK || me(cc) != http.StatusOK {
			t.Fatal("me before the revoke")
		}
		if r := sup.do("DELETE", "/api/v1/users/"+col.userID+"/devices/phone-A", nil); r.status != http.StatusNoContent {
			t.Fatalf("revoke: %d", r.status)
		}
		if st := me(ca); st != http.StatusUnauthorized {
			t.Errorf("access token of a revoked device: %d, want 401", st)
		}
		// The owner ends a phone of their own.
		if r := cb.do("DELETE", "/api/v1/me/devices/phone-C", nil); r.status != http.StatusNoContent {
			t.Fatalf("revoke own device: %d %s", r.status, r.body)
		}
		if st := me(cc); st != http.StatusUnauthorized {
			t.Errorf("access token of a device its owner revoked: %d, want 401", st)
		}
		if st := me(cb); st != http.StatusOK {
			t.Errorf("the device still enrolled: %d, want 200", st)
		}
	})

	t.Run("disable and enable again", func(t *testing.T) {
		_, env := matrixUser(t, "manager", unitIn)
		old := as(loginTokens(t, env.username, env.password).AccessToken)
		if st := me(old); st != http.StatusOK {
			t.Fatalf("me: %d", st)
		}
		patch(env.userID, map[string]any{"disabled": true})
		patch(env.userID, map[string]any{"disabled": false})
		if st := me(old); st != http.StatusUnauthorized {
			t.Errorf("access token issued before a disable, after the enable: %d, want 401", st)
		}
		if st := me(as(loginTokens(t, env.username, env.password).AccessToken)); st != http.StatusOK {
			t.Errorf("a new login after the enable: %d, want 200", st)
		}
		// A change that ends nothing leaves the sessions alone.
		cur := as(loginTokens(t, env.username, env.password).AccessToken)
		patch(env.userID, map[string]any{"display_name": "Tên mới"})
		if st := me(cur); st != http.StatusOK {
			t.Errorf("access token after a display name change: %d, want 200", st)
		}
	})
}
