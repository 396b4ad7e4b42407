package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/engagements"
	"github.com/attest-soc/attest/templates"
)

// engagementNew shows the empty engagement form.
func (s *Server) engagementNew(c echo.Context) error {
	in := engagements.Input{ReportType: "type2"}
	if id, err := strconv.ParseInt(c.QueryParam("client"), 10, 64); err == nil {
		in.ClientID = id
	}
	return s.renderEngagementForm(c, http.StatusOK, 0, in, nil, nil)
}

// engagementCreate stores a new engagement and continues to its team.
func (s *Server) engagementCreate(c echo.Context) error {
	in := parseEngagementForm(c)
	id, err := s.Engagements.Create(c.Request().Context(), mustUser(c).Actor(), in)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderEngagementForm(c, http.StatusUnprocessableEntity, 0, in, v, nil)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(id)+"/team", "Engagement created. Now add the team.")
}

// engagementEdit shows the form with the stored values.
func (s *Server) engagementEdit(c echo.Context) error {
	id := resource(c).EngagementID
	e, err := s.Engagements.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.renderEngagementForm(c, http.StatusOK, id, e.Input(), nil, nil)
}

// engagementUpdate saves the form; a stale version shows what someone else changed.
func (s *Server) engagementUpdate(c echo.Context) error {
	id := resource(c).EngagementID
	in := parseEngagementForm(c)
	err := s.Engagements.Update(c.Request().Context(), mustUser(c).Actor(), id, in)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderEngagementForm(c, http.StatusUnprocessableEntity, id, in, v, nil)
	}
	if conflict, ok := apperr.AsConflict(err); ok {
		stored := conflict.Current.(engagements.Input)
		var changes []templates.ConflictChange
		for _, ch := range engagements.Changes(in, stored) {
			changes = append(changes, templates.ConflictChange{Label: ch.Label, Yours: ch.Yours, Stored: ch.Stored})
		}
		// The form keeps the user's input but carries the stored version, so saving again
		// replaces the stored values knowingly.
		in.Version = stored.Version
		if changes == nil {
			changes = []templates.ConflictChange{}
		}
		return s.renderEngagementForm(c, http.StatusConflict, id, in, nil, changes)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(id), "Engagement saved.")
}

func parseEngagementForm(c echo.Context) engagements.Input {
	in := engagements.Input{
		Name:                c.FormValue("name"),
		ReportType:          c.FormValue("report_type"),
		AsOfDate:            strings.TrimSpace(c.FormValue("as_of_date")),
		PeriodStart:         strings.TrimSpace(c.FormValue("period_start")),
		PeriodEnd:           strings.TrimSpace(c.FormValue("period_end")),
		ReportDate:          strings.TrimSpace(c.FormValue("report_date")),
		PeriodWarningReason: c.FormValue("period_warning_reason"),
	}
	in.ClientID, _ = strconv.ParseInt(c.FormValue("client_id"), 10, 64)
	in.Version, _ = strconv.Atoi(c.FormValue("version"))
	if form, err := c.FormParams(); err == nil {
		in.Categories = form["categories"]
	}
	return in
}

// renderEngagementForm shows the form with in; conflict is non-nil after a stale save.
func (s *Server) renderEngagementForm(c echo.Context, status int, id int64, in engagements.Input, errs apperr.Validation, conflict []templates.ConflictChange) error {
	f := templates.EngagementFormView{
		IsNew: id == 0, Version: in.Version, Errors: templates.Errors(errs), Conflict: conflict, Conflicted: conflict != nil,
		Values: map[string]string{"name": in.Name, "report_type": in.ReportType, "as_of_date": in.AsOfDate,
			"period_start": in.PeriodStart, "period_end": in.PeriodEnd, "report_date": in.ReportDate,
			"period_warning_reason": in.PeriodWarningReason},
		Checked: map[string]bool{"security": true},
	}
	for _, cat := range in.Categories {
		f.Checked[cat] = true
	}
	if in.ReportType == "type2" {
		start, err1 := time.Parse(engagements.DateLayout, in.PeriodStart)
		end, err2 := time.Parse(engagements.DateLayout, in.PeriodEnd)
		if err1 == nil && err2 == nil && end.After(start) {
			f.Warning = engagements.PeriodWarning(start, end)
		}
	}
	title := "New engagement"
	if f.IsNew {
		f.Action, f.CancelURL = "/engagements", "/engagements"
		if in.ClientID != 0 {
			f.Values["client_id"] = itoa(in.ClientID)
		}
		clients, _, err := s.Engagements.FilterOptions(c.Request().Context())
		if err != nil {
			return err
		}
		f.Clients = idOptions("Choose…", clients)
	} else {
		title = "Edit engagement"
		f.Action, f.CancelURL = "/engagements/"+itoa(id)+"/edit", "/engagements/"+itoa(id)
	}
	f.Title = title
	return s.render(c, status, templates.EngagementFormPage(s.page(c, title, "engagements"), f))
}
