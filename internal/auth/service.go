package auth

import (
	"context"
	"errors"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/clock"
)

// Service holds what the auth functions need.
type Service struct {
	DB            *gorm.DB
	Clock         clock.Clock
	SessionIdle   time.Duration
	SessionMaxAge time.Duration
	Throttle      ThrottleLimits
}

// NewService returns a Service with the default throttle limits.
func NewService(db *gorm.DB, clk clock.Clock, idle, maxAge time.Duration) *Service {
	return &Service{DB: db, Clock: clk, SessionIdle: idle, SessionMaxAge: maxAge, Throttle: DefaultThrottle}
}

// ErrInvalidCredentials covers unknown e-mail, wrong password and disabled accounts alike, so a
// login form never tells an attacker which accounts exist.
var ErrInvalidCredentials = errors.New("invalid e-mail or password")

// Authenticate checks an e-mail and password, applying the per-account and per-IP throttles, and
// records the attempt.
func (s *Service) Authenticate(ctx context.Context, email, password, ip string) (User, error) {
	email = NormalizeEmail(email)
	attempt, err := s.beginAttempt(ctx, email, ip)
	if err != nil {
		return User{}, err
	}
	u, err := dbx.First[User](s.DB.WithContext(ctx).Where("lower(email) = ?", email), "user "+email)
	if err != nil && !errors.Is(err, apperr.ErrNotFound) { // an unknown address still costs a hash check below
		return User{}, err
	}
	hash := u.PasswordHash
	if hash == "" {
		hash = dummyHash
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return User{}, fmt.Errorf("checking password of %s: %w", email, err)
	}
	success := ok && u.ID != 0 && u.PasswordHash != "" && u.Active()
	if !success {
		return User{}, ErrInvalidCredentials
	}
	if err := s.attemptSucceeded(ctx, attempt); err != nil {
		return User{}, err
	}
	now := s.Clock.Now()
	s.DB.WithContext(ctx).Model(&User{}).Where("id = ?", u.ID).Update("last_login_at", now)
	u.LastLoginAt = &now
	return u, nil
}

// NewUser is the input for creating an account.
type NewUser struct {
	Email    string
	Name     string
	Title    string
	Role     Role
	ClientID *int64
	Password string // empty: the user sets one through an invitation link
}

// Validate checks the fields a person typed.
func (n *NewUser) Validate() apperr.Validation {
	v := apperr.Validation{}
	n.Email = NormalizeEmail(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	n.Title = strings.TrimSpace(n.Title)
	if addr, err := mail.ParseAddress(n.Email); err != nil || addr.Address != n.Email {
		v.Add("email", "Enter an e-mail address such as dana@example.com.")
	}
	if n.Name == "" {
		v.Add("name", "Enter the person's name.")
	}
	if !n.Role.Valid() {
		v.Add("role", "Choose a role.")
	}
	if n.Role == RoleClient && n.ClientID == nil {
		v.Add("client_id", "Choose the client organization this user belongs to.")
	}
	if n.Role != RoleClient {
		n.ClientID = nil
	}
	if n.Password != "" {
		if msg := ValidatePassword(n.Password); msg != "" {
			v.Add("password", msg)
		}
	}
	return v
}

// CreateUser creates an account and audits it.
func (s *Service) CreateUser(ctx context.Context, actor audit.Actor, in NewUser) (User, error) {
	var u User
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		u, err = s.createUserTx(ctx, tx, actor, in)
		return err
	})
	return u, err
}

// InviteUser creates an account without a password and a one-time link to set one, in one
// transaction. The caller shows or mails /invitations/<token>.
func (s *Service) InviteUser(ctx context.Context, actor audit.Actor, in NewUser) (User, string, error) {
	in.Password = ""
	var u User
	var token string
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if u, err = s.createUserTx(ctx, tx, actor, in); err != nil {
			return err
		}
		token, err = s.CreateInvitation(ctx, tx, actor, u.ID)
		return err
	})
	return u, token, err
}

func (s *Service) createUserTx(ctx context.Context, tx *gorm.DB, actor audit.Actor, in NewUser) (User, error) {
	if err := in.Validate().Err(); err != nil {
		return User{}, err
	}
	u := User{Email: in.Email, Name: in.Name, Title: in.Title, Role: in.Role, ClientID: in.ClientID, Version: 1}
	if in.Password != "" {
		hash, err := HashPassword(in.Password)
		if err != nil {
			return User{}, err
		}
		now := s.Clock.Now()
		u.PasswordHash, u.PasswordChangedAt = hash, &now
	}
	var n int64
	if err := tx.Model(&User{}).Where("lower(email) = ?", u.Email).Count(&n).Error; err != nil {
		return User{}, err
	}
	if n > 0 {
		return User{}, apperr.Validation{"email": "A user with this e-mail address already exists."}
	}
	if u.ClientID != nil {
		if err := tx.Table("clients").Where("id = ?", *u.ClientID).Count(&n).Error; err != nil {
			return User{}, err
		}
		if n == 0 {
			return User{}, apperr.Validation{"client_id": "Choose an existing client organization."}
		}
	}
	if err := tx.Create(&u).Error; err != nil {
		return User{}, fmt.Errorf("creating user %s: %w", u.Email, err)
	}
	err := audit.Record(ctx, tx, actor, audit.Event{Action: "user.create", EntityType: "user", EntityID: u.ID,
		ClientID: deref(u.ClientID), After: u.AuditView()})
	return u, err
}

// SetPassword changes a user's password and ends all their sessions.
func (s *Service) SetPassword(ctx context.Context, actor audit.Actor, userID int64, password string) error {
	if msg := ValidatePassword(password); msg != "" {
		return apperr.Validation{"password": msg}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.setPasswordTx(ctx, tx, actor, userID, hash)
	})
}

func (s *Service) setPasswordTx(ctx context.Context, tx *gorm.DB, actor audit.Actor, userID int64, hash string) error {
	res := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
		"password_hash": hash, "password_changed_at": s.Clock.Now(), "updated_at": s.Clock.Now(), "version": gorm.Expr("version + 1")})
	if res.Error != nil {
		return fmt.Errorf("setting password of user %d: %w", userID, res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.ErrNotFound
	}
	if err := revokeSessions(tx, userID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Event{Action: "user.password_change", EntityType: "user", EntityID: userID})
}

// SetDisabled disables or re-enables a user; disabling ends all their sessions at once.
func (s *Service) SetDisabled(ctx context.Context, actor audit.Actor, userID int64, disabled bool) error {
	if disabled && actor.ID == userID {
		return apperr.Validation{"user": "You cannot disable your own account; ask another administrator."}
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := dbx.First[User](tx.Clauses(clause.Locking{Strength: "UPDATE"}), fmt.Sprintf("user %d", userID), userID)
		if err != nil {
			return err
		}
		before := u.AuditView()
		if disabled {
			now := s.Clock.Now()
			u.DisabledAt = &now
		} else {
			u.DisabledAt = nil
		}
		if err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
			"disabled_at": u.DisabledAt, "updated_at": s.Clock.Now(), "version": gorm.Expr("version + 1")}).Error; err != nil {
			return fmt.Errorf("updating user %d: %w", userID, err)
		}
		action := "user.enable"
		if disabled {
			action = "user.disable"
			if err := revokeSessions(tx, userID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: action, EntityType: "user", EntityID: userID,
			ClientID: deref(u.ClientID), Before: before, After: u.AuditView()})
	})
}

// UserByID loads a user.
func (s *Service) UserByID(ctx context.Context, id int64) (User, error) {
	return dbx.First[User](s.DB.WithContext(ctx), fmt.Sprintf("user %d", id), id)
}

// NormalizeEmail trims and lower-cases an address: e-mail lookups are case-insensitive.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
