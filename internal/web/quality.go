package web

import (
	"fmt"
	"github.com/attest-soc/attest/internal/engagements"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/internal/quality"
	"github.com/attest-soc/attest/templates"
)

// excerpt shortens a text for a side-by-side view.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func warningKey(k quality.WarningKey) string {
	return fmt.Sprintf("%s:%d:%d", k.Kind, k.ItemID, k.OtherItemID)
}

func parseWarningKey(s string) (quality.WarningKey, bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return quality.WarningKey{}, false
	}
	item, err1 := strconv.ParseInt(parts[1], 10, 64)
	other, err2 := strconv.ParseInt(parts[2], 10, 64)
	return quality.WarningKey{Kind: quality.Kind(parts[0]), ItemID: item, OtherItemID: other}, err1 == nil && err2 == nil
}

func textHref(t quality.Text) string {
	if t.Kind == quality.KindDescription {
		return fmt.Sprintf("/engagements/%d/description", t.EngagementID)
	}
	return fmt.Sprintf("/tests/%d", t.ItemID)
}

// engagementBoilerplate: GET /engagements/:id/boilerplate.
func (s *Server) engagementBoilerplate(c echo.Context) error {
	return s.renderBoilerplate(c, http.StatusOK, nil)
}

func (s *Server) renderBoilerplate(c echo.Context, status int, mutate func(*templates.BoilerplatePage)) error {
	ctx, u, res := c.Request().Context(), mustUser(c), resource(c)
	h, err := s.engagementHeader(ctx, res.EngagementID, u, "boilerplate")
	if err != nil {
		return err
	}
	ws, err := s.Quality.Warnings(ctx, res.EngagementID)
	if err != nil {
		return err
	}
	v := templates.BoilerplatePage{Threshold: int(s.Config.BoilerplateThreshold*100 + 0.5),
		CanAcknowledge: policy.Can(u, policy.BoilerplateAcknowledge, res), Errors: templates.Errors{}}
	for _, w := range ws {
		wv := templates.BoilerplateWarningView{Key: warningKey(w.Key()), KindLabel: w.Text.Kind.Label(), Ref: w.Text.Ref,
			TextHref: textHref(w.Text), Excerpt: excerpt(w.Text.Body, 400),
			OtherEngagement: w.Other.ClientName + " — " + w.Other.EngagementName, OtherExcerpt: excerpt(w.Other.Body, 400),
			OtherHref: textHref(w.Other), Percent: w.Percent()}
		if w.Ack != nil {
			wv.AckReason, wv.AckBy, wv.AckAt = w.Ack.Reason, w.Ack.ByName, LongDate(w.Ack.AcknowledgedAt)
		} else {
			v.Unacknowledged++
		}
		v.Warnings = append(v.Warnings, wv)
	}
	if mutate != nil {
		mutate(&v)
	}
	return s.render(c, status, templates.EngagementBoilerplatePage(s.page(c, "Boilerplate warnings", "engagements"), h, v))
}

// boilerplateAcknowledge: POST /engagements/:id/boilerplate/acknowledge.
func (s *Server) boilerplateAcknowledge(c echo.Context) error {
	res := resource(c)
	key, ok := parseWarningKey(c.FormValue("warning"))
	if !ok {
		return apperr.ErrNotFound
	}
	reason := c.FormValue("reason")
	err := s.Quality.Acknowledge(c.Request().Context(), mustUser(c), res.EngagementID, key, reason)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderBoilerplate(c, http.StatusUnprocessableEntity, func(p *templates.BoilerplatePage) {
			p.Errors, p.FailedKey, p.Reason = templates.Errors(v), c.FormValue("warning"), reason
		})
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/engagements/%d/boilerplate", res.EngagementID), "Warning acknowledged.")
}

func (s *Server) renderBoilerplateTemplates(c echo.Context, status int, v templates.BoilerplateTemplatesPage) error {
	ts, err := s.Quality.Templates(c.Request().Context())
	if err != nil {
		return err
	}
	for _, t := range ts {
		v.Templates = append(v.Templates, templates.BoilerplateTemplateView{ID: t.ID, Title: t.Title, Body: t.Body})
	}
	if v.Errors == nil {
		v.Errors = templates.Errors{}
	}
	return s.render(c, status, templates.BoilerplateTemplatesAdminPage(s.page(c, "Standard wording", "admin"), v))
}

// boilerplateTemplates: GET /admin/boilerplate-templates.
func (s *Server) boilerplateTemplates(c echo.Context) error {
	return s.renderBoilerplateTemplates(c, http.StatusOK, templates.BoilerplateTemplatesPage{})
}

// boilerplateTemplateAdd: POST /admin/boilerplate-templates.
func (s *Server) boilerplateTemplateAdd(c echo.Context) error {
	title, body := c.FormValue("title"), c.FormValue("body")
	_, err := s.Quality.AddTemplate(c.Request().Context(), mustUser(c), title, body)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderBoilerplateTemplates(c, http.StatusUnprocessableEntity, templates.BoilerplateTemplatesPage{Title: title, Body: body, Errors: templates.Errors(v)})
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/boilerplate-templates", "Standard wording added: it no longer counts as boilerplate.")
}

// boilerplateTemplateDelete: POST /admin/boilerplate-templates/:tid/delete.
func (s *Server) boilerplateTemplateDelete(c echo.Context) error {
	id, err := paramID(c, "tid")
	if err != nil {
		return err
	}
	if err := s.Quality.DeleteTemplate(c.Request().Context(), mustUser(c), id); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/boilerplate-templates", "Standard wording removed.")
}

// firmComparison: GET /firm/comparison.
func (s *Server) firmComparison(c echo.Context) error {
	fs, err := s.Quality.Comparison(c.Request().Context())
	if err != nil {
		return err
	}
	var v templates.ComparisonPage
	for _, f := range fs {
		r := templates.ComparisonRow{Href: fmt.Sprintf("/engagements/%d", f.EngagementID), Engagement: f.EngagementName,
			Client: f.ClientName, Status: engagements.Status(f.Status).Label(), Concluded: f.TestsConcluded, WithExceptions: f.TestsWithExceptions,
			ExceptionShare: "—", ExceptionShareSort: "-1", Days: "—", DaysSort: "-1",
			ExceptionOutlier: f.ExceptionOutlier.Label(), DaysOutlier: f.DaysOutlier.Label()}
		if f.ExceptionShare != nil {
			r.ExceptionShare = fmt.Sprintf("%.0f %%", *f.ExceptionShare*100)
			r.ExceptionShareSort = fmt.Sprintf("%.4f", *f.ExceptionShare)
		}
		if f.DaysToSignature != nil {
			r.Days = fmt.Sprintf("%.1f", *f.DaysToSignature)
			r.DaysSort = r.Days
		}
		if r.ExceptionOutlier != "" {
			v.Outliers++
		}
		if r.DaysOutlier != "" {
			v.Outliers++
		}
		v.Rows = append(v.Rows, r)
	}
	return s.render(c, http.StatusOK, templates.FirmComparisonPage(s.page(c, "Firm comparison", "comparison"), v))
}

// engagementTimeline: GET /engagements/:id/timeline.
func (s *Server) engagementTimeline(c echo.Context) error {
	ctx, u, res := c.Request().Context(), mustUser(c), resource(c)
	h, err := s.engagementHeader(ctx, res.EngagementID, u, "timeline")
	if err != nil {
		return err
	}
	tl, err := s.Quality.Timeline(ctx, res.EngagementID)
	if err != nil {
		return err
	}
	v := templates.TimelinePage{ReportDate: "not set", Steps: len(tl.Entries), Flagged: tl.Flagged,
		PDFHref: fmt.Sprintf("/engagements/%d/timeline.pdf", res.EngagementID)}
	if tl.ReportDate != nil {
		v.ReportDate = LongDate(*tl.ReportDate)
	}
	for _, g := range quality.GroupTimeline(tl) {
		gv := templates.TimelineGroupView{Title: g.Title, Flagged: g.Flagged}
		if g.TestID != 0 {
			gv.Href = fmt.Sprintf("/tests/%d", g.TestID)
		}
		for _, e := range g.Entries {
			gv.Entries = append(gv.Entries, templates.TimelineEntryView{When: e.At.UTC().Format("2006-01-02 15:04:05"),
				Step: e.Step.Label(), Actor: e.Actor, Detail: e.Detail, Flags: e.Flags})
		}
		v.Groups = append(v.Groups, gv)
	}
	return s.render(c, http.StatusOK, templates.EngagementTimelinePage(s.page(c, "Timeline", "engagements"), h, v))
}

// engagementTimelinePDF: GET /engagements/:id/timeline.pdf, for a quality reviewer.
func (s *Server) engagementTimelinePDF(c echo.Context) error {
	ctx, u, res := c.Request().Context(), mustUser(c), resource(c)
	h, err := s.engagementHeader(ctx, res.EngagementID, u, "timeline")
	if err != nil {
		return err
	}
	tl, err := s.Quality.Timeline(ctx, res.EngagementID)
	if err != nil {
		return err
	}
	settings, err := s.firm().GetSettings(ctx)
	if err != nil {
		return err
	}
	pdf, err := quality.TimelinePDF(quality.TimelineHeading{Firm: settings.FirmName, Client: h.ClientName, Engagement: h.Name,
		Period: "SOC 2 " + h.ReportType + " " + h.Period, GeneratedAt: s.Clock.Now().UTC().Truncate(60e9)}, tl)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="timeline-%d.pdf"`, res.EngagementID))
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}
