package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/notify"
	"github.com/attest-soc/attest/templates"
)

func (s *Server) adminUserList(c echo.Context) error {
	rows, err := s.Auth.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]templates.AdminUserRow, len(rows))
	for i, r := range rows {
		out[i] = templates.AdminUserRow{ID: r.ID, Name: r.Name, Email: r.Email, Title: r.Title, RoleLabel: r.Role.Label(),
			ClientName: r.ClientName, MFA: r.MFAEnabled(), Disabled: r.DisabledAt != nil, LastLogin: "never",
			Status: string(r.AccountStatus()), StatusLabel: r.AccountStatus().Label()}
		if r.LastLoginAt != nil {
			out[i].LastLogin = r.LastLoginAt.Format("2 Jan 2006 15:04")
			out[i].LastSort = r.LastLoginAt.Format(time.RFC3339)
		}
	}
	return s.render(c, http.StatusOK, templates.AdminUsersPage(s.page(c, "Users", "admin"), out))
}

func (s *Server) adminUserNew(c echo.Context) error {
	return s.renderUserForm(c, http.StatusOK, templates.AdminUserForm{Role: string(auth.RoleStaff), Mode: "invite"})
}

// adminUserCreate creates a user with a password, or invites them: the one-time link is shown
// on screen (and logged) for the administrator to pass on.
func (s *Server) adminUserCreate(c echo.Context) error {
	f := templates.AdminUserForm{Email: c.FormValue("email"), Name: c.FormValue("name"), Title: c.FormValue("title"),
		Role: c.FormValue("role"), ClientID: c.FormValue("client_id"), Mode: c.FormValue("mode")}
	in := auth.NewUser{Email: f.Email, Name: f.Name, Title: f.Title, Role: auth.Role(f.Role)}
	v := apperr.Validation{}
	in.ClientID = parseOptionalID(f.ClientID, "client_id", v)
	if f.Mode == "password" {
		in.Password = c.FormValue("password")
		if in.Password == "" {
			v.Add("password", "Enter an initial password, or choose the one-time link.")
		}
	} else if f.Mode != "invite" {
		v.Add("mode", "Choose how the user gets a password.")
	}
	for k, msg := range in.Validate() {
		v.Add(k, msg)
	}
	if len(v) > 0 {
		f.Errors = templates.Errors(v)
		return s.renderUserForm(c, http.StatusUnprocessableEntity, f)
	}
	ctx := c.Request().Context()
	actor := mustUser(c).Actor()
	var (
		u     auth.User
		token string
		err   error
	)
	if f.Mode == "password" {
		u, err = s.Auth.CreateUser(ctx, actor, in)
	} else {
		u, token, err = s.Auth.InviteUser(ctx, actor, in)
	}
	if v, ok := apperr.AsValidation(err); ok {
		f.Errors = templates.Errors(v)
		return s.renderUserForm(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	if token == "" {
		return s.redirectWithFlash(c, "/admin/users", u.Name+" can now sign in with the password you set.")
	}
	return s.showInvitationLink(c, u, token)
}

// adminUserReinvite issues a new set-password link for a lost or expired one.
func (s *Server) adminUserReinvite(c echo.Context) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	token, err := s.Auth.ReissueInvitation(c.Request().Context(), mustUser(c).Actor(), id)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderUserDetail(c, http.StatusUnprocessableEntity, templates.Errors(v))
	}
	if err != nil {
		return err
	}
	u, err := s.Auth.UserByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.showInvitationLink(c, u, token)
}

// showInvitationLink shows a new one-time link once. The link is a password in all but name:
// it goes to the log only where mail goes to the log (no SMTP server configured), never to a
// production log that others read.
func (s *Server) showInvitationLink(c echo.Context, u auth.User, token string) error {
	link := s.Config.BaseURL + "/invitations/" + token
	if notify.Configured(s.Config) {
		s.Log.Info("invitation created", "user_id", u.ID, "email", u.Email, "request_id", requestID(c))
	} else {
		s.Log.Info("invitation created", "user_id", u.ID, "email", u.Email, "link", link, "request_id", requestID(c))
	}
	return s.render(c, http.StatusOK, templates.AdminInvitePage(s.page(c, "Users", "admin"), u.Name, u.Email, link))
}

func (s *Server) adminUserShow(c echo.Context) error {
	return s.renderUserDetail(c, http.StatusOK, nil)
}

func (s *Server) adminUserChangeRole(c echo.Context) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	v := apperr.Validation{}
	clientID := parseOptionalID(c.FormValue("client_id"), "client_id", v)
	if len(v) == 0 {
		err = s.Auth.ChangeRole(c.Request().Context(), mustUser(c).Actor(), id, auth.Role(c.FormValue("role")), clientID)
		if fv, ok := apperr.AsValidation(err); ok {
			v = fv
		} else if err != nil {
			return err
		}
	}
	if len(v) > 0 {
		return s.renderUserDetail(c, http.StatusUnprocessableEntity, templates.Errors(v))
	}
	return s.redirectWithFlash(c, "/admin/users/"+itoa(id), "Role changed. The user was signed out and gets the new permissions at the next sign-in.")
}

func (s *Server) adminUserDisable(c echo.Context) error { return s.adminUserSetDisabled(c, true) }

func (s *Server) adminUserEnable(c echo.Context) error { return s.adminUserSetDisabled(c, false) }

func (s *Server) adminUserSetDisabled(c echo.Context, disabled bool) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	err = s.Auth.SetDisabled(c.Request().Context(), mustUser(c).Actor(), id, disabled)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderUserDetail(c, http.StatusUnprocessableEntity, templates.Errors(v))
	}
	if err != nil {
		return err
	}
	msg := "Account enabled. The user can sign in again."
	if disabled {
		msg = "Account disabled. The user was signed out and cannot sign in."
	}
	return s.redirectWithFlash(c, "/admin/users/"+itoa(id), msg)
}

// renderUserDetail shows a user's page; on a failed role change it keeps the chosen values.
func (s *Server) renderUserDetail(c echo.Context, status int, errs templates.Errors) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := s.Auth.UserByID(ctx, id)
	if err != nil {
		return err
	}
	d := templates.AdminUserDetail{ID: u.ID, Name: u.Name, Email: u.Email, Title: u.Title, Role: string(u.Role),
		RoleLabel: u.Role.Label(), MFA: u.MFAEnabled(), Disabled: u.DisabledAt != nil, IsSelf: u.ID == mustUser(c).ID,
		Status: string(u.AccountStatus()), StatusLabel: u.AccountStatus().Label(),
		Roles: roleOptions(), Errors: errs}
	if u.ClientID != nil {
		d.ClientID = itoa(*u.ClientID)
		client, err := s.firm().GetClient(ctx, *u.ClientID)
		if err != nil {
			return err
		}
		d.ClientName = client.Name
	}
	if errs != nil && c.Request().Method == http.MethodPost && c.FormValue("role") != "" {
		d.Role, d.ClientID = c.FormValue("role"), c.FormValue("client_id")
	}
	if d.Clients, err = s.clientOptions(c); err != nil {
		return err
	}
	return s.render(c, status, templates.AdminUserPage(s.page(c, u.Name, "admin"), d))
}

func (s *Server) renderUserForm(c echo.Context, status int, f templates.AdminUserForm) error {
	f.Roles = roleOptions()
	var err error
	if f.Clients, err = s.clientOptions(c); err != nil {
		return err
	}
	return s.render(c, status, templates.AdminUserNewPage(s.page(c, "Add user", "admin"), f))
}

func roleOptions() []templates.Option {
	out := make([]templates.Option, 0, len(auth.AllRoles))
	for _, r := range auth.AllRoles {
		out = append(out, templates.Option{Value: string(r), Label: r.Label()})
	}
	return out
}

func (s *Server) clientOptions(c echo.Context) ([]templates.Option, error) {
	clients, err := s.firm().ListClients(c.Request().Context())
	if err != nil {
		return nil, err
	}
	out := []templates.Option{{Value: "", Label: "None (firm user)"}}
	for _, cl := range clients {
		out = append(out, templates.Option{Value: itoa(cl.ID), Label: cl.Name})
	}
	return out, nil
}

// parseOptionalID reads an optional id form value, noting a malformed one in v.
func parseOptionalID(raw, field string, v apperr.Validation) *int64 {
	if raw == "" {
		return nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		v.Add(field, "Choose one of the listed options.")
		return nil
	}
	return &id
}
