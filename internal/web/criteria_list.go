package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/templates"
)

// criteriaList shows the Trust Services Criteria catalog by category.
func (s *Server) criteriaList(c echo.Context) error {
	groups, err := s.Criteria.ByCategory(c.Request().Context())
	if err != nil {
		return err
	}
	views := make([]templates.CriteriaGroup, len(groups))
	loaded := 0
	for i, g := range groups {
		views[i] = templates.CriteriaGroup{Key: g.Category.Key, Label: g.Category.Label}
		for _, cr := range g.Criteria {
			views[i].Criteria = append(views[i].Criteria, templates.CriterionView{ID: cr.ID, Series: cr.Series,
				SeriesTitle: cr.SeriesTitle, Summary: cr.Summary, OfficialText: cr.OfficialText})
			if cr.OfficialText != "" {
				loaded++
			}
		}
	}
	return s.render(c, http.StatusOK, templates.CriteriaPage(s.page(c, "Criteria", "criteria"), views, loaded))
}
