package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/policy"
)

// scope resolves the resource a route touches from its path parameters, for the policy.
type scope func(c echo.Context, u auth.User) (policy.Resource, error)

// firmLevel is the scope of routes that touch no client's data.
func firmLevel(echo.Context, auth.User) (policy.Resource, error) { return policy.Resource{}, nil }

// route is one registered endpoint with the action the policy checks for it.
type route struct {
	Method string
	Path   string
	Action policy.Action
	Scope  scope
}

type routeOption func(*routeConfig)

type routeConfig struct{ upload bool }

// upload raises the body limit of a route to the evidence upload limit; the handler streams.
func upload(rc *routeConfig) { rc.upload = true }

// handle registers a route whose handler runs only after the policy allows action on the
// resource that sc resolves. Every route in Attest goes through here or through public.
func (s *Server) handle(method, path string, action policy.Action, sc scope, h echo.HandlerFunc, opts ...routeOption) {
	var rc routeConfig
	for _, o := range opts {
		o(&rc)
	}
	limit := s.Config.MaxBodyBytes
	if rc.upload {
		limit = s.Config.MaxUploadBytes + 1<<20 // room for the multipart envelope
	}
	s.routes = append(s.routes, route{Method: method, Path: path, Action: action, Scope: sc})
	s.echo.Add(method, path, h, bodyLimit(limit), s.authorize(action, sc))
}

// public registers a route anyone may call, signed in or not.
func (s *Server) public(method, path string, h echo.HandlerFunc) {
	s.routes = append(s.routes, route{Method: method, Path: path, Action: policy.Public, Scope: firmLevel})
	s.echo.Add(method, path, h, bodyLimit(s.Config.MaxBodyBytes))
}

func bodyLimit(n int64) echo.MiddlewareFunc {
	return middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: formatLimit(n)})
}

func formatLimit(n int64) string {
	return itoa(n) + "B"
}

// Routes lists the registered routes (the authorization matrix test walks them).
func (s *Server) Routes() []route { return s.routes }

func (s *Server) authorize(action policy.Action, sc scope) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u, ok := currentUser(c)
			if !ok {
				return s.requireSignIn(c)
			}
			if stage := currentSession(c).Stage; stage != auth.StageFull && action != policy.AccountMFAStep {
				return c.Redirect(http.StatusSeeOther, mfaPath(stage))
			}
			res, err := sc(c, u)
			if err != nil {
				return err
			}
			if err := policy.Check(u, action, res); err != nil {
				return err
			}
			c.Set(ctxResource, res)
			return next(c)
		}
	}
}

func mfaPath(stage auth.SessionStage) string {
	if stage == auth.StageMFAEnrol {
		return "/account/mfa/enrol"
	}
	return "/login/mfa"
}

// resource returns what the route's scope resolved.
func resource(c echo.Context) policy.Resource {
	r, _ := c.Get(ctxResource).(policy.Resource)
	return r
}
