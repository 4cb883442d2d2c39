package account_test

import (
	"testing"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/survey"
)

// TestReaches: who may hand out a way to act as an account. A collector
// reads their own submissions of the hiv form, which only the sensitive
// grant opens to a supervisor; no one but an admin reaches an account of
// another role.
func TestReaches(t *testing.T) {
	collector := &account.User{Role: survey.RoleCollector, Units: []string{"00004"}}
	for _, tc := range []struct {
		name   string
		actor  survey.Actor
		target *account.User
		want   bool
	}{
		{"admin, collector", survey.Actor{Role: survey.RoleAdmin}, collector, true},
		{"admin, manager", survey.Actor{Role: survey.RoleAdmin}, &account.User{Role: survey.RoleManager}, true},
		{"supervisor with the grant, collector", survey.Actor{Role: survey.RoleSupervisor, SensitiveAccess: true}, collector, true},
		{"supervisor without the grant, collector", survey.Actor{Role: survey.RoleSupervisor}, collector, false},
		{"supervisor with the grant, supervisor", survey.Actor{Role: survey.RoleSupervisor, SensitiveAccess: true},
			&account.User{Role: survey.RoleSupervisor}, false},
		{"manager (reads sensitive answers by role), collector", survey.Actor{Role: survey.RoleManager}, collector, true},
		{"collector, collector", survey.Actor{Role: survey.RoleCollector}, collector, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := account.Reaches(tc.actor, tc.target); got != tc.want {
				t.Errorf("Reaches = %v, want %v", got, tc.want)
			}
		})
	}
}
