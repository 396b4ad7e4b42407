package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/templates"
)

// showMFAChallenge asks a password-only session for its second factor.
func (s *Server) showMFAChallenge(c echo.Context) error {
	if to := stageElsewhere(c, auth.StageMFAPending); to != "" {
		return c.Redirect(http.StatusSeeOther, to)
	}
	return s.render(c, http.StatusOK, templates.MFAChallengePage(s.page(c, "Two-step verification", ""), templates.MFAForm{Next: c.QueryParam("next")}))
}

// verifyMFAChallenge checks the code; success replaces the partial session with a full one.
func (s *Server) verifyMFAChallenge(c echo.Context) error {
	if to := stageElsewhere(c, auth.StageMFAPending); to != "" {
		return c.Redirect(http.StatusSeeOther, to)
	}
	u := mustUser(c)
	form := templates.MFAForm{Next: c.FormValue("next"), Errors: templates.Errors{}}
	code := c.FormValue("code")
	if code == "" {
		form.Errors["code"] = "Enter the code from your authenticator app."
		return s.render(c, http.StatusUnprocessableEntity, templates.MFAChallengePage(s.page(c, "Two-step verification", ""), form))
	}
	err := s.Auth.VerifyMFA(c.Request().Context(), u, code, c.RealIP())
	if status, msg, ok := mfaFailure(c, err); ok {
		form.Error = msg
		return s.render(c, status, templates.MFAChallengePage(s.page(c, "Two-step verification", ""), form))
	}
	if err != nil {
		return err
	}
	if err := s.signIn(c, u); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, safeNext(form.Next))
}

// showMFAEnrol shows the QR code and key of the user's pending secret.
func (s *Server) showMFAEnrol(c echo.Context) error {
	if to := s.enrolmentElsewhere(c); to != "" {
		return c.Redirect(http.StatusSeeOther, to)
	}
	return s.renderMFAEnrol(c, http.StatusOK, templates.MFAEnrolView{Next: c.QueryParam("next")})
}

// confirmMFAEnrol turns MFA on when the code matches, then shows the recovery codes once.
func (s *Server) confirmMFAEnrol(c echo.Context) error {
	if to := s.enrolmentElsewhere(c); to != "" {
		return c.Redirect(http.StatusSeeOther, to)
	}
	u := mustUser(c)
	v := templates.MFAEnrolView{Next: c.FormValue("next"), Errors: templates.Errors{}}
	code := c.FormValue("code")
	if code == "" {
		v.Errors["code"] = "Enter the 6-digit code your authenticator app shows."
		return s.renderMFAEnrol(c, http.StatusUnprocessableEntity, v)
	}
	codes, err := s.Auth.ConfirmMFAEnrolment(c.Request().Context(), u, code, c.RealIP())
	if status, msg, ok := mfaFailure(c, err); ok {
		v.Error = msg
		return s.renderMFAEnrol(c, status, v)
	}
	if err != nil {
		return err
	}
	if currentSession(c).Stage != auth.StageFull {
		if err := s.signIn(c, u); err != nil {
			return err
		}
	}
	next := safeNext(v.Next)
	if v.Next == "" {
		next = "/account"
	}
	return s.render(c, http.StatusOK, templates.RecoveryCodesPage(s.page(c, "Recovery codes", ""), codes, next))
}

func (s *Server) renderMFAEnrol(c echo.Context, status int, v templates.MFAEnrolView) error {
	u := mustUser(c)
	setup, err := s.Auth.BeginMFAEnrolment(c.Request().Context(), u)
	if err != nil {
		return err
	}
	v.Secret, v.QRDataURI, v.Required = setup.Secret, setup.QRDataURI, u.Role.RequiresMFA()
	return s.render(c, status, templates.MFAEnrolPage(s.page(c, "Set up two-step verification", "account"), v))
}

// stageElsewhere returns where a session that is not at stage want belongs, or "".
func stageElsewhere(c echo.Context, want auth.SessionStage) string {
	switch stage := currentSession(c).Stage; stage {
	case want:
		return ""
	case auth.StageFull:
		return safeNext(c.QueryParam("next"))
	default:
		return mfaPath(stage)
	}
}

// enrolmentElsewhere keeps users who already use MFA (or still owe a code) off the enrolment
// page: it returns where they belong, or "".
func (s *Server) enrolmentElsewhere(c echo.Context) string {
	if currentSession(c).Stage == auth.StageMFAPending {
		return mfaPath(auth.StageMFAPending)
	}
	if mustUser(c).MFAEnabled() {
		s.flash(c, "info", "Two-step verification is already on for your account.")
		return "/account"
	}
	return ""
}

// mfaFailure maps a refused code to a status and message for the form.
func mfaFailure(c echo.Context, err error) (int, string, bool) {
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &throttled):
		c.Response().Header().Set("Retry-After", itoa(int64(throttled.RetryAfter.Seconds())+1))
		return http.StatusTooManyRequests, throttled.Error(), true
	case errors.Is(err, auth.ErrInvalidMFACode):
		return http.StatusUnauthorized, "That code is not right. Check the time on your device and type the newest code, or use a recovery code.", true
	}
	return 0, "", false
}
