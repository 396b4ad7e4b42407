package auth

import (
	"context"
	"errors"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
)

// InvitationTTL is how long a set-password link stays valid.
const InvitationTTL = 72 * time.Hour

// ErrInvitationInvalid covers unknown, used and expired links alike.
var ErrInvitationInvalid = errors.New("this link is invalid, used or expired")

// Invitation is a one-time link to set a password.
type Invitation struct {
	TokenHash []byte `gorm:"primaryKey"`
	UserID    int64
	CreatedBy *int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// CreateInvitation issues a one-time token for userID inside tx; earlier unused links of the user
// stop working. The caller builds the URL /invitations/<token> from the returned token.
func (s *Service) CreateInvitation(ctx context.Context, tx *gorm.DB, actor audit.Actor, userID int64) (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	now := s.Clock.Now()
	if err := tx.Model(&Invitation{}).Where("user_id = ? AND used_at IS NULL", userID).Update("expires_at", now).Error; err != nil {
		return "", fmt.Errorf("expiring earlier invitations: %w", err)
	}
	inv := Invitation{TokenHash: hashToken(token), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	if actor.ID != 0 {
		inv.CreatedBy = &actor.ID
	}
	if err := tx.Create(&inv).Error; err != nil {
		return "", fmt.Errorf("creating invitation for user %d: %w", userID, err)
	}
	if err := audit.Record(ctx, tx, actor, audit.Event{Action: "user.invite", EntityType: "user", EntityID: userID,
		After: map[string]any{"expires_at": inv.ExpiresAt}}); err != nil {
		return "", err
	}
	return token, nil
}

// InvitationUser returns the user a valid token belongs to.
func (s *Service) InvitationUser(ctx context.Context, token string) (User, error) {
	inv, err := dbx.First[Invitation](s.DB.WithContext(ctx).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?",
		hashToken(token), s.Clock.Now()), "invitation")
	if err != nil {
		if errors.Is(err, apperr.ErrNotFound) {
			return User{}, ErrInvitationInvalid
		}
		return User{}, err
	}
	u, err := s.UserByID(ctx, inv.UserID)
	if err != nil || !u.Active() {
		return User{}, ErrInvitationInvalid
	}
	return u, nil
}

// AcceptInvitation sets the password through a one-time link and uses the link up.
func (s *Service) AcceptInvitation(ctx context.Context, token, password string) (User, error) {
	if msg := ValidatePassword(password); msg != "" {
		return User{}, apperr.Validation{"password": msg}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Invitation{}).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hashToken(token), s.Clock.Now()).
			Update("used_at", s.Clock.Now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrInvitationInvalid
		}
		var inv Invitation
		if err := tx.Where("token_hash = ?", hashToken(token)).First(&inv).Error; err != nil {
			return err
		}
		if err := tx.First(&u, inv.UserID).Error; err != nil {
			return err
		}
		if !u.Active() {
			return ErrInvitationInvalid
		}
		return s.setPasswordTx(ctx, tx, u.Actor(), u.ID, hash)
	})
	return u, err
}

// ReissueInvitation gives an existing, active user a new set-password link (for a lost or
// expired invitation, or a forgotten password); earlier links stop working.
func (s *Service) ReissueInvitation(ctx context.Context, actor audit.Actor, userID int64) (string, error) {
	var token string
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := dbx.First[User](tx, fmt.Sprintf("user %d", userID), userID)
		if err != nil {
			return err
		}
		if !u.Active() {
			return apperr.Validation{"user": "The account is disabled. Enable it before sending a new link."}
		}
		token, err = s.CreateInvitation(ctx, tx, actor, userID)
		return err
	})
	return token, err
}
