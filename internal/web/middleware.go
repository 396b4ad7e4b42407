package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
)

const sessionCookie = "attest_session"

// contentSecurityPolicy allows no inline script or style: scripts and styles come from our files.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) useMiddleware() {
	e := s.echo
	// The client address feeds the per-address sign-in throttle and the audit trail. Behind a
	// proxy every request comes from the proxy: trust X-Forwarded-For from the configured proxies
	// only, never from anyone else (who could then pick any address to dodge the throttle).
	if len(s.Config.TrustedProxies) > 0 {
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, r := range s.Config.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(r))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(middleware.RequestID())
	e.Use(s.logRequests)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.Log.Error("panic", "request_id", requestID(c), "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(s.secureHeaders)
	e.Use(s.loadSession)
	e.Use(s.limitBody)
	e.Use(s.csrf)
}

var errCSRF = errors.New("csrf token missing or invalid")

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		c.SetRequest(req.WithContext(withAccessMemo(audit.WithRequest(req.Context(), c.RealIP(), requestID(c)), req.Method)))
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		level := slog.LevelInfo
		if c.Response().Status >= 500 {
			level = slog.LevelError
		}
		attrs := []any{"request_id", requestID(c), "method", req.Method, "path", req.URL.Path,
			"status", c.Response().Status, "duration_ms", time.Since(start).Milliseconds(), "ip", c.RealIP()}
		if u, ok := currentUser(c); ok {
			attrs = append(attrs, "user_id", u.ID)
		}
		if err != nil && c.Response().Status >= 500 {
			attrs = append(attrs, "err", err)
		}
		if req.URL.Path != "/healthz" && req.URL.Path != "/readyz" {
			s.Log.Log(req.Context(), level, "request", attrs...)
		}
		return nil
	}
}

func (s *Server) secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.Config.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		if !strings.HasPrefix(c.Request().URL.Path, "/static/") {
			// Pages carry client data: never keep them in shared or browser caches.
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// loadSession puts the signed-in user in the context when the session cookie is valid.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		cookie, err := c.Cookie(sessionCookie)
		if err != nil || cookie.Value == "" {
			return next(c)
		}
		sess, u, err := s.Auth.LookupSession(c.Request().Context(), cookie.Value)
		if errors.Is(err, auth.ErrNoSession) {
			s.clearSessionCookie(c)
			c.Set(ctxExpired, true)
			return next(c)
		}
		if err != nil {
			return fmt.Errorf("loading session: %w", err)
		}
		c.Set(ctxUser, u)
		c.Set(ctxSession, sess)
		c.Set(ctxToken, cookie.Value)
		return next(c)
	}
}

func (s *Server) setSessionCookie(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.Config.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(s.Config.SessionMaxAge.Seconds())})
}

func (s *Server) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.Config.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// requireSignIn sends a browser to the login page and remembers where it was going.
func (s *Server) requireSignIn(c echo.Context) error {
	if c.Request().Method != http.MethodGet {
		return echo.NewHTTPError(http.StatusUnauthorized, "Your session has ended. Sign in again, then repeat what you were doing.")
	}
	if expired, _ := c.Get(ctxExpired).(bool); expired {
		s.flash(c, "info", "Your session expired. Please sign in again.")
	}
	return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
}
