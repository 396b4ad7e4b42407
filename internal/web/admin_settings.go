package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/firm"
	"github.com/attest-soc/attest/templates"
)

func (s *Server) adminSettings(c echo.Context) error {
	st, err := s.firm().GetSettings(c.Request().Context())
	if err != nil {
		return err
	}
	return s.renderSettings(c, http.StatusOK, templates.SettingsForm{FirmName: st.FirmName, City: st.City, State: st.State,
		Version: st.Version}, st)
}

func (s *Server) adminSettingsSave(c echo.Context) error {
	ctx := c.Request().Context()
	f := templates.SettingsForm{FirmName: c.FormValue("firm_name"), City: c.FormValue("city"), State: c.FormValue("state")}
	in := firm.SettingsInput{FirmName: f.FirmName, City: f.City, State: f.State}
	version, verr := strconv.Atoi(c.FormValue("version"))
	logo, lerr := readLogo(c)
	var err error
	switch {
	case verr != nil:
		err = apperr.Validation{"firm_name": "The form is incomplete. Reload the page and make your change again."}
	case lerr != nil:
		err = lerr
	default:
		in.Logo = logo
		_, err = s.firm().UpdateSettings(ctx, mustUser(c).Actor(), version, in)
	}
	f.Version = version
	current, gerr := s.firm().GetSettings(ctx)
	if gerr != nil {
		return gerr
	}
	if v, ok := apperr.AsValidation(err); ok {
		f.Errors = templates.Errors(v)
		return s.renderSettings(c, http.StatusUnprocessableEntity, f, current)
	}
	if conflict, ok := apperr.AsConflict(err); ok {
		cur := conflict.Current.(firm.Settings)
		f.Version = cur.Version
		f.Conflict = &templates.SettingsConflict{FirmName: cur.FirmName, City: cur.City, State: cur.State,
			SavedAt: cur.UpdatedAt.Format("2 Jan 2006 15:04 MST")}
		return s.renderSettings(c, http.StatusConflict, f, current)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/settings", "Firm settings saved.")
}

// readLogo returns the uploaded logo, nil when none was chosen, reading at most one byte more
// than allowed so an oversize file is refused without holding all of it.
func readLogo(c echo.Context) ([]byte, error) {
	fh, err := c.FormFile("logo")
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Validation{"logo": "The file could not be read. Choose it again."}
	}
	if fh.Size == 0 {
		return nil, nil
	}
	file, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return io.ReadAll(io.LimitReader(file, firm.MaxLogoBytes+1))
}

func (s *Server) renderSettings(c echo.Context, status int, f templates.SettingsForm, current firm.Settings) error {
	f.HasLogo = len(current.Logo) > 0
	f.LogoURL = "/admin/settings/logo?v=" + strconv.Itoa(current.Version)
	return s.render(c, status, templates.SettingsPage(s.page(c, "Firm settings", "admin"), f))
}

// adminSettingsLogo serves the stored logo (its type was checked at upload).
func (s *Server) adminSettingsLogo(c echo.Context) error {
	st, err := s.firm().GetSettings(c.Request().Context())
	if err != nil {
		return err
	}
	if len(st.Logo) == 0 {
		return apperr.ErrNotFound
	}
	return c.Blob(http.StatusOK, st.LogoContentType, st.Logo)
}
