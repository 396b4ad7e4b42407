package web

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/engagements"
	"github.com/attest-soc/attest/internal/policy"
)

// engagementResource describes engagement id for the policy, from u's point of view.
func (s *Server) engagementResource(ctx context.Context, engagementID int64, u auth.User) (policy.Resource, error) {
	a, err := s.Engagements.AccessFor(ctx, engagementID, u.ID)
	if err != nil {
		return policy.Resource{}, err
	}
	return policy.Resource{
		ClientID:       a.ClientID,
		EngagementID:   engagementID,
		TeamRole:       policy.TeamRole(a.TeamRole),
		Locked:         a.Status.Locked(),
		Coordinator:    a.Coordinator,
		HasCoordinator: a.HasCoordinator,
	}, nil
}

// requestScope resolves routes whose :param is an information request: the engagement, plus
// whether the acting user is involved in that request (its assignee or an uploader), which is
// what a client user who is not the coordinator reaches.
func (s *Server) requestScope(param string) scope {
	engagement := s.childScope("info_requests", param)
	return func(c echo.Context, u auth.User) (policy.Resource, error) {
		res, err := engagement(c, u)
		if err != nil {
			return res, err
		}
		id, err := paramID(c, param)
		if err != nil {
			return res, err
		}
		res.OneRequest = true
		res.Involved, err = s.Requests.Involved(c.Request().Context(), id, u.ID)
		return res, err
	}
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

// childScope resolves routes whose :param is the id of a row of kind (controls, tests,
// samples, info_requests, …: see engagements.EngagementOf) that belongs to one engagement.
func (s *Server) childScope(kind, param string) scope {
	if !engagements.OwnsKind(kind) {
		panic("web: childScope of unknown kind " + kind)
	}
	return func(c echo.Context, u auth.User) (policy.Resource, error) {
		id, err := paramID(c, param)
		if err != nil {
			return policy.Resource{}, err
		}
		engagementID, err := s.Engagements.EngagementOf(c.Request().Context(), kind, id)
		if err != nil {
			return policy.Resource{}, err
		}
		return s.engagementResource(c.Request().Context(), engagementID, u)
	}
}
