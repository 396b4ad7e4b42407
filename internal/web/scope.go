package web

import (
	"context"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/engagements"
	"github.com/attest-soc/attest/internal/policy"
)

// accessMemo keeps, for one GET request, the engagements already read for the policy and the
// shell: the route's scope, the shell's header and its tabs all ask for the same one (a statement
// each, issue #19). A page changes nothing, so the answer cannot change while it renders.
type accessMemo struct {
	mu   sync.Mutex
	seen map[[2]int64]engagements.Access // engagement id, user id
}

type accessMemoKey struct{}

// withAccessMemo gives a GET request's context a memo; other requests get none.
func withAccessMemo(ctx context.Context, method string) context.Context {
	if method != http.MethodGet && method != http.MethodHead {
		return ctx
	}
	return context.WithValue(ctx, accessMemoKey{}, &accessMemo{seen: map[[2]int64]engagements.Access{}})
}

// engagementAccess reads engagement id's access and header for u, once per GET request.
func (s *Server) engagementAccess(ctx context.Context, engagementID int64, u auth.User) (engagements.Access, error) {
	memo, _ := ctx.Value(accessMemoKey{}).(*accessMemo)
	key := [2]int64{engagementID, u.ID}
	if memo != nil {
		memo.mu.Lock()
		a, ok := memo.seen[key]
		memo.mu.Unlock()
		if ok {
			return a, nil
		}
	}
	a, err := s.Engagements.AccessFor(ctx, engagementID, u.ID)
	if err == nil && memo != nil {
		memo.mu.Lock()
		memo.seen[key] = a
		memo.mu.Unlock()
	}
	return a, err
}

// engagementResource describes engagement id for the policy, from u's point of view.
func (s *Server) engagementResource(ctx context.Context, engagementID int64, u auth.User) (policy.Resource, error) {
	a, err := s.engagementAccess(ctx, engagementID, u)
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
