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

// ThrottledError says sign-in is paused and for how long.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("Too many failed sign-in attempts. Try again in %s.", humanMinutes(e.RetryAfter))
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
	check := func(where string, arg string, limit int) error {
		var row struct {
			N      int
			Oldest *time.Time
		}
		// The window starts after the last success, so a correct login resets the count.
		err := s.DB.WithContext(ctx).Raw(`
			SELECT count(*) AS n, min(attempted_at) AS oldest FROM login_attempts
			WHERE `+where+` AND attempted_at > ? AND NOT succeeded
			  AND attempted_at > coalesce((SELECT max(attempted_at) FROM login_attempts WHERE `+where+` AND succeeded), '-infinity')`,
			arg, since, arg).Scan(&row).Error
		if err != nil {
			return fmt.Errorf("checking login throttle: %w", err)
		}
		if row.N >= limit && row.Oldest != nil {
			return &ThrottledError{RetryAfter: row.Oldest.Add(s.Throttle.Window).Sub(s.Clock.Now())}
		}
		return nil
	}
	if err := check("lower(email) = ?", email, s.Throttle.PerAccount); err != nil {
		return err
	}
	return check("ip = ?", ip, s.Throttle.PerIP)
}

func (s *Service) recordAttempt(ctx context.Context, email, ip string, ok bool) error {
	err := s.DB.WithContext(ctx).Exec(`INSERT INTO login_attempts (email, ip, succeeded, attempted_at) VALUES (?, ?, ?, ?)`,
		email, ip, ok, s.Clock.Now()).Error
	if err != nil {
		return fmt.Errorf("recording login attempt: %w", err)
	}
	return nil
}
