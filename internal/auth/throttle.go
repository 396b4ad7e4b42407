package auth

import (
	"context"
	"fmt"
	"math"
	"time"

	"gorm.io/gorm"
)

// ThrottleLimits bound failed logins within a sliding window, per account and per IP address.
type ThrottleLimits struct {
	Window     time.Duration
	PerAccount int
	PerIP      int
}

// DefaultThrottle: 5 failures for one account or 50 from one address within 15 minutes.
var DefaultThrottle = ThrottleLimits{Window: 15 * time.Minute, PerAccount: 5, PerIP: 50}

// ThrottledError says sign-in is paused, why (this account, or this network address) and for how long.
type ThrottledError struct {
	PerIP      bool
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	if e.PerIP {
		return fmt.Sprintf("Too many failed sign-in attempts from your network address. Sign-in from it is paused: try again in %s.", humanMinutes(e.RetryAfter))
	}
	return fmt.Sprintf("Too many failed sign-in attempts for this account. Sign-in to it is paused: try again in %s.", humanMinutes(e.RetryAfter))
}

func humanMinutes(d time.Duration) string {
	m := int(math.Ceil(d.Minutes()))
	if m <= 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", m)
}

// throttleLockKey is the advisory-lock class of sign-in attempts; the second key is a hash of
// the account or address, so attempts on one account (or from one address) queue for the check.
const throttleLockKey = 7_042_002

// beginAttempt checks the throttles for key (an e-mail address, or "mfa:" and one) and ip and
// records the attempt as a failure before the credentials are even checked; attemptSucceeded
// corrects that. Counting in-flight attempts, under a lock per account and per address, stops a
// burst of parallel guesses from all passing the check before any of them is recorded.
func (s *Service) beginAttempt(ctx context.Context, key, ip string) (int64, error) {
	var id int64
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, k := range []string{"account:" + key, "ip:" + ip} {
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(?, hashtext(?))`, throttleLockKey, k).Error; err != nil {
				return fmt.Errorf("locking login throttle: %w", err)
			}
		}
		if err := s.checkThrottle(tx, key, ip); err != nil {
			return err
		}
		err := tx.Raw(`INSERT INTO login_attempts (email, ip, succeeded, attempted_at) VALUES (?, ?, false, ?) RETURNING id`,
			key, ip, s.Clock.Now()).Row().Scan(&id)
		if err != nil {
			return fmt.Errorf("recording login attempt: %w", err)
		}
		return nil
	})
	return id, err
}

// attemptSucceeded marks an attempt begun with beginAttempt as successful.
func (s *Service) attemptSucceeded(ctx context.Context, id int64) error {
	if err := s.DB.WithContext(ctx).Exec(`UPDATE login_attempts SET succeeded = true WHERE id = ?`, id).Error; err != nil {
		return fmt.Errorf("recording successful login attempt: %w", err)
	}
	return nil
}

func (s *Service) checkThrottle(tx *gorm.DB, email, ip string) error {
	since := s.Clock.Now().Add(-s.Throttle.Window)
	check := func(failures string, args []any, limit int, perIP bool) error {
		var row struct {
			N      int
			Oldest *time.Time
		}
		err := tx.Raw(`SELECT count(*) AS n, min(attempted_at) AS oldest FROM login_attempts WHERE `+failures,
			append(args, since)...).Scan(&row).Error
		if err != nil {
			return fmt.Errorf("checking login throttle: %w", err)
		}
		if row.N >= limit && row.Oldest != nil {
			return &ThrottledError{PerIP: perIP, RetryAfter: row.Oldest.Add(s.Throttle.Window).Sub(s.Clock.Now())}
		}
		return nil
	}
	// For an account, the window starts after its last success, so a correct login resets the
	// count. Not so for an address: one attacker-owned account must not reset the address's count
	// while it tries passwords on other accounts.
	err := check(`lower(email) = ? AND NOT succeeded
		AND attempted_at > coalesce((SELECT max(attempted_at) FROM login_attempts WHERE lower(email) = ? AND succeeded), '-infinity')
		AND attempted_at > ?`, []any{email, email}, s.Throttle.PerAccount, false)
	if err != nil {
		return err
	}
	return check(`ip = ? AND NOT succeeded AND attempted_at > ?`, []any{ip}, s.Throttle.PerIP, true)
}
