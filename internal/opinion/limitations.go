package opinion

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	dbx "github.com/attest-soc/attest/internal/db"
)

// ScopeLimitation is evidence the team recorded it could not obtain. While one is recorded,
// Attest proposes a disclaimer of opinion (Propose) and the proposal names it.
type ScopeLimitation struct {
	ID            int64
	Description   string
	Criteria      dbx.TextArray
	Pervasive     bool
	CreatedByName string
	CreatedAt     time.Time
}

// ScopeLimitationInput is the team's form: what could not be obtained, the criteria it
// affects (comma- or space-separated ids, e.g. "CC6.2, CC6.3") and whether it is pervasive.
type ScopeLimitationInput struct {
	Description string
	Criteria    string
	Pervasive   bool
}

// ScopeLimitations lists the engagement's recorded scope limitations, oldest first.
func (s *Service) ScopeLimitations(ctx context.Context, engagementID int64) ([]ScopeLimitation, error) {
	var out []ScopeLimitation
	err := s.DB.WithContext(ctx).Raw(`SELECT l.id, l.description, l.criteria, l.pervasive, coalesce(u.name, '') AS created_by_name, l.created_at
		FROM scope_limitations l LEFT JOIN users u ON u.id = l.created_by WHERE l.engagement_id = ? ORDER BY l.id`, engagementID).
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing scope limitations of engagement %d: %w", engagementID, err)
	}
	return out, nil
}

// RecordScopeLimitation records a scope limitation before the signature (the policy refuses it
// on a locked engagement; the domain checks again under the row lock).
func (s *Service) RecordScopeLimitation(ctx context.Context, u auth.User, engagementID int64, in ScopeLimitationInput) (int64, error) {
	in.Description = strings.TrimSpace(in.Description)
	v := apperr.Validation{}
	if in.Description == "" {
		v.Add("limitation_description", "Describe the evidence that could not be obtained and why, e.g. \"Management could not provide the population of terminations.\"")
	} else if len(in.Description) > 4000 {
		v.Add("limitation_description", "At most 4,000 characters.")
	}
	criteria := strings.FieldsFunc(strings.ToUpper(in.Criteria), func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' })
	sort.Strings(criteria)
	criteria = compactStrings(criteria)
	var id int64
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		status, clientID, err := lockEngagement(tx, engagementID)
		if err != nil {
			return err
		}
		if status.Locked() {
			return apperr.ErrLocked
		}
		if len(criteria) > 0 {
			var known []string
			if err := tx.Raw(`SELECT id FROM criteria WHERE id IN ?`, criteria).Scan(&known).Error; err != nil {
				return fmt.Errorf("checking criteria: %w", err)
			}
			if unknown := missing(criteria, known); len(unknown) > 0 {
				v.Add("limitation_criteria", "Not criteria of the catalog: "+strings.Join(unknown, ", ")+". Use ids such as CC6.2.")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.Raw(`INSERT INTO scope_limitations (engagement_id, description, criteria, pervasive, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, engagementID, in.Description, dbx.TextArray(criteria), in.Pervasive, u.ID, s.Clock.Now()).
			Row().Scan(&id); err != nil {
			return fmt.Errorf("recording a scope limitation: %w", err)
		}
		return audit.Record(ctx, tx, u.Actor(), audit.Event{Action: "scope_limitation.record", EntityType: "scope_limitation", EntityID: id,
			EngagementID: engagementID, ClientID: clientID,
			After: map[string]any{"description": in.Description, "criteria": criteria, "pervasive": in.Pervasive}})
	})
	return id, err
}

// RemoveScopeLimitation removes a limitation recorded in error (before the signature), audited
// with what it said.
func (s *Service) RemoveScopeLimitation(ctx context.Context, u auth.User, engagementID, id int64) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		status, clientID, err := lockEngagement(tx, engagementID)
		if err != nil {
			return err
		}
		if status.Locked() {
			return apperr.ErrLocked
		}
		l, err := dbx.One[ScopeLimitation](tx, fmt.Sprintf("scope limitation %d", id),
			`SELECT id, description, criteria, pervasive FROM scope_limitations WHERE id = ? AND engagement_id = ?`, id, engagementID)
		if err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM scope_limitations WHERE id = ?`, id).Error; err != nil {
			return fmt.Errorf("removing scope limitation %d: %w", id, err)
		}
		return audit.Record(ctx, tx, u.Actor(), audit.Event{Action: "scope_limitation.remove", EntityType: "scope_limitation", EntityID: id,
			EngagementID: engagementID, ClientID: clientID,
			Before: map[string]any{"description": l.Description, "criteria": []string(l.Criteria), "pervasive": l.Pervasive}})
	})
}

func compactStrings(sorted []string) []string {
	var out []string
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func missing(want, have []string) []string {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	var out []string
	for _, w := range want {
		if !set[w] {
			out = append(out, w)
		}
	}
	return out
}
