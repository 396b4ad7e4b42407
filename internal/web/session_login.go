package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/templates"
)

func (s *Server) showLogin(c echo.Context) error {
	if u, ok := currentUser(c); ok && currentSession(c).Stage == auth.StageFull && u.ID != 0 {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	return s.render(c, http.StatusOK, templates.LoginPage(s.page(c, "Sign in", ""), templates.LoginForm{Next: c.QueryParam("next")}))
}

func (s *Server) login(c echo.Context) error {
	form := templates.LoginForm{
		Email:  strings.TrimSpace(c.FormValue("email")),
		Next:   c.FormValue("next"),
		Errors: templates.Errors{},
	}
	password := c.FormValue("password")
	if form.Email == "" {
		form.Errors["email"] = "Enter your e-mail address."
	}
	if password == "" {
		form.Errors["password"] = "Enter your password."
	}
	if len(form.Errors) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, templates.LoginPage(s.page(c, "Sign in", ""), form))
	}
	ctx := c.Request().Context()
	u, err := s.Auth.Authenticate(ctx, form.Email, password, c.RealIP())
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &throttled):
		form.Error = throttled.Error()
		c.Response().Header().Set("Retry-After", itoa(int64(throttled.RetryAfter.Seconds())+1))
		return s.render(c, http.StatusTooManyRequests, templates.LoginPage(s.page(c, "Sign in", ""), form))
	case errors.Is(err, auth.ErrInvalidCredentials):
		form.Error = "The e-mail address or password is not right, or the account is disabled. Check them and try again."
		return s.render(c, http.StatusUnauthorized, templates.LoginPage(s.page(c, "Sign in", ""), form))
	case err != nil:
		return err
	}
	if stage := stageAfterPassword(u); stage == auth.StageFull {
		err = s.signIn(c, u)
	} else {
		err = s.startSession(c, u, stage)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, safeNextForStage(form.Next, stageAfterPassword(u)))
}

// stageAfterPassword decides what a correct password alone unlocks.
func stageAfterPassword(u auth.User) auth.SessionStage {
	switch {
	case u.MFAEnabled():
		return auth.StageMFAPending
	case u.Role.RequiresMFA():
		return auth.StageMFAEnrol
	default:
		return auth.StageFull
	}
}

func safeNextForStage(next string, stage auth.SessionStage) string {
	if stage != auth.StageFull {
		return mfaPath(stage) + "?next=" + urlQueryEscape(safeNext(next))
	}
	return safeNext(next)
}

// startSession replaces any current session with a new one: a fresh token at every step up
// (password, then MFA) so a token planted before sign-in is worth nothing.
func (s *Server) startSession(c echo.Context, u auth.User, stage auth.SessionStage) error {
	return s.replaceSession(c, func() (string, error) {
		return s.Auth.StartSession(c.Request().Context(), u, stage, c.RealIP(), c.Request().UserAgent())
	})
}

// signIn completes a sign-in: like startSession with a full session, and audited.
func (s *Server) signIn(c echo.Context, u auth.User) error {
	return s.replaceSession(c, func() (string, error) {
		return s.Auth.SignIn(c.Request().Context(), u, c.RealIP(), c.Request().UserAgent())
	})
}

func (s *Server) replaceSession(c echo.Context, start func() (string, error)) error {
	ctx := c.Request().Context()
	if old, ok := c.Get(ctxToken).(string); ok {
		if err := s.Auth.EndSession(ctx, old); err != nil {
			return err
		}
	} else if cookie, err := c.Cookie(sessionCookie); err == nil {
		if err := s.Auth.EndSession(ctx, cookie.Value); err != nil {
			return err
		}
	}
	token, err := start()
	if err != nil {
		return err
	}
	s.setSessionCookie(c, token)
	s.setCSRF(c, sessionCSRF(token)) // a new session, a new CSRF token
	return nil
}

func (s *Server) logout(c echo.Context) error {
	if token, ok := c.Get(ctxToken).(string); ok {
		// Only a completed sign-in is audited, so only its end is: leaving at the MFA step is not.
		end := func() error { return s.Auth.EndSession(c.Request().Context(), token) }
		if currentSession(c).Stage == auth.StageFull {
			end = func() error { return s.Auth.SignOut(c.Request().Context(), mustUser(c), token) }
		}
		if err := end(); err != nil {
			return err
		}
	}
	s.clearSessionCookie(c)
	s.setCSRF(c, randomCSRF())
	s.flash(c, "success", "You have signed out.")
	return c.Redirect(http.StatusSeeOther, "/login")
}

// safeNext keeps redirects inside the application. Browsers drop tabs and line breaks from
// URLs and read a backslash as a slash, so "/\t/evil.example" would lead to //evil.example:
// control characters are removed and backslashes turned into slashes before the check, and
// only a path on this site (no scheme, no host) is accepted.
func safeNext(next string) string {
	next = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		if r == '\\' {
			return '/'
		}
		return r
	}, next)
	next = strings.TrimSpace(next)
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}
