package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/firm"
	"github.com/attest-soc/attest/templates"
)

// firm is s.Firm (built once in New).
func (s *Server) firm() *firm.Service { return s.Firm }

func (s *Server) adminClientList(c echo.Context) error {
	clients, err := s.firm().ListClientSummaries(c.Request().Context())
	if err != nil {
		return err
	}
	rows := make([]templates.AdminClientRow, len(clients))
	for i, cl := range clients {
		rows[i] = templates.AdminClientRow{ID: cl.ID, Name: cl.Name, LegalName: cl.LegalName, Website: cl.Website, Users: cl.Users}
	}
	return s.render(c, http.StatusOK, templates.AdminClientsPage(s.page(c, "Client organizations", "admin"), rows))
}

func (s *Server) adminClientNew(c echo.Context) error {
	return s.renderClientForm(c, http.StatusOK, templates.ClientForm{})
}

func (s *Server) adminClientCreate(c echo.Context) error {
	f := clientFormFrom(c)
	cl, err := s.firm().CreateClient(c.Request().Context(), mustUser(c).Actor(), firm.ClientInput{Name: f.Name, LegalName: f.LegalName, Website: f.Website})
	if v, ok := apperr.AsValidation(err); ok {
		f.Errors = templates.Errors(v)
		return s.renderClientForm(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/clients", "Client organization "+cl.Name+" added.")
}

func (s *Server) adminClientEdit(c echo.Context) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	cl, err := s.firm().GetClient(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.renderClientForm(c, http.StatusOK, templates.ClientForm{ID: cl.ID, Name: cl.Name, LegalName: cl.LegalName,
		Website: cl.Website, Version: cl.Version})
}

// adminClientUpdate saves an edit; a stale version shows the stored values beside the user's.
func (s *Server) adminClientUpdate(c echo.Context) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f := clientFormFrom(c)
	f.ID = id
	f.Version, err = strconv.Atoi(c.FormValue("version"))
	if err != nil {
		f.Errors = templates.Errors{"name": "The form is incomplete. Reload the page and make your change again."}
		return s.renderClientForm(c, http.StatusUnprocessableEntity, f)
	}
	cl, err := s.firm().UpdateClient(c.Request().Context(), mustUser(c).Actor(), id, f.Version,
		firm.ClientInput{Name: f.Name, LegalName: f.LegalName, Website: f.Website})
	if v, ok := apperr.AsValidation(err); ok {
		f.Errors = templates.Errors(v)
		return s.renderClientForm(c, http.StatusUnprocessableEntity, f)
	}
	if conflict, ok := apperr.AsConflict(err); ok {
		cur := conflict.Current.(firm.Client)
		f.Version = cur.Version
		f.Conflict = &templates.ClientConflict{Name: cur.Name, LegalName: cur.LegalName, Website: cur.Website,
			SavedAt: cur.UpdatedAt.Format("2 Jan 2006 15:04 MST")}
		return s.renderClientForm(c, http.StatusConflict, f)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/clients", "Client organization "+cl.Name+" saved.")
}

func clientFormFrom(c echo.Context) templates.ClientForm {
	return templates.ClientForm{Name: c.FormValue("name"), LegalName: c.FormValue("legal_name"), Website: c.FormValue("website")}
}

func (s *Server) renderClientForm(c echo.Context, status int, f templates.ClientForm) error {
	title := "Add client organization"
	if f.ID != 0 {
		title = "Edit client organization"
	}
	return s.render(c, status, templates.ClientFormPage(s.page(c, title, "admin"), f))
}
