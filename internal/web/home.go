package web

import (
	"fmt"
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
	mine, err := s.Engagements.List(c.Request().Context(), u, engagements.Filter{OnlyMine: true})
	if err != nil {
		return err
	}
	rows := engagementRows(mine, u)
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	sums, err := s.Description.SummarizeMany(c.Request().Context(), ids)
	if err != nil {
		return err
	}
	for i := range rows {
		sum := sums[rows[i].ID]
		rows[i].Description = fmt.Sprintf("%d/%d written · %d reviewed · %d open %s · assertion %s", sum.Written, sum.Total, sum.Concluded,
			sum.OpenNotes, map[bool]string{true: "note", false: "notes"}[sum.OpenNotes == 1], sum.AssertionState)
	}
	return s.render(c, http.StatusOK, templates.FirmHomePage(s.page(c, "Home", "home"), rows))
}
