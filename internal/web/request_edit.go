package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/requests"
	"github.com/attest-soc/attest/templates"
)

// requestEdit: GET /requests/:requestID/edit — the request form filled with what is stored.
func (s *Server) requestEdit(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := paramID(c, "requestID")
	if err != nil {
		return err
	}
	r, err := s.Requests.Get(ctx, id)
	if err != nil {
		return err
	}
	if r.Status == requests.StatusAccepted {
		return s.redirectWithFlash(c, "/requests/"+itoa(id), r.Label()+" is accepted, so it can no longer be changed.")
	}
	links, err := s.Requests.Links(ctx, id)
	if err != nil {
		return err
	}
	return s.renderRequestForm(c, http.StatusOK, r.EngagementID, "Change "+r.Label(), func(f *templates.RequestFormView) {
		f.RequestID, f.Label, f.Version = r.ID, r.Label(), r.Version
		f.Title, f.Description, f.DueDate, f.Priority = r.Title, r.Description, isoDate(r.DueDate), r.Priority
		if r.AssigneeID != nil {
			f.AssigneeID = itoa(*r.AssigneeID)
		}
		for _, l := range links {
			map[string]map[string]bool{"control": f.Controls, "test": f.Tests, "sample": f.Samples}[l.TargetType][itoa(l.TargetID)] = true
		}
	})
}

// requestUpdate: POST /requests/:requestID.
func (s *Server) requestUpdate(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := paramID(c, "requestID")
	if err != nil {
		return err
	}
	stored, err := s.Requests.Get(ctx, id)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	in, params, err := requestInput(c)
	var r requests.Request
	if err == nil {
		r, err = s.Requests.Update(ctx, mustUser(c), id, version, in)
	}
	_, conflict := apperr.AsConflict(err)
	if v, ok := apperr.AsValidation(err); ok || conflict {
		status := http.StatusUnprocessableEntity
		if conflict {
			status, v = http.StatusConflict, apperr.Validation{}
		}
		return s.renderRequestForm(c, status, stored.EngagementID, "Change "+stored.Label(), func(f *templates.RequestFormView) {
			// A conflict keeps the auditor's version: saving again is a deliberate overwrite only
			// after they looked at the current request.
			f.RequestID, f.Label, f.Version, f.Conflict = id, stored.Label(), version, conflict
			keepRequestForm(f, in, params, v)
		})
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/requests/"+itoa(id), r.Label()+" saved.")
}

// isoDate writes a date for a date input; nil is empty.
func isoDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}
