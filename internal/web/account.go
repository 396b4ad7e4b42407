package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/templates"
)

func (s *Server) showAccount(c echo.Context) error {
	return s.renderAccount(c, http.StatusOK, nil)
}

// changePassword checks the current password, sets the new one (ending every session of the
// user) and gives this browser a fresh session so it stays signed in.
func (s *Server) changePassword(c echo.Context) error {
	u := mustUser(c)
	err := s.Auth.ChangeOwnPassword(c.Request().Context(), u, c.FormValue("current_password"),
		c.FormValue("new_password"), c.FormValue("new_password_confirm"), c.RealIP())
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderAccount(c, http.StatusUnprocessableEntity, templates.Errors(v))
	}
	if err != nil {
		return err
	}
	if err := s.startSession(c, u, auth.StageFull); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/account", "Your password is changed. Other browsers signed in to your account were signed out.")
}

func (s *Server) renderAccount(c echo.Context, status int, errs templates.Errors) error {
	u := mustUser(c)
	v := templates.AccountView{Name: u.Name, Email: u.Email, RoleLabel: u.Role.Label(), MFAEnabled: u.MFAEnabled(),
		MFARequired: u.Role.RequiresMFA(), Errors: errs}
	if u.MFAEnabledAt != nil {
		v.MFAEnabledOn = LongDate(*u.MFAEnabledAt)
		n, err := s.Auth.RemainingRecoveryCodes(c.Request().Context(), u.ID)
		if err != nil {
			return err
		}
		v.RecoveryCodesLeft = n
	}
	if u.PasswordChangedAt != nil {
		v.PasswordChangedOn = LongDate(*u.PasswordChangedAt)
	}
	return s.render(c, status, templates.AccountPage(s.page(c, "Your account", "account"), v))
}
