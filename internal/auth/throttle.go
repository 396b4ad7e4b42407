package auth

import (
	"context"
	"fmt"
	"math"
	"time"
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

func (s *Service) checkThrottle(ctx context.Context, email, ip string) error {
	since := s.Clock.Now().Add(-s.Throttle.Window)
	check := func(failures string, args []any, limit int, perIP bool) error {
		var row struct {
			N      int
			Oldest *time.Time
		}
		err := s.DB.WithContext(ctx).Raw(`SELECT count(*) AS n, min(attempted_at) AS oldest FROM login_attempts WHERE `+failures,
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

func (s *Service) recordAttempt(ctx context.Context, email, ip string, ok bool) error {
	err := s.DB.WithContext(ctx).Exec(`INSERT INTO login_attempts (email, ip, succeeded, attempted_at) VALUES (?, ?, ?, ?)`,
		email, ip, ok, s.Clock.Now()).Error
	if err != nil {
		return fmt.Errorf("recording login attempt: %w", err)
	}
	return nil
}
