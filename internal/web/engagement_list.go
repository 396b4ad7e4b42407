package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/engagements"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/templates"
)

// engagementList lists the engagements the user may see, filtered by the query parameters
// status, client, partner, period_from and period_to.
func (s *Server) engagementList(c echo.Context) error {
	ctx := c.Request().Context()
	u := mustUser(c)
	form := templates.EngagementFilters{Status: c.QueryParam("status"), ClientID: c.QueryParam("client"),
		PartnerID: c.QueryParam("partner"), PeriodFrom: c.QueryParam("period_from"), PeriodTo: c.QueryParam("period_to")}
	f := engagements.Filter{}
	for _, st := range engagements.Statuses {
		if string(st) == form.Status {
			f.Status = st
		}
	}
	f.ClientID, _ = strconv.ParseInt(form.ClientID, 10, 64)
	f.PartnerID, _ = strconv.ParseInt(form.PartnerID, 10, 64)
	if t, err := time.Parse(engagements.DateLayout, form.PeriodFrom); err == nil {
		f.PeriodFrom = &t
	}
	if t, err := time.Parse(engagements.DateLayout, form.PeriodTo); err == nil {
		f.PeriodTo = &t
	}
	page := pageParam(c)
	f.Limit, f.Offset = pageSize+1, (page-1)*pageSize // one more row tells whether a next page exists
	list, err := s.Engagements.List(ctx, u, f)
	if err != nil {
		return err
	}
	more := len(list) > pageSize
	list = list[:min(len(list), pageSize)]
	form.Pager = pager(c, page, len(list), more)
	if u.Role != auth.RoleClient { // client users see their own engagements, without the filters
		clients, partners, err := s.Engagements.FilterOptions(ctx)
		if err != nil {
			return err
		}
		form.Statuses = make([]templates.Option, 0, len(engagements.Statuses)+1)
		form.Statuses = append(form.Statuses, templates.Option{Value: "", Label: "Any status"})
		for _, st := range engagements.Statuses {
			form.Statuses = append(form.Statuses, templates.Option{Value: string(st), Label: st.Label()})
		}
		form.Clients = idOptions("Any client", clients)
		form.Partners = idOptions("Any partner", partners)
	}
	canCreate := policy.Can(u, policy.EngagementCreate, policy.Resource{})
	return s.render(c, http.StatusOK, templates.EngagementsPage(s.page(c, "Engagements", "engagements"), engagementRows(list, u), form, canCreate))
}

func idOptions(any string, opts []engagements.Option) []templates.Option {
	out := make([]templates.Option, 0, len(opts)+1)
	out = append(out, templates.Option{Value: "", Label: any})
	for _, o := range opts {
		out = append(out, templates.Option{Value: itoa(o.ID), Label: o.Name})
	}
	return out
}

// engagementRows turns engagement summaries into table rows. Review notes are the firm's
// internal working papers: a row counts them only for a user the policy lets read them.
func engagementRows(list []engagements.Summary, u auth.User) []templates.EngagementRow {
	rows := make([]templates.EngagementRow, len(list))
	for i, e := range list {
		r := templates.EngagementRow{ID: e.ID, Name: e.Name, ClientName: e.ClientName, Status: string(e.Status),
			StatusLabel: e.Status.Label(), PartnerName: e.PartnerName, MyRole: engagements.TeamRoleLabel(e.MyRole),
			OpenRequests: e.OpenRequests, OpenExceptions: e.OpenExceptions}
		res := policy.Resource{ClientID: e.ClientID, EngagementID: e.ID, TeamRole: auth.TeamRole(e.MyRole)}
		if policy.Can(u, policy.ReviewNoteView, res) {
			r.ShowReviewNotes, r.OpenReviewNotes = true, e.OpenReviewNotes
		}
		r.ReportType, r.Period = periodText(e.ReportType, e.AsOfDate, e.PeriodStart, e.PeriodEnd)
		if end := e.End(); end != nil {
			r.PeriodSort = end.Format(engagements.DateLayout)
		}
		rows[i] = r
	}
	return rows
}

// periodText describes a report type and its period the way the engagement header does.
func periodText(reportType string, asOf, start, end *time.Time) (string, string) {
	if reportType == "type1" {
		if asOf == nil {
			return "Type I", ""
		}
		return "Type I", "as of " + LongDate(*asOf)
	}
	if start == nil || end == nil {
		return "Type II", ""
	}
	return "Type II", LongDate(*start) + " – " + LongDate(*end)
}
