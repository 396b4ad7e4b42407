// Package firm owns the audit firm's own records: its client organizations and its settings
// (name, city, state and logo for the report signature).
package firm

import (
	"context"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"net/url"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/clock"
)

// Service holds what the firm functions need.
type Service struct {
	DB    *gorm.DB
	Clock clock.Clock
}

// Client is a client organization.
type Client struct {
	ID         int64 `gorm:"primaryKey"`
	Name       string
	LegalName  string
	Website    string
	ArchivedAt *time.Time
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ClientInput is what the client form sends.
type ClientInput struct {
	Name, LegalName, Website string
}

// Validate trims the input and lists its problems.
func (in *ClientInput) Validate() apperr.Validation {
	v := apperr.Validation{}
	in.Name = strings.TrimSpace(in.Name)
	in.LegalName = strings.TrimSpace(in.LegalName)
	in.Website = strings.TrimSpace(in.Website)
	if in.Name == "" {
		v.Add("name", "Enter the organization's name.")
	} else if len(in.Name) > 200 {
		v.Add("name", "Use at most 200 characters.")
	}
	if len(in.LegalName) > 300 {
		v.Add("legal_name", "Use at most 300 characters.")
	}
	if in.Website != "" {
		u, err := url.Parse(in.Website)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.Add("website", "Enter a full address such as https://example.com, or leave it empty.")
		}
	}
	return v
}

// AuditView is what the audit trail stores of a client.
func (c Client) AuditView() map[string]any {
	return map[string]any{"name": c.Name, "legal_name": c.LegalName, "website": c.Website}
}

// ClientSummary is a client organization with its number of users, for the administration list.
type ClientSummary struct {
	Client
	Users int64
}

// ListClientSummaries returns every client organization by name with its number of users.
func (s *Service) ListClientSummaries(ctx context.Context) ([]ClientSummary, error) {
	var out []ClientSummary
	err := s.DB.WithContext(ctx).Raw(`
		SELECT c.*, count(u.id) AS users
		FROM clients c LEFT JOIN users u ON u.client_id = c.id
		GROUP BY c.id ORDER BY lower(c.name)`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing clients: %w", err)
	}
	return out, nil
}

// ListClients returns every client organization by name.
func (s *Service) ListClients(ctx context.Context) ([]Client, error) {
	var out []Client
	if err := s.DB.WithContext(ctx).Order("lower(name)").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("listing clients: %w", err)
	}
	return out, nil
}

// GetClient loads one client organization.
func (s *Service) GetClient(ctx context.Context, id int64) (Client, error) {
	return dbx.First[Client](s.DB.WithContext(ctx), fmt.Sprintf("client %d", id), id)
}

// CreateClient adds a client organization and audits it.
func (s *Service) CreateClient(ctx context.Context, actor audit.Actor, in ClientInput) (Client, error) {
	if err := in.Validate().Err(); err != nil {
		return Client{}, err
	}
	now := s.Clock.Now()
	c := Client{Name: in.Name, LegalName: in.LegalName, Website: in.Website, Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := uniqueName(tx, c.Name, 0); err != nil {
			return err
		}
		if err := tx.Create(&c).Error; err != nil {
			return fmt.Errorf("creating client %s: %w", c.Name, err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "client.create", EntityType: "client", EntityID: c.ID,
			ClientID: c.ID, After: c.AuditView()})
	})
	return c, err
}

// UpdateClient saves a client edited from version. When someone saved in between, it returns
// an *apperr.ConflictError whose Current is the stored Client, and changes nothing.
func (s *Service) UpdateClient(ctx context.Context, actor audit.Actor, id int64, version int, in ClientInput) (Client, error) {
	if err := in.Validate().Err(); err != nil {
		return Client{}, err
	}
	var c Client
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if c, err = dbx.First[Client](tx.Clauses(clause.Locking{Strength: "UPDATE"}), fmt.Sprintf("client %d", id), id); err != nil {
			return err
		}
		if c.Version != version {
			return &apperr.ConflictError{Entity: "client", Current: c, UpdatedAt: c.UpdatedAt}
		}
		if err := uniqueName(tx, in.Name, id); err != nil {
			return err
		}
		before := c.AuditView()
		c.Name, c.LegalName, c.Website = in.Name, in.LegalName, in.Website
		c.Version++
		c.UpdatedAt = s.Clock.Now()
		res := tx.Model(&Client{}).Where("id = ? AND version = ?", id, version).Updates(map[string]any{
			"name": c.Name, "legal_name": c.LegalName, "website": c.Website, "version": c.Version, "updated_at": c.UpdatedAt})
		if res.Error != nil {
			return fmt.Errorf("updating client %d: %w", id, res.Error)
		}
		if res.RowsAffected != 1 {
			// Unreachable while the row lock holds; kept so a future change to the lock cannot
			// turn a stale save into a silent one.
			return &apperr.ConflictError{Entity: "client", Current: c, UpdatedAt: c.UpdatedAt}
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "client.update", EntityType: "client", EntityID: id,
			ClientID: id, Before: before, After: c.AuditView()})
	})
	return c, err
}

func uniqueName(tx *gorm.DB, name string, exceptID int64) error {
	var n int64
	if err := tx.Model(&Client{}).Where("lower(name) = lower(?) AND id <> ?", name, exceptID).Count(&n).Error; err != nil {
		return fmt.Errorf("checking client name: %w", err)
	}
	if n > 0 {
		return apperr.Validation{"name": "Another client organization already has this name."}
	}
	return nil
}
