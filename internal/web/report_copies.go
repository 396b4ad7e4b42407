package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/internal/verification"
	"github.com/attest-soc/attest/templates"
)

// reportVersionScope resolves routes whose :param is an issued report version.
func (s *Server) reportVersionScope(param string) scope {
	return s.childScope("report_versions", param)
}

// reportCopyScope resolves routes whose :param is a recipient copy (through its version).
func (s *Server) reportCopyScope(param string) scope { return s.childScope("report_copies", param) }

// reportCopies: GET /engagements/:id/report-copies.
func (s *Server) reportCopies(c echo.Context) error {
	return s.renderReportCopies(c, http.StatusOK, nil)
}

func (s *Server) renderReportCopies(c echo.Context, status int, mutate func(*templates.ReportCopiesPage)) error {
	ctx, u, res := c.Request().Context(), mustUser(c), resource(c)
	h, err := s.engagementHeader(ctx, res.EngagementID, u, "report-copies")
	if err != nil {
		return err
	}
	versions, err := s.Verification.IssuedVersions(ctx, res.EngagementID)
	if err != nil {
		return err
	}
	copies, err := s.Verification.Copies(ctx, res.EngagementID)
	if err != nil {
		return err
	}
	v := templates.ReportCopiesPage{IsClient: h.IsClient, Values: map[string]string{}, Errors: templates.Errors{}}
	labels := map[int64]string{}
	for _, iv := range versions {
		label := fmt.Sprintf("%s — version %d", iv.KindLabel(), iv.Version)
		labels[iv.ID] = label
		if h.IsClient && iv.State != verification.StateCurrent {
			continue // the client's users work with the current report
		}
		view := templates.IssuedVersionView{ID: iv.ID, Label: label, State: string(iv.State), StateLabel: iv.State.Label(),
			SHA256: iv.SHA256, IssuedOn: LongDate(iv.IssuedAt), Signed: iv.Signed, WithdrawalReason: iv.WithdrawalReason,
			CanCopy:     iv.State == verification.StateCurrent && iv.Variant != "soc3" && policy.Can(u, policy.ReportCopyRequest, res),
			GeneralUse:  iv.Variant == "soc3",
			CanWithdraw: iv.State != verification.StateWithdrawn && policy.Can(u, policy.ReportWithdraw, res),
			Pages:       iv.PageCount, ReleaseDate: LongDate(iv.ReleaseDate), ReportDate: LongDate(iv.ReportDate)}
		if policy.Can(u, policy.ReportDownload, res) {
			view.DownloadHref = fmt.Sprintf("/reports/%d", iv.ID)
		}
		if iv.Code != "" {
			view.Code = verification.Format(iv.Code)
			view.VerifyHref = "/verify/" + view.Code
		}
		if iv.WithdrawnAt != nil {
			view.WithdrawnOn = LongDate(*iv.WithdrawnAt)
		}
		v.Versions = append(v.Versions, view)
	}
	for _, cp := range copies {
		v.Copies = append(v.Copies, templates.ReportCopyView{ID: cp.ID, Version: labels[cp.ReportVersionID], Number: cp.CopyNumber,
			Organization: cp.RecipientOrganization, Person: cp.RecipientName, Email: cp.RecipientEmail,
			PreparedOn: LongDate(cp.PreparedOn), SHA256: cp.SHA256, RequestedByName: cp.RequestedByName, Signed: cp.Signed,
			Href: fmt.Sprintf("/report-copies/%d", cp.ID)})
	}
	if mutate != nil {
		mutate(&v)
	}
	title := "Issued reports and copies"
	if h.IsClient {
		title = "Reports"
	}
	return s.render(c, status, templates.ReportCopiesPageView(s.page(c, title+" · "+h.Name, "engagements"), h, v))
}

// reportCopyRequest: POST /report-versions/:versionID/copies.
func (s *Server) reportCopyRequest(c echo.Context) error {
	id, err := paramID(c, "versionID")
	if err != nil {
		return err
	}
	r := verification.Recipient{Organization: c.FormValue("organization"), Person: c.FormValue("person"), Email: c.FormValue("email")}
	cp, err := s.Verification.RequestCopy(c.Request().Context(), mustUser(c), id, r)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderReportCopies(c, http.StatusUnprocessableEntity, func(p *templates.ReportCopiesPage) {
			p.Errors, p.FormFor = templates.Errors(v), id
			p.Values = map[string]string{"organization": r.Organization, "person": r.Person, "email": r.Email}
		})
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/engagements/%d/report-copies", resource(c).EngagementID),
		fmt.Sprintf("Copy %d prepared for %s. Download it below; every page names the recipient.", cp.CopyNumber, cp.RecipientOrganization))
}

// reportWithdraw: POST /report-versions/:versionID/withdraw.
func (s *Server) reportWithdraw(c echo.Context) error {
	id, err := paramID(c, "versionID")
	if err != nil {
		return err
	}
	reason := c.FormValue("reason")
	err = s.Verification.Withdraw(c.Request().Context(), mustUser(c), id, reason)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderReportCopies(c, http.StatusUnprocessableEntity, func(p *templates.ReportCopiesPage) {
			p.Errors, p.FormFor, p.Withdrawn = templates.Errors(v), id, true
			p.Values = map[string]string{"reason": reason}
		})
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/engagements/%d/report-copies", resource(c).EngagementID),
		"The version is withdrawn: the verification page now says so, with your reason.")
}

// reportCopyDownload: GET /report-copies/:copyID.
func (s *Server) reportCopyDownload(c echo.Context) error {
	id, err := paramID(c, "copyID")
	if err != nil {
		return err
	}
	cp, doc, err := s.Verification.CopyBytes(c.Request().Context(), mustUser(c), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="report-v%d-copy-%d.pdf"`, cp.Version, cp.CopyNumber))
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "application/pdf", doc)
}
