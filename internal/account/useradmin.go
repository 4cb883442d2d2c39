package account

import (
	"context"
	"github.com/khaosat/khaosat/internal/survey"
	"slices"
	"strings"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// UserChange is a partial update of an account; nil fields stay as they are.
type UserChange struct {
	DisplayName     *string
	Role            *survey.Role
	Units           *[]string
	Disabled        *bool
	SensitiveAccess *bool
	PersonalAccess  *bool
	Password        *string
}

// GetUser returns one account. Only an admin may.
func (s *Accounts) GetUser(ctx context.Context, actor survey.Actor, id string) (*User, error) {
	if actor.Role != survey.RoleAdmin {
		return nil, survey.Forbidden()
	}
	u, err := s.store.UserByID(ctx, id)
	if isNotFound(err) {
		return nil, survey.NotFound(msg.Text(msg.NounUser))
	}
	return u, err
}

// UpdateUser changes an account. Only an admin may. Disabling an account,
// changing its role or its password revokes its refresh tokens at once
// and moves its session generation on, so that its access tokens are
// refused from the next request on, and stay refused when the account is
// enabled again.
func (s *Accounts) UpdateUser(ctx context.Context, actor survey.Actor, id string, ch UserChange) (*User, error) {
	old, err := s.GetUser(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	u := *old
	in := NewUser{Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, Units: u.Units, SensitiveAccess: u.SensitiveAccess, PersonalAccess: u.PersonalAccess}
	var changed []string
	if ch.DisplayName != nil {
		in.DisplayName = strings.TrimSpace(schema.CleanText(*ch.DisplayName))
		changed = append(changed, "display_name")
	}
	if ch.Role != nil {
		in.Role = *ch.Role
		changed = append(changed, "role")
	}
	if ch.Units != nil {
		in.Units = slices.Clone(*ch.Units)
		if in.Units == nil {
			in.Units = []string{}
		}
		changed = append(changed, "units")
	}
	if ch.SensitiveAccess != nil {
		in.SensitiveAccess = *ch.SensitiveAccess
		changed = append(changed, "sensitive_access")
	}
	if ch.PersonalAccess != nil {
		in.PersonalAccess = *ch.PersonalAccess
		changed = append(changed, "personal_access")
	}
	if ch.Password != nil {
		in.Password = *ch.Password
		changed = append(changed, "password")
	}
	if ch.Disabled != nil {
		u.Disabled = *ch.Disabled
		changed = append(changed, "disabled")
	}
	if id == actor.UserID && ((ch.Disabled != nil && *ch.Disabled) || (ch.Role != nil && *ch.Role != survey.RoleAdmin)) {
		// Otherwise the last administrator could lock everyone out.
		return nil, survey.Errorf(survey.CodeConflict, msg.SelfDemote)
	}
	if fe := s.checkAccount(in, false, ch.Password != nil); len(fe) > 0 {
		return nil, &survey.Error{Code: survey.CodeInvalid, Key: msg.AccountInvalid, Message: msg.Text(msg.AccountInvalid), Fields: fe}
	}
	u.DisplayName, u.Role, u.Units = in.DisplayName, in.Role, in.Units
	u.SensitiveAccess = in.SensitiveAccess && in.Role == survey.RoleSupervisor
	u.PersonalAccess = in.PersonalAccess
	if ch.Password != nil {
		if u.PasswordHash, err = s.hasher.Hash(in.Password); err != nil {
			return nil, err
		}
	}
	u.UpdatedAt = s.now().UTC()
	// A disable, a new role and a new password end the sessions: their
	// refresh tokens at once, the access tokens issued so far at the next
	// request (an account enabled again does not revive them).
	endSessions := u.Disabled || u.Role != old.Role || ch.Password != nil
	if endSessions {
		u.SessionGen++
	}
	if err := s.store.UpdateUser(ctx, &u); err != nil {
		if isNotFound(err) {
			return nil, survey.NotFound(msg.Text(msg.NounUser))
		}
		return nil, err
	}
	s.cache.Forget(id)
	if endSessions {
		if err := s.refresh.RevokeUserRefresh(ctx, id, u.UpdatedAt); err != nil {
			return nil, err
		}
	}
	details := map[string]any{"fields": changed}
	if ch.Role != nil {
		details["role"] = string(u.Role)
	}
	if err := s.record(ctx, actor, survey.AuditUserChange, id, details); err != nil {
		return nil, err
	}
	return &u, nil
}

// record appends an audit entry when an auditor is wired.
func (s *Accounts) record(ctx context.Context, actor survey.Actor, action, target string, details map[string]any) error {
	if s.audit == nil {
		return nil
	}
	return s.audit.Record(ctx, actor, action, target, details)
}
