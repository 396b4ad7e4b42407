package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"
)

const csrfCookie = "attest_csrf"

// sessionCSRF is the CSRF token of a session: an HMAC keyed by the session's secret token, so
// it is bound to that session (a token from another session, or one planted in the browser
// before sign-in, does not match) and changes whenever the session token does — at every sign-in
// step. Any instance can check it without shared state.
func sessionCSRF(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("attest csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func randomCSRF() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrf checks the token of every unsafe request. Signed in (at any stage) the expected token is
// sessionCSRF of the session; before sign-in (the login form) it is a random double-submit
// cookie. Uploads carry the token in the query string so the multipart body is not parsed
// here; forms carry it as a field and htmx as a header.
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Path() {
		case "/healthz", "/readyz", "/static/*":
			return next(c)
		case "/verify", "/verify/:code":
			// The public verification upload changes nothing (it answers and logs), and
			// scripts post to it.
			if c.Request().Method == http.MethodPost {
				return next(c)
			}
		}
		expected := ""
		if token, ok := c.Get(ctxToken).(string); ok {
			expected = sessionCSRF(token)
		} else if ck, err := c.Cookie(csrfCookie); err == nil && len(ck.Value) == 43 {
			expected = ck.Value
		} else {
			expected = randomCSRF()
		}
		s.setCSRF(c, expected)
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			return next(c)
		}
		sent := c.Request().Header.Get("X-CSRF-Token")
		if sent == "" {
			sent = c.QueryParam("_csrf")
		}
		if sent == "" {
			sent = c.FormValue("_csrf")
		}
		if sent == "" || !hmac.Equal([]byte(sent), []byte(expected)) {
			// A body cut off at the limit (no Content-Length) loses its token: say what happened.
			if bodyTooLarge(c) {
				return echo.ErrStatusRequestEntityTooLarge
			}
			return errCSRF
		}
		return next(c)
	}
}

// setCSRF makes token the one pages put in their forms, and the cookie (kept for the login
// form's double submit) when it differs.
func (s *Server) setCSRF(c echo.Context, token string) {
	c.Set("csrf", token)
	if ck, err := c.Cookie(csrfCookie); err == nil && ck.Value == token {
		return
	}
	c.SetCookie(&http.Cookie{Name: csrfCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.Config.SecureCookies, SameSite: http.SameSiteLaxMode})
}
