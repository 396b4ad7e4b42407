package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/opinion"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/internal/report"
	"github.com/attest-soc/attest/templates"
)

// reportShow is the Report tab: for the team the opinion, the gates and the signature; for
// everyone who may see it the issued reports.
func (s *Server) reportShow(c echo.Context) error {
	if mustUser(c).Role == auth.RoleClient {
		// The client's users have one Reports page (download, codes, copies); old links land there.
		return c.Redirect(http.StatusSeeOther, "/engagements/"+itoa(resource(c).EngagementID)+"/report-copies")
	}
	return s.renderReport(c, http.StatusOK, nil, nil)
}

func (s *Server) renderReport(c echo.Context, status int, values map[string]string, errs apperr.Validation) error {
	return s.renderReportConflict(c, status, values, errs, nil)
}

// renderReportConflict is renderReport after a stale save of the opinion: the stored choice is
// shown beside what the partner typed (kept in the form, which now carries the stored version).
func (s *Server) renderReportConflict(c echo.Context, status int, values map[string]string, errs apperr.Validation,
	conflict *apperr.ConflictError) error {
	ctx, u := c.Request().Context(), mustUser(c)
	res := resource(c)
	id := res.EngagementID
	h, err := s.engagementHeader(ctx, id, u, "report")
	if err != nil {
		return err
	}
	v := templates.ReportPage{Header: h, IsClient: u.Role == auth.RoleClient, Status: h.Status, Values: values, Errors: templates.Errors(errs)}
	if v.Values == nil {
		v.Values = map[string]string{}
	}
	versions, err := s.Reports.Versions(ctx, id)
	if err != nil {
		return err
	}
	for _, ver := range versions {
		if v.IsClient && ver.State != report.StateCurrent {
			continue
		}
		vv := templates.VersionView{ID: ver.ID, Label: ver.Variant.Label(), Version: ver.Version, State: string(ver.State),
			StateLabel: ver.State.Label(), Opinion: opinion.Kind(ver.OpinionKind).Label(), SHA256: ver.SHA256, Size: humanSize(ver.Size),
			Pages: ver.PageCount, ReleaseDate: ver.ReleaseDate.Format(dateOnly), ReportDate: ver.ReportDate.Format(dateOnly),
			IssuedBy: ver.IssuedByName, IssuedAt: ver.IssuedAt.UTC().Format("2006-01-02 15:04")}
		if ver.WithdrawnAt != nil {
			vv.Withdrawal = "Withdrawn " + ver.WithdrawnAt.UTC().Format(dateOnly) + ": " + ver.WithdrawalReason
		}
		v.Versions = append(v.Versions, vv)
	}
	facts, err := s.Reports.EngagementFacts(ctx, id)
	if err != nil {
		return err
	}
	if released := facts.ReleasedAt; released != nil {
		v.Released = true
		v.ReleaseDate = released.UTC().Format(dateOnly)
		v.CompletionDate = opinion.DocumentationCompletion(released.UTC()).Format(dateOnly)
		v.RetentionEnd = opinion.RetentionEnd(released.UTC()).Format(dateOnly)
		v.AfterCompletion = !s.Clock.Now().Before(opinion.DocumentationCompletion(released.UTC()))
	}
	if v.IsClient {
		return s.render(c, status, templates.ReportShow(s.page(c, "Reports · "+h.Name, "engagements"), v))
	}

	st, err := s.Opinions.Load(ctx, u, id)
	if err != nil {
		return err
	}
	v.ProposedLabel = st.Proposal.Kind.Label()
	for _, r := range st.Proposal.Reasons {
		v.Reasons = append(v.Reasons, r.Text)
	}
	if st.Stored.Kind.Valid() {
		v.KindLabel, v.ChosenBy = st.Stored.Kind.Label(), st.Stored.ChosenByName
	}
	v.KindReason, v.Basis, v.SOC3Reason = st.Stored.KindReason, st.Stored.Basis, st.Stored.SOC3Reason
	v.OpinionVersion = st.Stored.Version
	limitations, err := s.Opinions.ScopeLimitations(ctx, id)
	if err != nil {
		return err
	}
	for _, l := range limitations {
		v.Limitations = append(v.Limitations, templates.ScopeLimitationView{ID: l.ID, Description: l.Description,
			Criteria: strings.Join(l.Criteria, ", "), Pervasive: l.Pervasive, By: l.CreatedByName, At: l.CreatedAt.UTC().Format("2006-01-02 15:04")})
	}
	v.CanLimit = policy.Can(u, policy.ScopeLimitationRecord, res)
	if conflict != nil {
		cur, _ := conflict.Current.(opinion.Stored)
		v.OpinionConflict = &templates.OpinionConflict{Version: cur.Version, Kind: cur.Kind.Label(), Reason: cur.KindReason,
			Basis: cur.Basis, SOC3Reason: cur.SOC3Reason, ChosenBy: cur.ChosenByName, ChosenAt: conflict.UpdatedAt.UTC().Format("2006-01-02 15:04")}
		if !cur.Kind.Valid() {
			v.OpinionConflict.Kind = "None"
		}
		if k := opinion.Kind(values["kind"]); k.Valid() {
			v.OpinionConflict.YourKind = k.Label()
		}
	}
	v.KindOptions = []templates.Option{{Value: "", Label: "Choose"}}
	for _, k := range opinion.Kinds {
		label := k.Label()
		if k == st.Proposal.Kind {
			label += " (proposed)"
		}
		v.KindOptions = append(v.KindOptions, templates.Option{Value: string(k), Label: label})
	}
	if _, ok := values["kind"]; !ok {
		v.Values["kind"] = string(st.Stored.Kind)
		if v.Values["kind"] == "" {
			v.Values["kind"] = string(st.Proposal.Kind)
		}
		v.Values["reason"], v.Values["basis"], v.Values["soc3_reason"] = st.Stored.KindReason, st.Stored.Basis, st.Stored.SOC3Reason
	}
	if st.Stored.Signed() {
		v.Signed, v.SignedBy = true, st.Stored.SignedByName
		v.SignedAt = st.Stored.SignedAt.UTC().Format("2006-01-02 15:04")
		if st.Stored.ReportDate != nil {
			v.ReportDate = st.Stored.ReportDate.Format(dateOnly)
		}
	}
	if v.Values["report_date"] == "" && facts.ReportDate != nil {
		v.Values["report_date"] = facts.ReportDate.Format(dateOnly)
	}
	if v.Values["release_date"] == "" {
		v.Values["release_date"] = s.Clock.Now().Format(dateOnly)
	}
	for _, g := range st.Gates {
		v.Gates = append(v.Gates, templates.GateView{Key: g.Key, Label: g.Label, Met: g.Met(), Problems: g.Problems, Link: g.Link})
	}
	v.Ready = st.Ready() && st.Stored.Kind.Valid()
	v.CanChoose = policy.Can(u, policy.OpinionChoose, res)
	v.CanSign = policy.Can(u, policy.OpinionSign, res)
	v.CanIssue = policy.Can(u, policy.ReportIssue, res)
	v.CanReopen = policy.Can(u, policy.EngagementReopen, res)
	v.CanDraft = policy.Can(u, policy.ReportDraft, res)
	v.CanAddendum = policy.Can(u, policy.AddendumAdd, res)
	v.Variants = variantOptions(facts.ReportType)
	addenda, err := s.Reports.Addenda(ctx, id)
	if err != nil {
		return err
	}
	for _, a := range addenda {
		v.Addenda = append(v.Addenda, templates.AddendumView{Author: a.AuthorName, Reason: a.Reason, Body: a.Body, At: a.CreatedAt.UTC().Format("2006-01-02 15:04")})
	}
	for _, r := range st.Reopenings {
		w := ""
		if r.SignedAt != nil {
			w = "(withdrew the signature of " + r.SignedBy + " of " + r.SignedAt.UTC().Format(dateOnly) + ")"
		}
		v.Reopenings = append(v.Reopenings, templates.ReopeningView{Reason: r.Reason, By: r.ReopenedBy, At: r.ReopenedAt.UTC().Format("2006-01-02 15:04"), Withdrawn: w})
	}
	return s.render(c, status, templates.ReportShow(s.page(c, "Report · "+h.Name, "engagements"), v))
}

const dateOnly = "2006-01-02"

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// variantOptions lists the reports an engagement of reportType produces (its SOC 2 type, and SOC 3).
func variantOptions(reportType string) []templates.Option {
	out := []templates.Option{{Value: reportType, Label: report.Variant(reportType).Label()}}
	return append(out, templates.Option{Value: string(report.SOC3), Label: report.SOC3.Label()})
}

// reportFailed re-renders the Report tab with what was typed and the problems, or says what a
// refused step still needs.
func (s *Server) reportFailed(c echo.Context, err error, values map[string]string) error {
	id := resource(c).EngagementID
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderReport(c, http.StatusUnprocessableEntity, values, v)
	}
	if cf, ok := apperr.AsConflict(err); ok {
		return s.renderReportConflict(c, http.StatusConflict, values, nil, cf)
	}
	var throttled *auth.ThrottledError
	if errors.As(err, &throttled) {
		c.Response().Header().Set("Retry-After", itoa(int64(throttled.RetryAfter.Seconds())+1))
		return s.renderReport(c, http.StatusTooManyRequests, values, apperr.Validation{"password": throttled.Error()})
	}
	var tr *apperr.Transition
	if errors.As(err, &tr) {
		s.flash(c, "error", "Not possible yet. Still needed: "+strings.Join(tr.Missing, "; ")+".")
		return c.Redirect(http.StatusSeeOther, "/engagements/"+itoa(id)+"/report")
	}
	return err
}

func (s *Server) opinionChoose(c echo.Context) error {
	id := resource(c).EngagementID
	in := opinion.ChoiceInput{Kind: c.FormValue("kind"), Reason: c.FormValue("reason"), Basis: c.FormValue("basis"), SOC3Reason: c.FormValue("soc3_reason")}
	// A missing or unreadable version counts as "none chosen yet": a stale form is refused either way.
	in.Version, _ = strconv.Atoi(c.FormValue("version"))
	if err := s.Opinions.Choose(c.Request().Context(), mustUser(c), id, in); err != nil {
		return s.reportFailed(c, err, map[string]string{"kind": in.Kind, "reason": in.Reason, "basis": in.Basis, "soc3_reason": in.SOC3Reason})
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(id)+"/report", "Opinion saved. The drafts now print it.")
}

func (s *Server) opinionSign(c echo.Context) error {
	id := resource(c).EngagementID
	in := opinion.SignInput{Password: c.FormValue("password"), Code: c.FormValue("code"), ReportDate: c.FormValue("report_date"), IP: c.RealIP()}
	if err := s.Opinions.Sign(c.Request().Context(), mustUser(c), id, in); err != nil {
		return s.reportFailed(c, err, map[string]string{"report_date": in.ReportDate})
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(id)+"/report", "Opinion signed. The engagement is locked; issue the report when it is released.")
}

func (s *Server) reportIssue(c echo.Context) error {
	id := resource(c).EngagementID
	release := c.FormValue("release_date")
	versions, err := s.Reports.Issue(c.Request().Context(), mustUser(c).Actor(), id, release)
	if err != nil {
		return s.reportFailed(c, err, map[string]string{"release_date": release})
	}
	var names []string
	for _, v := range versions {
		names = append(names, fmt.Sprintf("%s version %d", v.Variant.Label(), v.Version))
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(id)+"/report", "Issued: "+strings.Join(names, " and ")+". The client's users can now download them.")
}

// scopeLimitationAdd: POST /engagements/:id/report/scope-limitations.
func (s *Server) scopeLimitationAdd(c echo.Context) error {
	id := resource(c).EngagementID
	in := opinion.ScopeLimitationInput{Description: c.FormValue("limitation_description"), Criteria: c.FormValue("limitation_criteria"),
		Pervasive: c.FormValue("limitation_pervasive") == "on"}
	if _, err := s.Opinions.RecordScopeLimitation(c.Request().Context(), mustUser(c), id, in); err != nil {
		pervasive := ""
		if in.Pervasive {
			pervasive = "on"
		}
		return s.reportFailed(c, err, map[string]string{"limitation_description": in.Description, "limitation_criteria": in.Criteria,
			"limitation_pervasive": pervasive})
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(id)+"/report#scope-limitations",
		"Scope limitation recorded. Attest now proposes a disclaimer of opinion.")
}

// scopeLimitationRemove: POST /engagements/:id/report/scope-limitations/:limitationID/remove.
func (s *Server) scopeLimitationRemove(c echo.Context) error {
	id := resource(c).EngagementID
	lid, err := paramID(c, "limitationID")
	if err != nil {
		return err
	}
	if err := s.Opinions.RemoveScopeLimitation(c.Request().Context(), mustUser(c), id, lid); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(id)+"/report#scope-limitations", "Scope limitation removed.")
}

func (s *Server) engagementReopen(c echo.Context) error {
	id := resource(c).EngagementID
	reason := c.FormValue("reopen_reason")
	if err := s.Opinions.Reopen(c.Request().Context(), mustUser(c), id, reason); err != nil {
		var v apperr.Validation
		if errors.As(err, &v) {
			err = apperr.Validation{"reopen_reason": v["reason"]}
		}
		return s.reportFailed(c, err, map[string]string{"reopen_reason": reason})
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(id)+"/report", "Engagement reopened: the signature and any issued report are withdrawn.")
}

func (s *Server) addendumAdd(c echo.Context) error {
	id := resource(c).EngagementID
	reason, body := c.FormValue("addendum_reason"), c.FormValue("addendum_body")
	if err := s.Reports.AddAddendum(c.Request().Context(), mustUser(c).Actor(), id, reason, body); err != nil {
		var v apperr.Validation
		if errors.As(err, &v) {
			err = apperr.Validation{"addendum_reason": v["reason"], "addendum_body": v["body"]}
			for k, m := range err.(apperr.Validation) {
				if m == "" {
					delete(err.(apperr.Validation), k)
				}
			}
		}
		return s.reportFailed(c, err, map[string]string{"addendum_reason": reason, "addendum_body": body})
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(id)+"/report", "Addendum added, dated and signed with your name.")
}

func (s *Server) requestedVariant(c echo.Context) (report.Variant, string, error) {
	f, err := s.Reports.EngagementFacts(c.Request().Context(), resource(c).EngagementID)
	if err != nil {
		return "", "", err
	}
	v := report.Variant(c.QueryParam("variant"))
	if v == "" {
		v = report.Variant(f.ReportType)
	}
	return v, f.ReportType, nil
}

// reportDraftPDF renders a watermarked draft, at any time, with the same renderer as issuing.
func (s *Server) reportDraftPDF(c echo.Context) error {
	ctx, id := c.Request().Context(), resource(c).EngagementID
	v, _, err := s.requestedVariant(c)
	if err != nil {
		return err
	}
	pdf, doc, err := s.Reports.Render(ctx, id, v, true)
	if err != nil {
		return s.reportRenderFailed(c, err)
	}
	name := fileName(doc.ServiceOrg + " " + v.Label() + " DRAFT")
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

func (s *Server) reportRenderFailed(c echo.Context, err error) error {
	if errors.Is(err, report.ErrNoControls) {
		s.flash(c, "error", "No report yet: this engagement has no controls. Add the control matrix first (Control matrix tab).")
		return c.Redirect(http.StatusSeeOther, "/engagements/"+itoa(resource(c).EngagementID)+"/report")
	}
	if errors.Is(err, apperr.ErrNotFound) {
		return err
	}
	if strings.Contains(err.Error(), "produces a") || strings.Contains(err.Error(), "unknown report variant") {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	return err
}

// reportPreview shows the HTML preview built from the same document model as the PDF.
func (s *Server) reportPreview(c echo.Context) error {
	ctx, u, id := c.Request().Context(), mustUser(c), resource(c).EngagementID
	h, err := s.engagementHeader(ctx, id, u, "report")
	if err != nil {
		return err
	}
	variant, reportType, err := s.requestedVariant(c)
	if err != nil {
		return err
	}
	v := templates.ReportPreviewPage{Header: h, Variant: string(variant), Variants: variantOptions(reportType)}
	d, err := s.Reports.Load(ctx, id)
	if err != nil {
		return err
	}
	doc, err := report.Build(d, report.Variant(v.Variant), report.BuildOptions{Wording: s.Reports.Wording})
	status := http.StatusOK
	switch {
	case errors.Is(err, report.ErrNoControls):
		v.Error = "No report yet: this engagement has no controls. Add the control matrix first."
	case err != nil && (strings.Contains(err.Error(), "produces a") || strings.Contains(err.Error(), "unknown report variant")):
		v.Error, status = err.Error(), http.StatusBadRequest
	case err != nil:
		return err
	default:
		if v.HTML, err = report.RenderHTML(doc); err != nil {
			return err
		}
	}
	return s.render(c, status, templates.ReportPreview(s.page(c, "Report preview · "+h.Name, "engagements"), v))
}

// reportDownload sends an issued version's stored bytes; the download is audited.
func (s *Server) reportDownload(c echo.Context) error {
	ctx, u := c.Request().Context(), mustUser(c)
	id, err := paramID(c, "versionID")
	if err != nil {
		return err
	}
	ver, data, err := s.Reports.Download(ctx, u.Actor(), u.Role == auth.RoleClient, id)
	if err != nil {
		return err
	}
	f, err := s.Reports.EngagementFacts(ctx, ver.EngagementID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+ver.FileName(f.ClientName)+`"`)
	c.Response().Header().Set("X-Content-SHA256", ver.SHA256)
	return c.Blob(http.StatusOK, "application/pdf", data)
}

func fileName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// auditRefusal records that a change to a locked engagement was refused, with why.
func (s *Server) auditRefusal(c echo.Context, u auth.User, action policy.Action, res policy.Resource) {
	ctx := c.Request().Context()
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return audit.Record(ctx, tx, u.Actor(), audit.Event{Action: "engagement.change_refused", EntityType: "engagement",
			EntityID: res.EngagementID, EngagementID: res.EngagementID, ClientID: res.ClientID,
			After: map[string]any{"action": string(action), "method": c.Request().Method, "path": c.Request().URL.Path,
				"reason": "the engagement is locked: the opinion is signed"}})
	})
	if err != nil {
		s.Log.Error("auditing a refused change", "request_id", requestID(c), "err", err)
	}
}
