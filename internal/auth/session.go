package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
)

// SessionStage says how far a login has come: a password alone gives mfa_pending (or mfa_enrol
// for a role that must enrol first); only a full session reaches the application.
type SessionStage string

// The stages.
const (
	StageFull       SessionStage = "full"
	StageMFAPending SessionStage = "mfa_pending"
	StageMFAEnrol   SessionStage = "mfa_enrol"
)

// Session is a signed-in browser.
type Session struct {
	TokenHash  []byte `gorm:"primaryKey"`
	UserID     int64
	Stage      SessionStage
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	IP         string `gorm:"column:ip"`
	UserAgent  string
}

// ErrNoSession means the token is unknown, expired or belongs to a disabled user.
var ErrNoSession = errors.New("no valid session")

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// StartSession creates a session for user and returns the cookie token. Callers end the previous
// session first: a fresh token at every login prevents session fixation. A completed sign-in goes
// through SignIn instead, which also audits it.
func (s *Service) StartSession(ctx context.Context, u User, stage SessionStage, ip, userAgent string) (string, error) {
	return s.insertSession(s.DB.WithContext(ctx), u, stage, ip, userAgent)
}

// SignIn starts the full session that completes a sign-in (after the password, and the MFA code
// where one is needed) and records user.sign_in in the same transaction.
func (s *Service) SignIn(ctx context.Context, u User, ip, userAgent string) (string, error) {
	var token string
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if token, err = s.insertSession(tx, u, StageFull, ip, userAgent); err != nil {
			return err
		}
		return audit.Record(ctx, tx, u.Actor(), audit.Event{Action: "user.sign_in", EntityType: "user", EntityID: u.ID,
			ClientID: deref(u.ClientID)})
	})
	return token, err
}

func (s *Service) insertSession(tx *gorm.DB, u User, stage SessionStage, ip, userAgent string) (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	now := s.Clock.Now()
	sess := Session{TokenHash: hashToken(token), UserID: u.ID, Stage: stage, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.SessionMaxAge), IP: ip, UserAgent: truncate(userAgent, 300)}
	if err := tx.Create(&sess).Error; err != nil {
		return "", fmt.Errorf("starting session for user %d: %w", u.ID, err)
	}
	return token, nil
}

// LookupSession returns the session and its user for token, enforcing the idle and absolute
// timeouts and the user's status. It refreshes last_seen_at at most once a minute.
func (s *Service) LookupSession(ctx context.Context, token string) (Session, User, error) {
	var sess Session
	if token == "" {
		return sess, User{}, ErrNoSession
	}
	db := s.DB.WithContext(ctx)
	// The session and its user in one statement: every request runs it (issue #19).
	type row struct {
		Session
		User User
	}
	rows, err := dbx.Select(db, `SELECT s.token_hash, s.user_id, s.stage, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent,
			u.id, u.email, u.name, u.title, u.role, u.client_id, u.password_hash, u.password_changed_at, u.mfa_secret, u.mfa_enabled_at,
			u.disabled_at, u.last_login_at, u.version, u.created_at, u.updated_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, []any{hashToken(token)}, func(r *row) []any {
		return []any{&r.TokenHash, &r.UserID, &r.Stage, &r.CreatedAt, &r.LastSeenAt, &r.ExpiresAt, &r.IP, &r.UserAgent,
			&r.User.ID, &r.User.Email, &r.User.Name, &r.User.Title, &r.User.Role, &r.User.ClientID, &r.User.PasswordHash,
			&r.User.PasswordChangedAt, &r.User.MFASecret, &r.User.MFAEnabledAt, &r.User.DisabledAt, &r.User.LastLoginAt,
			&r.User.Version, &r.User.CreatedAt, &r.User.UpdatedAt}
	})
	if err != nil {
		return sess, User{}, fmt.Errorf("loading session: %w", err)
	}
	if len(rows) == 0 {
		return sess, User{}, ErrNoSession
	}
	sess, u := rows[0].Session, rows[0].User
	now := s.Clock.Now()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > s.SessionIdle {
		db.Where("token_hash = ?", sess.TokenHash).Delete(&Session{})
		return sess, User{}, ErrNoSession
	}
	if !u.Active() {
		return sess, User{}, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		sess.LastSeenAt = now
		db.Model(&Session{}).Where("token_hash = ?", sess.TokenHash).Update("last_seen_at", now)
	}
	return sess, u, nil
}

// EndSession deletes the session behind token (a half-finished sign-in being replaced).
func (s *Service) EndSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.DB.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Delete(&Session{}).Error
}

// SignOut ends u's session behind token and records user.sign_out in the same transaction.
func (s *Service) SignOut(ctx context.Context, u User, token string) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("token_hash = ? AND user_id = ?", hashToken(token), u.ID).Delete(&Session{})
		if res.Error != nil {
			return fmt.Errorf("ending session of user %d: %w", u.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		return audit.Record(ctx, tx, u.Actor(), audit.Event{Action: "user.sign_out", EntityType: "user", EntityID: u.ID,
			ClientID: deref(u.ClientID)})
	})
}

// revokeSessions ends every session of a user, inside the transaction that disables the user or
// changes their password.
func revokeSessions(tx *gorm.DB, userID int64) error {
	if err := tx.Where("user_id = ?", userID).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("revoking sessions of user %d: %w", userID, err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
