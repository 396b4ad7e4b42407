package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/requests"
	"github.com/attest-soc/attest/templates"
)

func (s *Server) renderRequestTemplate(c echo.Context, status int, mutate func(*templates.RequestTemplateView)) error {
	items, err := s.Requests.TemplateItems(c.Request().Context())
	if err != nil {
		return err
	}
	v := templates.RequestTemplateView{Errors: templates.Errors{}}
	for _, it := range items {
		v.Items = append(v.Items, templates.TemplateItemView{ID: it.ID, Position: it.Position, Title: it.Title, Description: it.Description, Criteria: it.Criteria})
	}
	if mutate != nil {
		mutate(&v)
	}
	return s.render(c, status, templates.RequestTemplatePage(s.page(c, "Standard request list", "admin"), v))
}

// requestTemplateShow: GET /admin/request-template.
func (s *Server) requestTemplateShow(c echo.Context) error {
	return s.renderRequestTemplate(c, http.StatusOK, nil)
}

// requestTemplateSave: POST /admin/request-template (add) and /admin/request-template/:itemID (change).
func (s *Server) requestTemplateSave(c echo.Context) error {
	var id int64
	if c.Param("itemID") != "" {
		var err error
		if id, err = paramID(c, "itemID"); err != nil {
			return err
		}
	}
	in := requests.TemplateInput{Title: c.FormValue("title"), Description: c.FormValue("description"), Criteria: c.FormValue("criteria")}
	err := s.Requests.SaveTemplateItem(c.Request().Context(), mustUser(c), id, in)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderRequestTemplate(c, http.StatusUnprocessableEntity, func(tv *templates.RequestTemplateView) {
			tv.Errors = templates.Errors(v)
			tv.EditID = id
			if id == 0 {
				tv.New = templates.TemplateItemView{Title: in.Title, Description: in.Description, Criteria: in.Criteria}
			}
		})
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/request-template", "Standard request list saved.")
}

// requestTemplateDelete: POST /admin/request-template/:itemID/delete.
func (s *Server) requestTemplateDelete(c echo.Context) error {
	id, err := paramID(c, "itemID")
	if err != nil {
		return err
	}
	if err := s.Requests.DeleteTemplateItem(c.Request().Context(), mustUser(c), id); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/request-template", "Entry removed from the standard request list.")
}
