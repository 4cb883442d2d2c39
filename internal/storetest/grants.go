package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/survey"
)

// testGrants: an account's grants (sensitive, personal) survive the
// store: inserted, read back by id, by name and in the list, changed and
// taken away again.
func testGrants(t *testing.T, s Stores) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	u := &account.User{ID: uuid.NewString(), Username: "hoa", DisplayName: "Trần Thị Hoa", Role: survey.RoleManager, Units: []string{"00004"},
		PasswordHash: "x", PersonalAccess: true, CreatedAt: now, UpdatedAt: now}
	if err := s.InsertUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	sup := &account.User{ID: uuid.NewString(), Username: "binh", DisplayName: "Lê Văn Bình", Role: survey.RoleSupervisor, Units: []string{"00004"},
		PasswordHash: "x", SensitiveAccess: true, CreatedAt: now, UpdatedAt: now}
	if err := s.InsertUser(ctx, sup); err != nil {
		t.Fatal(err)
	}
	check := func(when string, id string, sensitive, personal bool) {
		t.Helper()
		byID, err := s.UserByID(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		byName, err := s.UserByUsername(ctx, byID.Username)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		all, err := s.ListUsers(ctx)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		for _, got := range append([]*account.User{byID, byName}, all...) {
			if got.ID == id && (got.SensitiveAccess != sensitive || got.PersonalAccess != personal) {
				t.Errorf("%s: %s has sensitive %v, personal %v; want %v, %v", when, got.Username, got.SensitiveAccess, got.PersonalAccess, sensitive, personal)
			}
		}
	}
	check("inserted", u.ID, false, true)
	check("inserted", sup.ID, true, false)

	sup.PersonalAccess = true
	if err := s.UpdateUser(ctx, sup); err != nil {
		t.Fatal(err)
	}
	check("granted", sup.ID, true, true)
	u.PersonalAccess = false
	if err := s.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	check("taken away", u.ID, false, false)
}
