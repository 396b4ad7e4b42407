package web

import (
	"context"
	"errors"
	"fmt"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/policy"
)

// engagementResource describes engagement id for the policy, from u's point of view.
func (s *Server) engagementResource(ctx context.Context, engagementID int64, u auth.User) (policy.Resource, error) {
	var row struct {
		ClientID int64
		Status   string
		TeamRole string
	}
	err := s.DB.WithContext(ctx).Raw(`
		SELECT e.client_id, e.status, coalesce(m.role, '') AS team_role
		FROM engagements e
		LEFT JOIN engagement_members m ON m.engagement_id = e.id AND m.user_id = ?
		WHERE e.id = ?`, u.ID, engagementID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return policy.Resource{}, apperr.ErrNotFound
	}
	if err != nil {
		return policy.Resource{}, fmt.Errorf("loading engagement %d for policy: %w", engagementID, err)
	}
	return policy.Resource{
		ClientID:     row.ClientID,
		EngagementID: engagementID,
		TeamRole:     policy.TeamRole(row.TeamRole),
		Locked:       row.Status == "signed" || row.Status == "issued" || row.Status == "archived",
	}, nil
}

// engagementScope resolves routes whose :param is an engagement id.
func (s *Server) engagementScope(param string) scope {
	return func(c echo.Context, u auth.User) (policy.Resource, error) {
		id, err := paramID(c, param)
		if err != nil {
			return policy.Resource{}, err
		}
		return s.engagementResource(c.Request().Context(), id, u)
	}
}

// childScope resolves routes whose :param is the id of a row in table that has an
// engagement_id column (controls, tests, requests, …).
func (s *Server) childScope(table, param string) scope {
	return func(c echo.Context, u auth.User) (policy.Resource, error) {
		id, err := paramID(c, param)
		if err != nil {
			return policy.Resource{}, err
		}
		var engagementID int64
		err = s.DB.WithContext(c.Request().Context()).Raw(`SELECT engagement_id FROM `+table+` WHERE id = ?`, id).Row().Scan(&engagementID)
		if err != nil {
			return policy.Resource{}, apperr.ErrNotFound
		}
		return s.engagementResource(c.Request().Context(), engagementID, u)
	}
}
