package verification

import (
	"context"
	"fmt"
	"time"
)

// Issued is an issued version with its verification code, as the engagement's pages list it.
type Issued struct {
	ID               int64
	Variant          string
	Version          int
	State            State
	SHA256           string `gorm:"column:sha256"`
	Code             string // stored form; "" for a version issued before codes existed
	Signed           bool
	IssuedAt         time.Time
	WithdrawalReason string
	WithdrawnAt      *time.Time
	PageCount        int
	ReleaseDate      time.Time
	ReportDate       time.Time
}

// KindLabel is the report kind as readers know it.
func (i Issued) KindLabel() string { return kindLabels[i.Variant] }

// IssuedVersions lists the engagement's issued versions (SOC 2 before SOC 3, newest first per
// kind) with their codes.
func (s *Service) IssuedVersions(ctx context.Context, engagementID int64) ([]Issued, error) {
	var out []Issued
	err := s.DB.WithContext(ctx).Raw(`SELECT v.id, v.variant, v.version, v.state, v.sha256, coalesce(k.code, '') AS code,
			coalesce(k.signed, false) AS signed, v.issued_at, v.withdrawal_reason, v.withdrawn_at,
			v.page_count, v.release_date, v.report_date
		FROM report_versions v LEFT JOIN report_verification_codes k ON k.report_version_id = v.id
		WHERE v.engagement_id = ? ORDER BY CASE v.variant WHEN 'type1' THEN 1 WHEN 'type2' THEN 2 ELSE 3 END, v.version DESC`, engagementID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing issued reports of engagement %d: %w", engagementID, err)
	}
	return out, nil
}
