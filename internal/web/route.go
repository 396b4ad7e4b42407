package web

import (
	"errors"
	"io"
	"net/http"

	"github.com/attest-soc/attest/internal/evidence"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/policy"
)

// scope resolves the resource a route touches from its path parameters, for the policy.
type scope func(c echo.Context, u auth.User) (policy.Resource, error)

// firmLevel is the scope of routes that touch no client's data.
func firmLevel(echo.Context, auth.User) (policy.Resource, error) { return policy.Resource{}, nil }

// route is one registered endpoint with the action the policy checks for it.
type route struct {
	Method    string
	Path      string
	Action    policy.Action
	Scope     scope
	BodyLimit int64 // bytes; limitBody enforces it before anything reads the body
	// RendersOnSuccess, on a POST route, says why a successful submission answers with a page
	// instead of redirecting (POST-redirect-GET): it shows something that exists only once,
	// such as a one-time link or recovery codes, or it changes nothing. Empty for every other
	// POST route; webtest fails any test in which such a route answers a form POST with a page.
	RendersOnSuccess string
}

type routeOption func(*routeConfig)

type routeConfig struct {
	upload  bool
	renders string
}

// rendersOnSuccess marks a POST route whose successful answer is a page, with the reason.
func rendersOnSuccess(reason string) routeOption {
	return func(rc *routeConfig) { rc.renders = reason }
}

// upload raises the body limit of a route to what evidence uploads need; the handler streams.
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
		// The size limit is per file (enforced while streaming); the body may carry several.
		limit = s.Config.MaxUploadBytes*evidence.MaxFilesPerUpload + 1<<20
	}
	s.routes = append(s.routes, route{Method: method, Path: path, Action: action, Scope: sc, BodyLimit: limit, RendersOnSuccess: rc.renders})
	s.echo.Add(method, path, h, s.authorize(action, sc))
}

// public registers a route anyone may call, signed in or not.
func (s *Server) public(method, path string, h echo.HandlerFunc) {
	s.routes = append(s.routes, route{Method: method, Path: path, Action: policy.Public, Scope: firmLevel, BodyLimit: s.Config.MaxBodyBytes})
	s.echo.Add(method, path, h)
}

// publicUpload registers a public route whose body may be up to limit bytes (the handler
// enforces its own file limit while reading). Its answer is a page: see RendersOnSuccess.
func (s *Server) publicUpload(method, path string, h echo.HandlerFunc, limit int64, renders string) {
	s.routes = append(s.routes, route{Method: method, Path: path, Action: policy.Public, Scope: firmLevel, BodyLimit: limit, RendersOnSuccess: renders})
	s.echo.Add(method, path, h)
}

// limitBody refuses a body larger than the matched route allows. It runs as global middleware,
// before the CSRF check, because that check parses form bodies to find the token: a route-level
// limit would come too late to stop an oversize (or multipart, spooled to disk) body being read.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		limit := s.Config.MaxBodyBytes
		for _, r := range s.routes {
			if r.Method == req.Method && r.Path == c.Path() {
				limit = r.BodyLimit
				break
			}
		}
		if req.ContentLength > limit {
			return echo.ErrStatusRequestEntityTooLarge
		}
		// A body without (or with a false) Content-Length stops at the limit while it is read.
		req.Body = &limitedBody{ReadCloser: http.MaxBytesReader(c.Response(), req.Body, limit)}
		return next(c)
	}
}

// limitedBody remembers that reading hit the limit (form parsing swallows the error), and that
// the client went away while sending.
type limitedBody struct {
	io.ReadCloser
	exceeded bool
	broken   bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil, errors.Is(err, io.EOF):
	case errors.As(err, &tooLarge):
		b.exceeded = true
	default:
		// The connection ended before the body did (closed tab, lost network): the request
		// failed on the client's side, not ours.
		b.broken = true
	}
	return n, err
}

// clientGone reports whether the client disconnected while sending the request body.
func clientGone(c echo.Context) bool {
	b, ok := c.Request().Body.(*limitedBody)
	return ok && b.broken
}

// statusClientClosedRequest is nginx's code for a request the client abandoned; it keeps these
// out of the 5xx errors in the log.
const statusClientClosedRequest = 499

// bodyTooLarge reports whether reading the request body stopped at the route's limit.
func bodyTooLarge(c echo.Context) bool {
	b, ok := c.Request().Body.(*limitedBody)
	return ok && b.exceeded
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
				if errors.Is(err, apperr.ErrLocked) {
					s.auditRefusal(c, u, action, res)
				}
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
