package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestEnrollmentReach: no one reaches, through a code they issue, data
// their own grants do not allow. A collector reads their own submissions
// of the hiv form (names, birth dates, caregivers), which a supervisor
// without the sensitive grant may not see: such a supervisor may not
// issue a code for a collector, nor show one an admin issued; a
// supervisor with the grant and an admin may. The issuance is audited
// with its issuer and target, the redemption with its device; the
// collector sees the new device on their own list.
func TestEnrollmentReach(t *testing.T) {
	admin := adminClient(t, shared)
	plain, _ := matrixUser(t, "supervisor", unitIn)
	granted := grantedSupervisor(t, shared, unitIn)
	colClient, col := matrixUser(t, "collector", unitIn)

	// What the collector reads and the plain supervisor does not.
	e := envelope(validExamples(t, "hiv")["positive_on_art.json"])
	e["unit"] = unitIn
	if r := colClient.do("POST", "/api/v1/forms/hiv/submissions", e); r.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	path := "/api/v1/forms/hiv/submissions/" + e["id"].(string)
	if r := colClient.do("GET", path, nil); r.status != http.StatusOK {
		t.Fatalf("the collector reads their hiv record: %d", r.status)
	}
	if r := plain.do("GET", path, nil); r.status != http.StatusNotFound {
		t.Fatalf("the supervisor without the grant reads the hiv record: %d, want 404", r.status)
	}

	r := plain.do("POST", "/api/v1/users/"+col.userID+"/enrollments", nil)
	if r.status != http.StatusForbidden {
		t.Fatalf("a supervisor without the grant issues a code for a collector: %d %s, want 403", r.status, r.body)
	}
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	r.json(t, &body)
	if !strings.HasPrefix(body.Error.Message, "Tài khoản này đọc được dữ liệu mà quyền của bạn không cho phép") {
		t.Errorf("the refusal's message (vi): %q", body.Error.Message)
	}
	plain.lang = "en"
	r = plain.do("POST", "/api/v1/users/"+col.userID+"/enrollments", nil)
	r.json(t, &body)
	if body.Error.Message != "This account can read data your own access does not allow (sensitive forms); only an administrator may issue an enrolment code for it." {
		t.Errorf("the refusal's message (en): %q", body.Error.Message)
	}
	byAdmin := createEnrollment(t, admin, col.userID)
	if r := plain.do("GET", byAdmin.QRPNG, nil); r.status != http.StatusForbidden {
		t.Errorf("the supervisor without the grant shows an admin's code: %d, want 403", r.status)
	}
	// Device management stays theirs: it only takes access away.
	if r := plain.do("GET", "/api/v1/users/"+col.userID+"/devices", nil); r.status != http.StatusOK {
		t.Errorf("the supervisor without the grant lists the collector's devices: %d, want 200", r.status)
	}

	byGranted := createEnrollment(t, granted, col.userID)
	st, phone := redeem(t, shared, byGranted.Code, "phone-granted")
	if st != http.StatusOK {
		t.Fatalf("redeem: %d", st)
	}
	redeem(t, shared, byAdmin.Code, "phone-admin")

	var granter struct{ ID string }
	granted.do("GET", "/api/v1/me", nil).json(t, &granter)
	p, _ := audit(t, admin, url.Values{"action": {"enrollment.create"}, "limit": {"1000"}})
	found := false
	for _, it := range p.Items {
		if it.Target == col.userID && it.UserID == granter.ID {
			found = it.Details["issuer"] == granter.ID && it.Details["issuer_role"] == "supervisor" &&
				it.Details["target"] == col.userID && it.Details["target_role"] == "collector"
		}
	}
	if !found {
		t.Errorf("no enrollment.create entry naming issuer and target: %+v", p.Items)
	}
	p, _ = audit(t, admin, url.Values{"action": {"enrollment.redeem"}, "limit": {"1000"}})
	found = false
	for _, it := range p.Items {
		if it.Target == col.userID && it.Details["device_id"] == "phone-granted" && it.Details["issuer"] == granter.ID {
			found = true
		}
	}
	if !found {
		t.Error("no enrollment.redeem entry for phone-granted naming its issuer")
	}

	// The collector sees both phones on their own list.
	own := newClient(t, shared)
	own.token = phone.AccessToken
	var l struct {
		Items []struct {
			DeviceID string `json:"device_id"`
		} `json:"items"`
	}
	own.do("GET", "/api/v1/me/devices", nil).json(t, &l)
	if len(l.Items) != 2 || l.Items[0].DeviceID != "phone-admin" || l.Items[1].DeviceID != "phone-granted" {
		t.Errorf("own devices: %+v", l.Items)
	}
}
