package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/criteria"
	"github.com/attest-soc/attest/internal/description"
	"github.com/attest-soc/attest/internal/engagements"
	"github.com/attest-soc/attest/internal/fieldwork"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/templates"
)

// engagementOverview is the engagement's dashboard. Its reads do not depend on one another once
// the engagement is loaded, so they run at once (on the pool's connections): one after another
// they were the slowest page under load (issue #19).
func (s *Server) engagementOverview(c echo.Context) error {
	ctx := c.Request().Context()
	u, res := mustUser(c), resource(c)
	h, err := s.engagementHeader(ctx, res.EngagementID, u, "overview")
	if err != nil {
		return err
	}
	e, err := s.Engagements.Get(ctx, res.EngagementID)
	if err != nil {
		return err
	}
	// Test results and the criteria roll-up are the auditors' working conclusions: clients see
	// the outcome in the report, not on this page.
	workingPapers := policy.Can(u, policy.WorkingPapersView, res)
	var (
		d        engagements.Dashboard
		sum      description.Summary
		statuses []fieldwork.CriterionRow
		next     engagements.AlreadyRolledForward
		blockers map[engagements.Status][]string
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { d, err = s.Engagements.LoadDashboard(gctx, e, s.Clock.Now()); return err })
	g.Go(func() (err error) { sum, err = s.Description.Summarize(gctx, e.ID); return err })
	if workingPapers {
		g.Go(func() (err error) { statuses, err = s.fieldwork().CriteriaStatus(gctx, e.ID); return err })
		g.Go(func() (err error) { next, err = s.Engagements.NextOf(gctx, e.ID); return err })
		g.Go(func() (err error) { blockers, err = s.Engagements.Blockers(gctx, e, u.ID); return err })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	o := templates.EngagementOverview{
		RequestsOutstanding: d.RequestsOutstanding, RequestsOverdue: d.RequestsOverdue,
		OpenExceptions: d.OpenExceptions, OpenReviewNotes: d.OpenReviewNotes,
		PeriodEndLabel: "Period end", DaysToPeriodEnd: daysText(d.DaysToPeriodEnd), DaysToReportDate: daysText(d.DaysToReportDate),
		CanEdit:         policy.Can(u, policy.EngagementEdit, res),
		CanChangeStatus: policy.Can(u, policy.EngagementStatus, res),
		CanRollForward:  policy.Can(u, policy.EngagementRollForward, res),
		Chart: templates.BarChart{Title: fmt.Sprintf("Controls by test status (%d controls)", d.Controls),
			Description: "Each control counts once, by the state of its tests: any exception, then work in progress, then done."},
		Description: descriptionSummaryView(sum),
	}
	// The date itself beside the countdown, as for the report date: "Period end 30 June 2026".
	if e.ReportType == "type1" && e.AsOfDate != nil {
		o.PeriodEndLabel = "As-of date " + LongDate(*e.AsOfDate)
	} else if e.PeriodEnd != nil {
		o.PeriodEndLabel = "Period end " + LongDate(*e.PeriodEnd)
	}
	if e.ReportDate != nil {
		o.ReportDate = LongDate(*e.ReportDate)
	}
	for _, cr := range statuses {
		switch cr.Status {
		case fieldwork.CriterionNotMet:
			o.CriteriaNotMet = append(o.CriteriaNotMet, cr.ID)
		case fieldwork.CriterionPending:
			o.CriteriaPending++
		}
	}
	o.NextID, o.NextName = next.NextID, next.Name
	for _, st := range engagements.ControlStatuses {
		o.Chart.Bars = append(o.Chart.Bars, templates.Bar{Key: st.Key, Label: st.Label, Value: d.ControlsByStatus[st.Key]})
	}
	for _, cat := range e.Categories() {
		o.Categories = append(o.Categories, criteria.CategoryLabel(cat))
	}
	if workingPapers {
		for _, to := range engagements.NextStatuses(e.Status) {
			o.Moves = append(o.Moves, templates.StatusMove{To: string(to), Label: to.Label(), Missing: blockers[to]})
		}
	}
	return s.render(c, http.StatusOK, templates.EngagementOverviewPage(s.page(c, h.Name, "engagements"), h, o))
}

func daysText(days *int) string {
	switch {
	case days == nil:
		return "not set"
	case *days == 0:
		return "today"
	case *days == 1:
		return "in 1 day"
	case *days > 0:
		return fmt.Sprintf("in %d days", *days)
	case *days == -1:
		return "1 day ago"
	}
	return fmt.Sprintf("%d days ago", -*days)
}

// engagementStatusChange moves the engagement to the posted status, or says what is missing.
func (s *Server) engagementStatusChange(c echo.Context) error {
	id := resource(c).EngagementID
	to := engagements.Status(c.FormValue("status"))
	if to == engagements.StatusSigned || to == engagements.StatusIssued {
		// Signing needs the gates, the opinion and password + code; issuing stores the PDFs.
		s.flash(c, "error", "Sign and issue on the Report tab: the partner re-enters password and code to sign, and issuing stores the final PDFs.")
		return c.Redirect(http.StatusSeeOther, "/engagements/"+itoa(id)+"/report")
	}
	err := s.Engagements.ChangeStatusAnchored(c.Request().Context(), s.AuditSigner, mustUser(c).Actor(), id, to)
	if msg, ok := transitionMessage(err); ok {
		s.flash(c, "error", msg)
		return c.Redirect(http.StatusSeeOther, "/engagements/"+itoa(id))
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(id), "The engagement moved to "+to.Label()+".")
}

// engagementRollForward creates the next period's engagement and opens it.
func (s *Server) engagementRollForward(c echo.Context) error {
	id, err := s.Engagements.RollForward(c.Request().Context(), mustUser(c).Actor(), resource(c).EngagementID)
	var done *engagements.AlreadyRolledForward
	if errors.As(err, &done) {
		s.flash(c, "error", "This engagement was already rolled forward to "+done.Name+"; nothing new was created. Here it is.")
		return c.Redirect(http.StatusSeeOther, "/engagements/"+itoa(done.NextID))
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(id), "Next period's engagement created. Each team member must confirm independence again.")
}

// transitionMessage says what a refused status move still needs.
func transitionMessage(err error) (string, bool) {
	var t *apperr.Transition
	if !errors.As(err, &t) {
		return "", false
	}
	return "The engagement cannot move to " + engagements.Status(t.To).Label() + " yet. Still needed: " + strings.Join(t.Missing, "; ") + ".", true
}
