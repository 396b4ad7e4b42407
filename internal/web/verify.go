package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/verification"
	"github.com/attest-soc/attest/templates"
)

// maxVerifyUpload is the largest PDF the public verification page takes.
const maxVerifyUpload = 50 << 20

// verifyFloor is the least time a verification answer takes, whatever the code: unknown,
// malformed and known codes cannot be told apart by timing.
const verifyFloor = 60 * time.Millisecond

func wantsJSON(c echo.Context) bool {
	return strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "application/json") || c.QueryParam("format") == "json"
}

func (s *Server) verifyPage(c echo.Context, status int, v templates.VerifyPage) error {
	settings, err := s.firm().GetSettings(c.Request().Context())
	if err != nil {
		return err
	}
	v.Firm = settings.FirmName
	if v.UploadAction == "" {
		v.UploadAction = "/verify"
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, status, templates.PublicVerifyPage(s.page(c, "Verify a report", ""), v))
}

func reportView(p verification.Public) *templates.VerifiedReport {
	return &templates.VerifiedReport{Code: p.Code, Firm: p.Firm, ServiceOrg: p.ServiceOrg, Kind: p.Kind, Period: p.Period,
		ReportDate: p.ReportDate, Version: p.Version, State: string(p.State), StateLabel: p.State.Label(),
		SupersededBy: p.SupersededBy, WithdrawalReason: p.WithdrawalReason, WithdrawnOn: p.WithdrawnOn, SHA256: p.SHA256, Signed: p.Signed}
}

// throttled answers a request over the per-address limit (and logs it).
func (s *Server) verifyThrottled(c echo.Context, kind, code string) (bool, error) {
	ctx, ip := c.Request().Context(), c.RealIP()
	ok, err := s.Verification.Allow(ctx, ip, kind)
	if err != nil || ok {
		return false, err
	}
	s.Log.Warn("verification rate limit", "ip", ip, "kind", kind, "code", code, "request_id", requestID(c))
	if err := s.Verification.Log(ctx, ip, kind, code, "rate_limited"); err != nil {
		return true, err
	}
	c.Response().Header().Set("Retry-After", fmt.Sprint(int(verification.LimitWindow.Seconds())))
	msg := "Too many checks from your address. Wait a few minutes and try again."
	if wantsJSON(c) {
		return true, c.JSON(http.StatusTooManyRequests, map[string]string{"result": "error", "error": msg})
	}
	return true, s.verifyPage(c, http.StatusTooManyRequests, templates.VerifyPage{Error: msg})
}

// waitFloor sleeps until verifyFloor has passed since start.
func waitFloor(start time.Time) {
	if d := verifyFloor - time.Since(start); d > 0 {
		time.Sleep(d)
	}
}

// verifyHome: GET /verify — the form; ?code=… goes to that code's page.
func (s *Server) verifyHome(c echo.Context) error {
	if typed := strings.TrimSpace(c.QueryParam("code")); typed != "" {
		if code, ok := verification.Normalize(typed); ok {
			return c.Redirect(http.StatusSeeOther, "/verify/"+verification.Format(code))
		}
		return s.verifyLookup(c, typed)
	}
	return s.verifyPage(c, http.StatusOK, templates.VerifyPage{})
}

// verifyCode: GET /verify/:code — what the QR code opens.
func (s *Server) verifyCode(c echo.Context) error { return s.verifyLookup(c, c.Param("code")) }

func (s *Server) verifyLookup(c echo.Context, typed string) error {
	start := time.Now()
	defer waitFloor(start)
	if done, err := s.verifyThrottled(c, verification.KindPage, typed); done || err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := s.Verification.Lookup(ctx, typed)
	outcome := "found"
	if errors.Is(err, apperr.ErrNotFound) {
		outcome = "unknown"
	} else if err != nil {
		return err
	}
	s.Log.Info("verification lookup", "ip", c.RealIP(), "code", typed, "outcome", outcome, "request_id", requestID(c))
	if err := s.Verification.Log(ctx, c.RealIP(), verification.KindPage, typed, outcome); err != nil {
		return err
	}
	v := templates.VerifyPage{Code: typed, Looked: true, UploadAction: "/verify"}
	if outcome == "unknown" {
		// The same answer for a malformed code as for an unknown one.
		if wantsJSON(c) {
			return c.JSON(http.StatusNotFound, map[string]any{"result": "unknown"})
		}
		return s.verifyPage(c, http.StatusNotFound, v)
	}
	if wantsJSON(c) {
		return c.JSON(http.StatusOK, map[string]any{"result": "found", "report": p})
	}
	v.Report, v.UploadAction = reportView(p), "/verify/"+p.Code
	return s.verifyPage(c, http.StatusOK, v)
}

// verifyUpload: POST /verify and /verify/:code — a PDF as the body (application/pdf) or as the
// form field "file". No CSRF token: the answer changes nothing, and scripts call it.
func (s *Server) verifyUpload(c echo.Context) error {
	start := time.Now()
	defer waitFloor(start)
	typed := c.Param("code")
	if done, err := s.verifyThrottled(c, verification.KindUpload, typed); done || err != nil {
		return err
	}
	refuse := func(status int, msg string) error {
		_ = s.Verification.Log(c.Request().Context(), c.RealIP(), verification.KindUpload, typed, "refused")
		if wantsJSON(c) {
			return c.JSON(status, map[string]string{"result": "error", "error": msg})
		}
		return s.verifyPage(c, status, templates.VerifyPage{Code: typed, Error: msg, UploadAction: c.Request().URL.Path})
	}
	doc, err := readVerifyUpload(c)
	switch {
	case errors.Is(err, errTooLarge):
		return refuse(http.StatusRequestEntityTooLarge, "The file is larger than 50 MB: a report issued through this service is smaller. Check that you chose the right file.")
	case errors.Is(err, errNoFile):
		return refuse(http.StatusUnprocessableEntity, "Choose the report's PDF file to check.")
	case err != nil:
		return err
	}
	if !verification.IsPDF(doc) {
		return refuse(http.StatusUnprocessableEntity, "This file is not a PDF. Upload the report as you received it (a .pdf file).")
	}
	ctx := c.Request().Context()
	res, err := s.Verification.Check(ctx, typed, doc)
	if err != nil {
		return err
	}
	s.Log.Info("verification upload", "ip", c.RealIP(), "code", typed, "outcome", res.Outcome, "sha256", res.SHA256, "request_id", requestID(c))
	if err := s.Verification.Log(ctx, c.RealIP(), verification.KindUpload, typed, string(res.Outcome)); err != nil {
		return err
	}
	if wantsJSON(c) {
		return c.JSON(http.StatusOK, res)
	}
	v := templates.VerifyPage{Code: typed, Result: string(res.Outcome), UploadSHA256: res.SHA256, UploadAction: c.Request().URL.Path}
	if res.Report != nil {
		v.Report = reportView(*res.Report)
	}
	if res.Copy != nil {
		v.Copy = &templates.VerifiedCopy{Number: res.Copy.Number, Organization: res.Copy.Organization, Person: res.Copy.Person, On: res.Copy.PreparedOn}
	}
	return s.verifyPage(c, http.StatusOK, v)
}

var (
	errTooLarge = errors.New("upload too large")
	errNoFile   = errors.New("no file")
)

// readVerifyUpload reads the uploaded PDF, at most maxVerifyUpload bytes.
func readVerifyUpload(c echo.Context) ([]byte, error) {
	req := c.Request()
	var r io.Reader
	if strings.HasPrefix(req.Header.Get(echo.HeaderContentType), "application/pdf") {
		r = req.Body
	} else {
		fh, err := c.FormFile("file")
		if bodyTooLarge(c) {
			return nil, errTooLarge
		}
		if err != nil {
			return nil, errNoFile
		}
		if fh.Size > maxVerifyUpload {
			return nil, errTooLarge
		}
		f, err := fh.Open()
		if err != nil {
			return nil, fmt.Errorf("opening the uploaded PDF: %w", err)
		}
		defer f.Close()
		r = f
	}
	doc, err := io.ReadAll(io.LimitReader(r, maxVerifyUpload+1))
	if bodyTooLarge(c) || len(doc) > maxVerifyUpload {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("reading the uploaded PDF: %w", err)
	}
	if len(doc) == 0 {
		return nil, errNoFile
	}
	return doc, nil
}
