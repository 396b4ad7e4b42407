package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/controls"
	"github.com/attest-soc/attest/templates"
)

func complementaryInput(c echo.Context) (controls.ComplementaryInput, int) {
	version, _ := strconv.Atoi(c.FormValue("version"))
	sub, _ := strconv.ParseInt(c.FormValue("subservice_organization_id"), 10, 64)
	form, _ := c.FormParams()
	return controls.ComplementaryInput{Kind: c.FormValue("kind"), Ref: c.FormValue("ref"), Description: c.FormValue("description"),
		SubserviceOrganizationID: sub, Criteria: form["criteria"]}, version
}

func (s *Server) renderComplementaryForm(c echo.Context, status int, engagementID, id int64, version int, in controls.ComplementaryInput, errs apperr.Validation, conflict *templates.ConflictView) error {
	ctx, u := c.Request().Context(), mustUser(c)
	h, err := s.engagementHeader(ctx, engagementID, u, "controls")
	if err != nil {
		return err
	}
	sc, err := s.Controls.LoadScope(ctx, engagementID)
	if err != nil {
		return err
	}
	subs, err := s.Controls.Subservices(ctx, engagementID)
	if err != nil {
		return err
	}
	f := templates.ComplementaryFormView{EngagementID: engagementID, ID: id, Version: version, Kind: in.Kind, Ref: in.Ref,
		Description: in.Description, Checked: map[string]bool{}, Errors: templates.Errors(errs), Criteria: criteriaOptions(sc), Conflict: conflict}
	if in.SubserviceOrganizationID != 0 {
		f.Subservice = itoa(in.SubserviceOrganizationID)
	}
	for _, id := range in.Criteria {
		f.Checked[strings.ToUpper(strings.TrimSpace(id))] = true
	}
	// A CSOC always names its subservice organization: its form starts on a prompt to choose
	// one, never on the CUEC's "not applicable".
	f.Subservices = []templates.Option{{Value: "", Label: "Not applicable (CUEC)"}}
	if in.Kind == controls.KindCSOC {
		f.Subservices = []templates.Option{{Value: "", Label: "Choose the subservice organization"}}
	}
	for _, sub := range subs {
		label := sub.Name + " (carve-out)"
		if sub.Method == "inclusive" {
			label = sub.Name + " (inclusive: its controls belong in the matrix)"
		}
		f.Subservices = append(f.Subservices, templates.Option{Value: itoa(sub.ID), Label: label})
	}
	if len(subs) == 0 {
		f.Subservices = nil
	}
	return s.render(c, status, templates.ComplementaryFormPage(s.page(c, "Complementary control · "+h.Name, "engagements"), h, f))
}

func (s *Server) complementaryNew(c echo.Context) error {
	kind := c.QueryParam("kind")
	if kind != controls.KindCSOC {
		kind = controls.KindCUEC
	}
	return s.renderComplementaryForm(c, http.StatusOK, resource(c).EngagementID, 0, 0, controls.ComplementaryInput{Kind: kind}, nil, nil)
}

func (s *Server) complementaryCreate(c echo.Context) error {
	res, u := resource(c), mustUser(c)
	in, _ := complementaryInput(c)
	_, err := s.Controls.CreateComplementary(c.Request().Context(), u.Actor(), res.EngagementID, in)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderComplementaryForm(c, http.StatusUnprocessableEntity, res.EngagementID, 0, 0, in, v, nil)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(res.EngagementID)+"/controls", strings.ToUpper(in.Kind)+" added.")
}

func (s *Server) complementaryEdit(c echo.Context) error {
	id, err := paramID(c, "cid")
	if err != nil {
		return err
	}
	cc, err := s.Controls.GetComplementary(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.renderComplementaryForm(c, http.StatusOK, cc.EngagementID, cc.ID, cc.Version, cc.Input(), nil, nil)
}

func (s *Server) complementaryUpdate(c echo.Context) error {
	id, err := paramID(c, "cid")
	if err != nil {
		return err
	}
	res, u := resource(c), mustUser(c)
	in, version := complementaryInput(c)
	err = s.Controls.UpdateComplementary(c.Request().Context(), u.Actor(), id, version, in)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderComplementaryForm(c, http.StatusUnprocessableEntity, res.EngagementID, id, version, in, v, nil)
	}
	if conflict, ok := apperr.AsConflict(err); ok {
		cur := conflict.Current.(controls.Complementary)
		stored := cur.Input()
		view := &templates.ConflictView{Fields: []templates.ConflictField{
			{Label: "Kind", Stored: strings.ToUpper(stored.Kind), Yours: strings.ToUpper(in.Kind)},
			{Label: "Reference", Stored: stored.Ref, Yours: strings.TrimSpace(in.Ref)},
			{Label: "Description", Stored: stored.Description, Yours: strings.TrimSpace(in.Description)},
			{Label: "Subservice organization", Stored: cur.SubserviceName, Yours: s.subserviceName(c, res.EngagementID, in.SubserviceOrganizationID)},
			{Label: "Criteria", Stored: strings.Join(stored.Criteria, ", "), Yours: strings.Join(in.Criteria, ", ")},
		}}
		return s.renderComplementaryForm(c, http.StatusConflict, res.EngagementID, id, cur.Version, in, nil, view)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(res.EngagementID)+"/controls", "Complementary control saved.")
}

// subserviceName names the subservice organization the user chose, for the conflict comparison.
func (s *Server) subserviceName(c echo.Context, engagementID, id int64) string {
	subs, _ := s.Controls.Subservices(c.Request().Context(), engagementID)
	for _, sub := range subs {
		if sub.ID == id {
			return sub.Name
		}
	}
	return ""
}

func (s *Server) complementaryDelete(c echo.Context) error {
	id, err := paramID(c, "cid")
	if err != nil {
		return err
	}
	res, u := resource(c), mustUser(c)
	version, _ := strconv.Atoi(c.FormValue("version"))
	err = s.Controls.DeleteComplementary(c.Request().Context(), u.Actor(), id, version)
	if conflict, ok := apperr.AsConflict(err); ok {
		s.flash(c, "error", conflict.Entity+" was changed by someone else; it was not deleted. Review it and try again.")
		return c.Redirect(http.StatusSeeOther, "/complementary-controls/"+itoa(id)+"/edit")
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(res.EngagementID)+"/controls", "Complementary control deleted.")
}
