package web

import (
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/templates"
)

// handleError maps every error a handler returns to a status code and a page that says what to
// do. Unexpected errors are logged once here, with the request id, and shown as a 500.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, heading, message := http.StatusInternalServerError, "Something went wrong",
		"The problem has been logged. Try again in a moment; if it keeps happening, tell your administrator the reference "+requestID(c)+"."
	var he *echo.HTTPError
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		err = echo.ErrStatusRequestEntityTooLarge
	}
	switch {
	case clientGone(c):
		// Nobody is waiting for the answer; log it as what it is, not as a server error.
		s.Log.Info("client disconnected during the request", "request_id", requestID(c), "method", c.Request().Method,
			"path", c.Request().URL.Path, "err", err)
		c.Response().WriteHeader(statusClientClosedRequest)
		return
	case errors.Is(err, apperr.ErrNotFound), errors.Is(err, echo.ErrNotFound):
		status, heading, message = http.StatusNotFound, "Page not found",
			"The page or item does not exist, or you do not have access to it. Check the address, or go back to the start page."
	case errors.Is(err, apperr.ErrForbidden):
		status, heading, message = http.StatusForbidden, "You do not have access",
			"Your role does not allow this. If you need it for your work, ask the engagement's manager or your administrator."
	case errors.Is(err, apperr.ErrLocked):
		status, heading, message = http.StatusConflict, "The engagement is locked",
			"The opinion has been signed, so the engagement can no longer change; this attempt is recorded in the audit trail. "+
				"If it must change, the engagement partner reopens it with a reason on the Report tab (which withdraws the signature)."
	case isValidation(err):
		// Handlers re-render their form with field errors; this only catches one that did not.
		v, _ := apperr.AsValidation(err)
		status, heading, message = http.StatusUnprocessableEntity, "Check what you entered",
			strings.Join(sortedMessages(v), " ")+" Go back, correct it and try again."
	case isConflict(err):
		status, heading, message = http.StatusConflict, "Someone else changed this",
			"It was saved by someone else while you were working on it. Go back, reload the page to see their version, and make your change again."
	case isTransition(err):
		var tr *apperr.Transition
		errors.As(err, &tr)
		status, heading, message = http.StatusConflict, "Not possible yet",
			"Before this can happen: "+strings.Join(tr.Missing, "; ")+"."
	case errors.Is(err, errCSRF):
		status, heading, message = http.StatusForbidden, "Your form expired",
			"For your security the form could not be accepted. Go back, reload the page and submit it again."
	case errors.As(err, &he):
		status = he.Code
		heading = http.StatusText(status)
		switch status {
		case http.StatusNotFound:
			heading, message = "Page not found", "The page does not exist. Check the address, or go back to the start page."
		case http.StatusMethodNotAllowed:
			message = "This address does not accept that kind of request. Use the links and buttons in the application."
		case http.StatusRequestEntityTooLarge:
			heading, message = "Too large", "What you sent is larger than this server accepts. Send a smaller file or less text."
		default:
			if msg, ok := he.Message.(string); ok {
				message = msg
			}
		}
	}
	if status >= 500 {
		s.Log.Error("request failed", "request_id", requestID(c), "method", c.Request().Method,
			"path", c.Request().URL.Path, "err", err)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	p := s.page(c, heading, "")
	if rerr := s.render(c, status, templates.ErrorPage(p, status, heading, message)); rerr != nil {
		s.Log.Error("rendering error page", "request_id", requestID(c), "err", rerr)
	}
}

func isValidation(err error) bool { _, ok := apperr.AsValidation(err); return ok }

func isConflict(err error) bool { _, ok := apperr.AsConflict(err); return ok }

func isTransition(err error) bool {
	var tr *apperr.Transition
	return errors.As(err, &tr)
}

func sortedMessages(v apperr.Validation) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	msgs := make([]string, 0, len(keys))
	for _, k := range keys {
		msgs = append(msgs, v[k])
	}
	return msgs
}
