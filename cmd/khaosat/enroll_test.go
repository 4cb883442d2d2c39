package main

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

type enrollment struct {
	Code  string `json:"code"`
	QRPNG string `json:"qr_png"`
}

func createEnrollment(t *testing.T, by *client, userID string) enrollment {
	t.Helper()
	var e enrollment
	r := by.do("POST", "/api/v1/users/"+userID+"/enrollments", nil)
	if r.status != http.StatusCreated {
		t.Fatalf("create enrollment: %d %s", r.status, r.body)
	}
	r.json(t, &e)
	return e
}

func redeem(t *testing.T, ts *testServer, code, device string) (int, tokens) {
	t.Helper()
	var tk tokens
	r := newClient(t, ts).do("POST", "/api/v1/auth/enroll", map[string]string{"code": code, "device_id": device})
	if r.status == http.StatusOK {
		r.json(t, &tk)
	}
	return r.status, tk
}

func devices(t *testing.T, by *client, userID string) []string {
	t.Helper()
	var l struct {
		Items []struct {
			DeviceID string `json:"device_id"`
		} `json:"items"`
	}
	by.do("GET", "/api/v1/users/"+userID+"/devices", nil).json(t, &l)
	var ids []string
	for _, d := range l.Items {
		ids = append(ids, d.DeviceID)
	}
	return ids
}

// TestEnrollment: a supervisor (one with the sensitive grant, whose reach
// covers a collector's: see TestEnrollmentReach) enrolls a collector's
// phone with a one-time code, shown as a QR code; the phone redeems it
// once for a device-bound session; devices are listed and revoked.
func TestEnrollment(t *testing.T) {
	sup := grantedSupervisor(t, shared, unitIn)
	_, col := matrixUser(t, "collector", unitIn)
	e := createEnrollment(t, sup, col.userID)

	r := sup.do("GET", e.QRPNG, nil)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
		t.Fatalf("qr.png: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if got, err := decodeQR(r.body); err != nil || got != e.Code {
		t.Fatalf("the QR code reads %q (%v), want %q", got, err, e.Code)
	}

	st, phoneA := redeem(t, shared, e.Code, "phone-A")
	if st != http.StatusOK {
		t.Fatalf("redeem: %d", st)
	}
	phone := newClient(t, shared)
	phone.token = phoneA.AccessToken
	var me struct{ ID, Role string }
	phone.do("GET", "/api/v1/me", nil).json(t, &me)
	if me.ID != col.userID || me.Role != "collector" {
		t.Errorf("the phone is %+v, want the collector", me)
	}
	if st, _ := redeem(t, shared, e.Code, "phone-Z"); st != http.StatusUnauthorized {
		t.Errorf("second redeem: %d, want 401", st)
	}
	if r := sup.do("GET", e.QRPNG, nil); r.status != http.StatusNotFound {
		t.Errorf("qr.png of a used code: %d, want 404", r.status)
	}

	// The session is bound to the device.
	refreshOn := func(tok, device string) (int, tokens) {
		var tk tokens
		r := newClient(t, shared).do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": tok, "device_id": device})
		if r.status == http.StatusOK {
			r.json(t, &tk)
		}
		return r.status, tk
	}
	if st, _ := refreshOn(phoneA.RefreshToken, "another-phone"); st != http.StatusUnauthorized {
		t.Errorf("device token from another device: %d, want 401", st)
	}
	st, phoneA = refreshOn(phoneA.RefreshToken, "phone-A")
	if st != http.StatusOK {
		t.Fatalf("device refresh: %d", st)
	}
	_, phoneB := redeem(t, shared, createEnrollment(t, adminClient(t, shared), col.userID).Code, "phone-B")
	if got := devices(t, sup, col.userID); len(got) != 2 || got[0] != "phone-A" || got[1] != "phone-B" {
		t.Errorf("devices: %v", got)
	}
	if r := sup.do("DELETE", "/api/v1/users/"+col.userID+"/devices/phone-A", nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d", r.status)
	}
	if st, _ := refreshOn(phoneA.RefreshToken, "phone-A"); st != http.StatusUnauthorized {
		t.Errorf("revoked device refreshes: %d, want 401", st)
	}
	if st, _ := refreshOn(phoneB.RefreshToken, "phone-B"); st != http.StatusOK {
		t.Errorf("the other device: %d, want 200", st)
	}
	if got := devices(t, sup, col.userID); len(got) != 1 || got[0] != "phone-B" {
		t.Errorf("devices after revoking phone-A: %v", got)
	}
	p, _ := audit(t, adminClient(t, shared), url.Values{"action": {"enrollment.create"}, "limit": {"1000"}})
	n := 0
	for _, it := range p.Items {
		if it.Target == col.userID {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d enrollment.create entries for the collector, want 2", n)
	}
	if r := newClient(t, shared).do("POST", "/api/v1/auth/enroll", map[string]string{"code": e.Code}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("no device id: %d, want 422", r.status)
	}
}

// TestEnrollmentExpires: a code past its lifetime is refused.
func TestEnrollmentExpires(t *testing.T) {
	ts := mustStart(t, t.TempDir(), "--enrollment-ttl", "1s")
	admin := adminClient(t, ts)
	var u struct{ ID string }
	admin.do("POST", "/api/v1/users", map[string]any{"username": "phone-user", "password": "a-good-long-password",
		"role": "collector", "units": []string{unitIn}}).json(t, &u)
	e := createEnrollment(t, admin, u.ID)
	time.Sleep(1100 * time.Millisecond)
	if r := admin.do("GET", e.QRPNG, nil); r.status != http.StatusNotFound {
		t.Errorf("qr.png of an expired code: %d, want 404", r.status)
	}
	if st, _ := redeem(t, ts, e.Code, "phone-late"); st != http.StatusUnauthorized {
		t.Errorf("expired code: %d, want 401", st)
	}
}
