package verification

import (
	"context"
	"fmt"
	"time"
)

// Limits of the public page per address: look-ups of codes and uploads of PDFs. 80-bit codes
// cannot be guessed anyway; the limit keeps probing slow and visible.
const (
	LimitWindow = 10 * time.Minute
	PageLimit   = 60
	UploadLimit = 20
)

// Kind of public request.
const (
	KindPage   = "page"
	KindUpload = "upload"
)

// Allow reports whether ip may make another request of kind now.
func (s *Service) Allow(ctx context.Context, ip, kind string) (bool, error) {
	limit := PageLimit
	if kind == KindUpload {
		limit = UploadLimit
	}
	var n int
	err := s.DB.WithContext(ctx).Raw(`SELECT count(*) FROM verification_requests WHERE ip = ? AND kind = ? AND occurred_at > ?`,
		ip, kind, s.Clock.Now().UTC().Add(-LimitWindow)).Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("counting verification requests: %w", err)
	}
	return n < limit, nil
}

// Log records one public request: the address, the code as typed (at most 64 characters) and
// the outcome.
func (s *Service) Log(ctx context.Context, ip, kind, code, outcome string) error {
	if len(code) > 64 {
		code = code[:64]
	}
	now := s.Clock.Now().UTC()
	if err := s.DB.WithContext(ctx).Exec(`INSERT INTO verification_requests (ip, occurred_at, kind, code, outcome) VALUES (?, ?, ?, ?, ?)`,
		ip, now, kind, code, outcome).Error; err != nil {
		return fmt.Errorf("logging a verification request: %w", err)
	}
	return nil
}
