package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/templates"
)

func (s *Server) showInvitation(c echo.Context) error {
	token := c.Param("token")
	u, err := s.Auth.InvitationUser(c.Request().Context(), token)
	if errors.Is(err, auth.ErrInvitationInvalid) {
		return echo.NewHTTPError(http.StatusGone, "This link has been used or has expired. Ask the person who invited you for a new one.")
	}
	if err != nil {
		return err
	}
	form := templates.SetPasswordForm{Token: token, Name: u.Name, Email: u.Email}
	return s.render(c, http.StatusOK, templates.SetPasswordPage(s.page(c, "Choose your password", ""), form))
}

func (s *Server) acceptInvitation(c echo.Context) error {
	token := c.Param("token")
	ctx := c.Request().Context()
	u, err := s.Auth.InvitationUser(ctx, token)
	if errors.Is(err, auth.ErrInvitationInvalid) {
		return echo.NewHTTPError(http.StatusGone, "This link has been used or has expired. Ask the person who invited you for a new one.")
	}
	if err != nil {
		return err
	}
	form := templates.SetPasswordForm{Token: token, Name: u.Name, Email: u.Email, Errors: templates.Errors{}}
	password, confirm := c.FormValue("password"), c.FormValue("password_confirm")
	if msg := auth.ValidatePassword(password); msg != "" {
		form.Errors["password"] = msg
	} else if password != confirm {
		form.Errors["password_confirm"] = "The two passwords differ. Type the same password twice."
	}
	if len(form.Errors) == 0 {
		_, err = s.Auth.AcceptInvitation(ctx, token, password)
		if v, ok := apperr.AsValidation(err); ok {
			form.Errors = templates.Errors(v)
		} else if err != nil {
			return err
		}
	}
	if len(form.Errors) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, templates.SetPasswordPage(s.page(c, "Choose your password", ""), form))
	}
	s.flash(c, "success", "Your password is set. Sign in with your e-mail address and the new password.")
	return c.Redirect(http.StatusSeeOther, "/login")
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
