package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/templates"
)

// The client's coordinator (issue #16 point 8): the client contacts page, where the firm marks
// the coordinator and the coordinator invites colleagues, and the assignment of requests.

func colleaguesPath(engagementID int64) string {
	return "/engagements/" + itoa(engagementID) + "/colleagues"
}

// renderColleagues shows the engagement's client contacts; invite keeps a refused invitation.
func (s *Server) renderColleagues(c echo.Context, status int, invite templates.InviteFormView) error {
	ctx, u, res := c.Request().Context(), mustUser(c), resource(c)
	h, err := s.engagementHeader(ctx, res.EngagementID, u, "requests")
	if err != nil {
		return err
	}
	list, err := s.Requests.Colleagues(ctx, res.EngagementID)
	if err != nil {
		return err
	}
	v := templates.ColleaguesView{EngagementID: res.EngagementID, Invite: invite,
		CanInvite: policy.Can(u, policy.ColleagueInvite, res), CanAppoint: policy.Can(u, policy.CoordinatorAppoint, res), IsClient: u.Role == auth.RoleClient}
	for _, cl := range list {
		v.Colleagues = append(v.Colleagues, templates.ColleagueRow{ID: cl.ID, Name: cl.Name, Email: cl.Email, Coordinator: cl.Coordinator,
			Invited: cl.Invited, Disabled: cl.Disabled, Assigned: cl.Assigned, Self: cl.ID == u.ID})
	}
	return s.render(c, status, templates.ColleaguesPage(s.page(c, "Client contacts · "+h.Name, "engagements"), h, v))
}

// colleagueList: GET /engagements/:id/colleagues.
func (s *Server) colleagueList(c echo.Context) error {
	return s.renderColleagues(c, http.StatusOK, templates.InviteFormView{})
}

// colleagueInvite: POST /engagements/:id/colleagues — the coordinator invites a colleague of
// their own organization, with the firm's one-time set-password link.
func (s *Server) colleagueInvite(c echo.Context) error {
	u, id := mustUser(c), resource(c).EngagementID
	email, name := c.FormValue("email"), c.FormValue("name")
	inv, err := s.Requests.InviteContact(c.Request().Context(), s.Auth, u, id, email, name)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderColleagues(c, http.StatusUnprocessableEntity, templates.InviteFormView{Email: email, Name: name, Errors: templates.Errors(v)})
	}
	if err != nil {
		return err
	}
	return s.invitedRedirect(c, colleaguesPath(id), inv, "to this engagement")
}

// coordinatorSet: POST /engagements/:id/contacts/:userID/coordinator — the firm marks (1) or
// unmarks (0) a client contact as the client's coordinator.
func (s *Server) coordinatorSet(c echo.Context) error {
	userID, err := paramID(c, "userID")
	if err != nil {
		return err
	}
	on := c.FormValue("coordinator") == "1"
	id := resource(c).EngagementID
	if err := s.Requests.SetCoordinator(c.Request().Context(), mustUser(c), id, userID, on); err != nil {
		return err
	}
	msg := "The coordinator was removed: every client contact sees the requests again (while none is marked)."
	if on {
		msg = "Marked as the client's coordinator: they assign the requests; their colleagues see what is assigned to them."
	}
	return s.redirectWithFlash(c, colleaguesPath(id), msg)
}

// requestAssign: POST /requests/:requestID/assign — the coordinator gives the request to a colleague.
func (s *Server) requestAssign(c echo.Context) error {
	id, err := paramID(c, "requestID")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	assignee, _ := strconv.ParseInt(c.FormValue("assignee_id"), 10, 64)
	r, err := s.Requests.Assign(c.Request().Context(), mustUser(c), id, version, assignee)
	if err != nil {
		return s.refuseOnRequest(c, id, err, nil)
	}
	return s.redirectWithFlash(c, "/requests/"+itoa(id), r.Label()+" is assigned to "+r.AssigneeName+".")
}
