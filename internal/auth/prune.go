package auth

import (
	"context"
	"fmt"
	"time"
)

// LoginAttemptRetention is how long failed and successful sign-in attempts are kept. The
// throttle needs minutes; security reviews of sign-in patterns need weeks. Completed sign-ins
// and sign-outs are also in the audit trail, which is kept for good.
const LoginAttemptRetention = 30 * 24 * time.Hour

// Prune deletes sessions past their idle or absolute timeout and sign-in attempts older than
// LoginAttemptRetention, so the tables do not grow without bound. It returns how many rows of
// each it removed.
func (s *Service) Prune(ctx context.Context) (sessions, attempts int64, err error) {
	now := s.Clock.Now()
	db := s.DB.WithContext(ctx)
	res := db.Exec(`DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`, now, now.Add(-s.SessionIdle))
	if res.Error != nil {
		return 0, 0, fmt.Errorf("pruning sessions: %w", res.Error)
	}
	sessions = res.RowsAffected
	res = db.Exec(`DELETE FROM login_attempts WHERE attempted_at < ?`, now.Add(-LoginAttemptRetention))
	if res.Error != nil {
		return sessions, 0, fmt.Errorf("pruning sign-in attempts: %w", res.Error)
	}
	return sessions, res.RowsAffected, nil
}
