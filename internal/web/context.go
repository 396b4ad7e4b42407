package web

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/auth"
)

const (
	ctxUser     = "attest.user"
	ctxSession  = "attest.session"
	ctxToken    = "attest.session_token"
	ctxExpired  = "attest.session_expired"
	ctxResource = "attest.resource"
)

func currentUser(c echo.Context) (auth.User, bool) {
	u, ok := c.Get(ctxUser).(auth.User)
	return u, ok
}

func currentSession(c echo.Context) auth.Session {
	s, _ := c.Get(ctxSession).(auth.Session)
	return s
}

// mustUser returns the signed-in user; authorize guarantees one on every non-public route.
func mustUser(c echo.Context) auth.User {
	u, _ := currentUser(c)
	return u
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// paramID reads a numeric path parameter; a malformed one is a 404, not a 500.
func paramID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}
