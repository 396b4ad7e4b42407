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
	if u.Role == auth.RoleClient && u.ClientID != nil {
		return s.clientHome(c, u)
	}
	mine, err := engagements.List(c.Request().Context(), s.DB, u, engagements.Filter{OnlyMine: true})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.FirmHomePage(s.page(c, "Home", "home"), engagementRows(mine)))
}
