package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/templates"
)

func (s *Server) home(c echo.Context) error {
	if u := mustUser(c); u.Role == auth.RoleClient && u.ClientID != nil {
		return s.clientHome(c, u)
	}
	return s.render(c, http.StatusOK, templates.HomePage(s.page(c, "Home", "home")))
}
