package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/criteria"
	"github.com/attest-soc/attest/internal/engagements"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/templates"
)

// engagementTeam shows the team & scope tab.
func (s *Server) engagementTeam(c echo.Context) error {
	return s.renderTeam(c, http.StatusOK, nil, nil)
}

func (s *Server) renderTeam(c echo.Context, status int, values map[string]string, errs apperr.Validation) error {
	ctx := c.Request().Context()
	u, res := mustUser(c), resource(c)
	h, err := s.engagementHeader(ctx, res.EngagementID, u, "team")
	if err != nil {
		return err
	}
	members, err := s.Engagements.Members(ctx, res.EngagementID)
	if err != nil {
		return err
	}
	orgs, err := s.Engagements.SubserviceOrgs(ctx, res.EngagementID)
	if err != nil {
		return err
	}
	candidates, err := s.Engagements.Candidates(ctx, res.EngagementID)
	if err != nil {
		return err
	}
	e, err := s.Engagements.Get(ctx, res.EngagementID)
	if err != nil {
		return err
	}
	v := templates.EngagementTeamView{Values: values, Errors: templates.Errors(errs),
		CanEdit:       policy.Can(u, policy.EngagementTeamEdit, res),
		CanEditScope:  policy.Can(u, policy.EngagementEdit, res),
		RoleOptions:   []templates.Option{{Value: "", Label: "Choose…"}},
		MethodOptions: []templates.Option{{Value: "carve_out", Label: "Carve-out"}, {Value: "inclusive", Label: "Inclusive"}},
		Candidates:    []templates.Option{{Value: "", Label: "Choose…"}}}
	if v.Values == nil {
		v.Values = map[string]string{}
	}
	for _, m := range members {
		mv := templates.TeamMemberView{UserID: m.UserID, Name: m.Name, Email: m.Email, RoleLabel: engagements.TeamRoleLabel(m.Role), IsFirm: m.IsFirm()}
		if m.IndependenceConfirmedAt != nil {
			// The time matters, not only the day: confirmation must precede the work it covers.
			at := m.IndependenceConfirmedAt.UTC()
			mv.ConfirmedAt, mv.ConfirmedISO = LongDate(at)+" at "+at.Format("15:04")+" UTC", at.Format(time.RFC3339)
		} else if m.IsFirm() && m.UserID == u.ID && policy.Can(u, policy.EngagementIndependence, res) {
			v.CanConfirmMine = true
		}
		v.Members = append(v.Members, mv)
	}
	for _, cat := range e.Categories() {
		v.Categories = append(v.Categories, criteria.CategoryLabel(cat))
	}
	for _, o := range orgs {
		v.Orgs = append(v.Orgs, templates.SubserviceOrgView{ID: o.ID, Name: o.Name, Services: o.Services, MethodLabel: engagements.MethodLabel(o.Method)})
	}
	for _, cand := range candidates {
		label := cand.Name + " (" + cand.Email + ")"
		if cand.IsClient {
			label += " · client"
		}
		v.Candidates = append(v.Candidates, templates.Option{Value: itoa(cand.ID), Label: label})
	}
	for _, r := range engagements.TeamRoles {
		v.RoleOptions = append(v.RoleOptions, templates.Option{Value: r, Label: engagements.TeamRoleLabel(r)})
	}
	return s.render(c, status, templates.EngagementTeamPage(s.page(c, "Team & scope · "+h.Name, "engagements"), h, v))
}

func (s *Server) teamPath(c echo.Context) string {
	return "/engagements/" + itoa(resource(c).EngagementID) + "/team"
}

// engagementMemberAdd puts a person on the team.
func (s *Server) engagementMemberAdd(c echo.Context) error {
	userID, _ := strconv.ParseInt(c.FormValue("user_id"), 10, 64)
	role := c.FormValue("role")
	err := s.Engagements.AddMember(c.Request().Context(), mustUser(c).Actor(), resource(c).EngagementID, userID, role)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderTeam(c, http.StatusUnprocessableEntity, map[string]string{"user_id": c.FormValue("user_id"), "role": role}, v)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, s.teamPath(c), "Added to the team as "+engagements.TeamRoleLabel(role)+".")
}

// engagementMemberRemove takes a person off the team.
func (s *Server) engagementMemberRemove(c echo.Context) error {
	userID, err := paramID(c, "user")
	if err != nil {
		return err
	}
	if err := s.Engagements.RemoveMember(c.Request().Context(), mustUser(c).Actor(), resource(c).EngagementID, userID); err != nil {
		return err
	}
	return s.redirectWithFlash(c, s.teamPath(c), "Removed from the team.")
}

// engagementIndependenceConfirm records the signed-in member's own independence.
func (s *Server) engagementIndependenceConfirm(c echo.Context) error {
	err := s.Engagements.ConfirmIndependence(c.Request().Context(), mustUser(c).Actor(), resource(c).EngagementID)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderTeam(c, http.StatusUnprocessableEntity, nil, v)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, s.teamPath(c), "Your independence is confirmed.")
}

// engagementSubserviceAdd records a subservice organization.
func (s *Server) engagementSubserviceAdd(c echo.Context) error {
	in := engagements.SubserviceOrg{Name: c.FormValue("sso_name"), Services: c.FormValue("sso_services"), Method: c.FormValue("sso_method")}
	_, err := s.Engagements.AddSubserviceOrg(c.Request().Context(), mustUser(c).Actor(), resource(c).EngagementID, in)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderTeam(c, http.StatusUnprocessableEntity,
			map[string]string{"sso_name": in.Name, "sso_services": in.Services, "sso_method": in.Method}, v)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, s.teamPath(c), "Subservice organization added.")
}

// engagementSubserviceRemove deletes a subservice organization.
func (s *Server) engagementSubserviceRemove(c echo.Context) error {
	id, err := paramID(c, "sso")
	if err != nil {
		return err
	}
	err = s.Engagements.RemoveSubserviceOrg(c.Request().Context(), mustUser(c).Actor(), resource(c).EngagementID, id)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderTeam(c, http.StatusUnprocessableEntity, nil, v)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, s.teamPath(c), "Subservice organization removed.")
}
