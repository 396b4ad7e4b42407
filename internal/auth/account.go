package auth

import (
	"context"
	"errors"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
)

// ChangeOwnPassword changes u's password after checking the current one. It ends every session
// of u; the caller starts a fresh one for the browser that made the change. The check of the
// current password counts towards the sign-in throttle: an open session left behind must not
// become a way to guess the password.
func (s *Service) ChangeOwnPassword(ctx context.Context, u User, current, next, confirm, ip string) error {
	v := apperr.Validation{}
	if current == "" {
		v.Add("current_password", "Enter your current password.")
	} else if err := s.checkCurrentPassword(ctx, u, current, ip); err != nil {
		var throttled *ThrottledError
		switch {
		case errors.As(err, &throttled):
			v.Add("current_password", throttled.Error())
		case errors.Is(err, ErrInvalidCredentials):
			v.Add("current_password", "This is not your current password.")
		default:
			return err
		}
	}
	if msg := ValidatePassword(next); msg != "" {
		v.Add("new_password", msg)
	} else if next != confirm {
		v.Add("new_password_confirm", "The two new passwords differ. Type the same password twice.")
	} else if next == current {
		v.Add("new_password", "Choose a password different from the current one.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.SetPassword(ctx, u.Actor(), u.ID, next)
}

// ChangeRole gives userID a new role (and client organization for client users). The user's
// sessions end, so the new permissions and MFA requirement apply from their next sign-in.
func (s *Service) ChangeRole(ctx context.Context, actor audit.Actor, userID int64, role Role, clientID *int64) error {
	v := apperr.Validation{}
	if !role.Valid() {
		v.Add("role", "Choose a role.")
	}
	if role == RoleClient && clientID == nil {
		v.Add("client_id", "Choose the client organization this user belongs to.")
	}
	if actor.ID == userID {
		v.Add("role", "You cannot change your own role; ask another administrator.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if role != RoleClient {
		clientID = nil
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := dbx.First[User](tx.Clauses(clause.Locking{Strength: "UPDATE"}), fmt.Sprintf("user %d", userID), userID)
		if err != nil {
			return err
		}
		if clientID != nil {
			var n int64
			if err := tx.Table("clients").Where("id = ?", *clientID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return apperr.Validation{"client_id": "Choose an existing client organization."}
			}
		}
		before := u.AuditView()
		u.Role, u.ClientID = role, clientID
		if err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
			"role": role, "client_id": clientID, "updated_at": s.Clock.Now(), "version": gorm.Expr("version + 1")}).Error; err != nil {
			return fmt.Errorf("changing role of user %d: %w", userID, err)
		}
		if err := revokeSessions(tx, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "user.role_change", EntityType: "user", EntityID: userID,
			ClientID: deref(clientID), Before: before, After: u.AuditView()})
	})
}

func (s *Service) checkCurrentPassword(ctx context.Context, u User, password, ip string) error {
	attempt, err := s.beginAttempt(ctx, NormalizeEmail(u.Email), ip)
	if err != nil {
		return err
	}
	if ok, err := CheckPassword(u.PasswordHash, password); err != nil || !ok {
		return ErrInvalidCredentials
	}
	return s.attemptSucceeded(ctx, attempt)
}

// ConfirmPassword checks the password of a signed-in user again before a weighty step (the
// officer's approval of management's assertion). Wrong passwords count towards the sign-in
// throttle like any other.
func (s *Service) ConfirmPassword(ctx context.Context, userID int64, password, ip string) error {
	var u User
	if err := s.DB.WithContext(ctx).Where("id = ?", userID).First(&u).Error; err != nil {
		return fmt.Errorf("loading user %d: %w", userID, err)
	}
	if !u.Active() || u.PasswordHash == "" {
		return ErrInvalidCredentials
	}
	return s.checkCurrentPassword(ctx, u, password, ip)
}
