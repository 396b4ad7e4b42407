package firm

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
)

// MaxLogoBytes bounds the logo printed on reports.
const MaxLogoBytes = 1 << 20

// Settings is the firm as its reports sign: name, city and state, and the logo.
type Settings struct {
	ID              int16 `gorm:"primaryKey"`
	FirmName        string
	City            string
	State           string
	Logo            []byte
	LogoContentType string
	Version         int
	UpdatedAt       time.Time
}

// TableName maps Settings to its one-row table.
func (Settings) TableName() string { return "firm_settings" }

// SettingsInput is what the settings form sends; Logo is nil when no new file was chosen.
type SettingsInput struct {
	FirmName, City, State string
	Logo                  []byte
}

// Validate trims the input and lists its problems, including the logo's size and type.
func (in *SettingsInput) Validate() (apperr.Validation, string) {
	v := apperr.Validation{}
	in.FirmName = strings.TrimSpace(in.FirmName)
	in.City = strings.TrimSpace(in.City)
	in.State = strings.TrimSpace(in.State)
	if in.FirmName == "" {
		v.Add("firm_name", "Enter the firm's name as it signs reports.")
	}
	if in.City == "" {
		v.Add("city", "Enter the city the report is signed in.")
	}
	if in.State == "" {
		v.Add("state", "Enter the state the report is signed in.")
	}
	contentType := ""
	if in.Logo != nil {
		contentType = http.DetectContentType(in.Logo)
		switch {
		case len(in.Logo) > MaxLogoBytes:
			v.Add("logo", "The logo is larger than 1 MB. Choose a smaller PNG or JPEG file.")
		case contentType != "image/png" && contentType != "image/jpeg":
			v.Add("logo", "The logo must be a PNG or JPEG image.")
		}
	}
	return v, contentType
}

// AuditView is what the audit trail stores of the settings (the logo only by size and type).
func (s Settings) AuditView() map[string]any {
	return map[string]any{"firm_name": s.FirmName, "city": s.City, "state": s.State,
		"logo_bytes": len(s.Logo), "logo_content_type": s.LogoContentType}
}

// GetSettings loads the firm settings.
func (s *Service) GetSettings(ctx context.Context) (Settings, error) {
	var st Settings
	if err := s.DB.WithContext(ctx).First(&st, 1).Error; err != nil {
		return st, fmt.Errorf("loading firm settings: %w", err)
	}
	return st, nil
}

// UpdateSettings saves settings edited from version, keeping the logo unless a new one came.
func (s *Service) UpdateSettings(ctx context.Context, actor audit.Actor, version int, in SettingsInput) (Settings, error) {
	v, contentType := in.Validate()
	if err := v.Err(); err != nil {
		return Settings{}, err
	}
	var st Settings
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&st, 1).Error; err != nil {
			return fmt.Errorf("loading firm settings: %w", err)
		}
		if st.Version != version {
			return &apperr.ConflictError{Entity: "firm settings", Current: st, UpdatedAt: st.UpdatedAt}
		}
		before := st.AuditView()
		st.FirmName, st.City, st.State = in.FirmName, in.City, in.State
		if in.Logo != nil {
			st.Logo, st.LogoContentType = in.Logo, contentType
		}
		st.Version++
		st.UpdatedAt = s.Clock.Now()
		res := tx.Model(&Settings{}).Where("id = 1 AND version = ?", version).Updates(map[string]any{"firm_name": st.FirmName, "city": st.City,
			"state": st.State, "logo": st.Logo, "logo_content_type": st.LogoContentType, "version": st.Version,
			"updated_at": st.UpdatedAt})
		if res.Error != nil {
			return fmt.Errorf("saving firm settings: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return &apperr.ConflictError{Entity: "firm settings", Current: st, UpdatedAt: st.UpdatedAt}
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "settings.update", EntityType: "firm_settings", EntityID: 1,
			Before: before, After: st.AuditView()})
	})
	return st, err
}
