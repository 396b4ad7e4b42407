package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/engagements"
	"github.com/attest-soc/attest/templates"
)

func (s *Server) home(c echo.Context) error {
	u := mustUser(c)
	p := s.page(c, "Home", "home")
	if u.Role == auth.RoleClient {
		return s.render(c, http.StatusOK, templates.HomePage(p))
	}
	mine, err := engagements.List(c.Request().Context(), s.DB, u, engagements.Filter{OnlyMine: true})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.FirmHomePage(p, engagementRows(mine)))
}
