// Package auth owns users, passwords, sessions, login throttling, invitations and MFA.
package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-soc/attest/internal/audit"
)

// Role is a user's role. Firm roles rank from staff to admin; client users belong to one client.
type Role string

// The roles. Partner and admin must use MFA.
const (
	RoleAdmin   Role = "admin"
	RolePartner Role = "partner"
	RoleManager Role = "manager"
	RoleSenior  Role = "senior"
	RoleStaff   Role = "staff"
	RoleClient  Role = "client"
)

// FirmRoles lists the roles of the audit firm's people, most senior first.
var FirmRoles = []Role{RoleAdmin, RolePartner, RoleManager, RoleSenior, RoleStaff}

// AllRoles lists every role.
var AllRoles = append(append([]Role{}, FirmRoles...), RoleClient)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range AllRoles {
		if r == x {
			return true
		}
	}
	return false
}

// IsFirm reports whether r belongs to the audit firm.
func (r Role) IsFirm() bool { return r.Valid() && r != RoleClient }

// Label is the role's name as users read it.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "Administrator"
	case RolePartner:
		return "Partner"
	case RoleManager:
		return "Manager"
	case RoleSenior:
		return "Senior"
	case RoleStaff:
		return "Staff"
	case RoleClient:
		return "Client user"
	}
	return string(r)
}

// RequiresMFA reports whether the role must enrol in TOTP MFA before using the application.
func (r Role) RequiresMFA() bool { return r == RoleAdmin || r == RolePartner }

// User is an account. ClientID is set exactly for client users.
type User struct {
	ID                int64 `gorm:"primaryKey"`
	Email             string
	Name              string
	Title             string
	Role              Role
	ClientID          *int64
	PasswordHash      string `json:"-"`
	PasswordChangedAt *time.Time
	MFASecret         string     `gorm:"column:mfa_secret" json:"-"`
	MFAEnabledAt      *time.Time `gorm:"column:mfa_enabled_at"`
	DisabledAt        *time.Time
	LastLoginAt       *time.Time
	Version           int
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Active reports whether the user may sign in.
func (u User) Active() bool { return u.DisabledAt == nil }

// AccountStatus is where an account stands: invited (no password set yet), active or disabled.
type AccountStatus string

// Account statuses.
const (
	AccountInvited  AccountStatus = "invited"
	AccountActive   AccountStatus = "active"
	AccountDisabled AccountStatus = "disabled"
)

// Label is the status as the administration pages show it.
func (s AccountStatus) Label() string {
	switch s {
	case AccountInvited:
		return "Invited"
	case AccountDisabled:
		return "Disabled"
	}
	return "Active"
}

// AccountStatus tells an invited user, who has not set a password and so cannot sign in yet,
// from an active one.
func (u User) AccountStatus() AccountStatus {
	switch {
	case u.DisabledAt != nil:
		return AccountDisabled
	case u.PasswordHash == "":
		return AccountInvited
	}
	return AccountActive
}

// MFAEnabled reports whether the user has enrolled in MFA.
func (u User) MFAEnabled() bool { return u.MFAEnabledAt != nil }

// Actor is the user as the audit trail records them.
func (u User) Actor() audit.Actor { return audit.Actor{ID: u.ID, Email: u.Email} }

// AuditView is what the audit trail stores of a user: never secrets.
func (u User) AuditView() map[string]any {
	return map[string]any{"email": u.Email, "name": u.Name, "title": u.Title, "role": u.Role,
		"client_id": u.ClientID, "disabled": u.DisabledAt != nil, "mfa": u.MFAEnabledAt != nil}
}

// UserListing is a user with the name of their client organization, for the administration list.
type UserListing struct {
	User
	ClientName string
}

// ListUsers returns every user by name, with their client organization's name.
func (s *Service) ListUsers(ctx context.Context) ([]UserListing, error) {
	var rows []UserListing
	err := s.DB.WithContext(ctx).Table("users u").Select("u.*, coalesce(c.name, '') AS client_name").
		Joins("LEFT JOIN clients c ON c.id = u.client_id").Order("lower(u.name), u.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	return rows, nil
}
